using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DslNets.Kernels;

/// <summary>
/// A float buffer whose element 0 sits on a 64-byte boundary (one cache line, one AVX-512 vector), for the packed
/// inference weights. A float array's data only starts on an 8-byte boundary, so every 64-byte vector load of a
/// streamed weight row could straddle two cache lines: single-sample inference of a 784x256 layer measured 7.8 us
/// aligned against 8.4 us at 16 bytes past a line. The array is allocated on the pinned object heap, so the
/// garbage collector never moves it off its alignment. Offsets into the buffer keep their alignment when they are
/// multiples of 16 floats (the generator lays the packed weights out so).
/// </summary>
public sealed class AlignedBuffer
{
    /// <summary>Bytes the buffer's first element is aligned to.</summary>
    public const int Alignment = 64;

    private readonly float[] _array;
    private readonly int _start;

    /// <summary>Allocates <paramref name="length"/> zeroed floats starting on a 64-byte boundary.</summary>
    public AlignedBuffer(int length)
    {
        if (length < 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, "The length must not be negative.");
        const int slack = Alignment / sizeof(float);
        _array = GC.AllocateArray<float>(length + slack, pinned: true);
        _start = (int)((Alignment - AddressOf(ref MemoryMarshal.GetArrayDataReference(_array)) % Alignment) % Alignment) / sizeof(float);
        Length = length;
    }

    /// <summary>The address of <paramref name="value"/> (stable here: the array is pinned).</summary>
    internal static long AddressOf(ref float value) => Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref value).ToInt64();

    /// <summary>Number of floats.</summary>
    public int Length { get; }

    /// <summary>The whole buffer.</summary>
    public Span<float> Span => _array.AsSpan(_start, Length);

    /// <summary>Floats <c>[start, start + length)</c>.</summary>
    public Span<float> AsSpan(int start, int length) => Span.Slice(start, length);

    /// <summary>Floats <c>[start, start + length)</c> as memory (what the kernels that may split work across threads take).</summary>
    public Memory<float> AsMemory(int start, int length) => _array.AsMemory(_start, Length).Slice(start, length);
}
