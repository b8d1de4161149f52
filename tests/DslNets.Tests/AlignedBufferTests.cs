using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DslNets.Kernels;

namespace DslNets.Tests;

/// <summary>The packed inference weights start on a cache line, whatever address the allocator picked.</summary>
public class AlignedBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(784 * 256)]
    public void FirstElement_SitsOnA64ByteBoundary_AndTheBufferIsZeroed(int length)
    {
        // Several buffers, so a lucky allocation address cannot pass the test by itself.
        for (int i = 0; i < 8; i++)
        {
            var buffer = new AlignedBuffer(length);
            Assert.Equal(length, buffer.Length);
            Assert.Equal(0, AddressOf(buffer.Span) % AlignedBuffer.Alignment);
            Assert.All(buffer.Span.ToArray(), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void SpanAndMemory_ViewTheSameFloats()
    {
        var buffer = new AlignedBuffer(40);
        buffer.AsSpan(16, 4).Fill(3f);
        Assert.Equal(new[] { 3f, 3f, 3f, 3f }, buffer.AsMemory(16, 4).ToArray());
        Assert.Equal(AddressOf(buffer.Span) + 16 * sizeof(float), AddressOf(buffer.AsMemory(16, 4).Span));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(38, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer(-1));
    }

    [Fact]
    public void GeneratedNetwork_PacksEveryDenseLayerOnACacheLine()
    {
        // FoldedNet's packed matrices start at multiples of 16 floats of the aligned buffer.
        var network = new FoldedNet();
        var inference = (AlignedBuffer)typeof(FoldedNet).GetField("_inference", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(network)!;
        Assert.Equal(0, AddressOf(inference.Span) % AlignedBuffer.Alignment);
        foreach (System.Reflection.FieldInfo field in typeof(FoldedNet).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static))
        {
            if (field.Name.EndsWith("_PackedWeight", StringComparison.Ordinal))
                Assert.Equal(0, (int)field.GetRawConstantValue()! % 16);
        }
    }

    private static long AddressOf(Span<float> span) =>
        span.IsEmpty ? 0 : Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetReference(span)).ToInt64();
}
