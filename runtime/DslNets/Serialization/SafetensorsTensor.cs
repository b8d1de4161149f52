using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DslNets.Serialization;

/// <summary>One tensor of a safetensors file: element type, shape and raw little-endian bytes.</summary>
public sealed class SafetensorsTensor
{
    /// <summary>Creates a tensor; <paramref name="data"/> must hold exactly <c>product(shape) * dtype size</c> bytes (not copied).</summary>
    public SafetensorsTensor(SafetensorsDType dtype, long[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long elements = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
                throw new ArgumentException($"Expected non-negative dimensions, got [{string.Join(", ", shape)}].", nameof(shape));
            elements = checked(elements * dimension);
        }

        long bytes = checked(elements * dtype.Size());
        if (data.Length != bytes)
            throw new ArgumentException($"Expected data.Length == {bytes} ({elements} {dtype} elements), got {data.Length}.", nameof(data));
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    /// <summary>The element type.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public long[] Shape { get; }

    /// <summary>The elements as stored in the file (little-endian, row-major).</summary>
    public byte[] Data { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Data.Length / DType.Size();

    /// <summary>An F32 tensor holding a copy of <paramref name="values"/>.</summary>
    public static SafetensorsTensor FromSingles(ReadOnlySpan<float> values, params long[] shape)
    {
        var data = new byte[checked(values.Length * sizeof(float))];
        WriteSingles(values, data);
        return new SafetensorsTensor(SafetensorsDType.F32, shape, data);
    }

    /// <summary>The elements of an F32 tensor.</summary>
    public float[] ToSingles()
    {
        if (DType != SafetensorsDType.F32)
            throw new InvalidOperationException($"The tensor is {DType}, not F32.");
        var values = new float[Data.Length / sizeof(float)];
        ReadSingles(Data, values);
        return values;
    }

    /// <summary>Decodes little-endian F32 bytes into <paramref name="destination"/>.</summary>
    internal static void ReadSingles(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * sizeof(float)));
    }

    /// <summary>Encodes <paramref name="source"/> as little-endian F32 bytes.</summary>
    internal static void WriteSingles(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(source).CopyTo(destination);
            return;
        }

        for (int i = 0; i < source.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(i * sizeof(float)), source[i]);
    }
}
