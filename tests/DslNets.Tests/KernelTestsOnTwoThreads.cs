using DslNets.Kernels;
using DslNets.Threading;

namespace DslNets.Tests;

/// <summary>
/// The Memory overloads of the dense products split across two kernel threads, packing included (W^T for the
/// forward, X and dY^T for the weight gradient, W for the input gradient, each shared out among the threads by
/// panels or runs of samples), on sizes whose panels leave an edge block and whose batch leaves a short run of
/// samples: bit-identical to one thread and within <see cref="KernelTests"/>' tolerance of the reference. The
/// name starts with KernelTests so that <see cref="KernelPathTests"/> re-runs it on the AVX2 path; it shares the
/// threading tests' collection because the thread count is process-wide.
/// </summary>
[Collection(nameof(ThreadingTests))]
public class KernelTestsOnTwoThreads
{
    [Fact]
    public void SplitProducts_WithSplitPacking_AreBitIdenticalToOneThread_AndMatchTheReference()
    {
        // 784 inputs: 12 panels of 64 and an edge of 16 (AVX-512), 49 panels of 16 (AVX2); 100: an edge of 36 or 20.
        // Batches 37 and 80 leave runs of 5 and 16 samples after the runs of 32 in dY^T, and rows of 1 and 2 after the 6-row tiles.
        Check<D784, D65>(37);
        Check<D100, D136>(80);
        Check<D136, D100>(80);
    }

    private static void Check<TIn, TOut>(int batch)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inF = TIn.Value, outF = TOut.Value;
        Assert.True(batch >= KernelThreads.MinBatch && (long)batch * inF * outF >= 1 << 20, "the shape must be large enough to be split");
        float[] x = TestData.Uniform(batch * inF, 1), w = TestData.Uniform(outF * inF, 2), bias = TestData.Uniform(outF, 3);
        float[] dy = TestData.Uniform(batch * outF, 4);
        (float[] y1, float[] dx1, float[] dw1, float[] db1) = Run<TIn, TOut>(1, x, w, bias, dy, batch);
        (float[] y2, float[] dx2, float[] dw2, float[] db2) = Run<TIn, TOut>(2, x, w, bias, dy, batch);
        Assert.Equal(y1, y2);
        Assert.Equal(dx1, dx2);
        Assert.Equal(dw1, dw2);
        Assert.Equal(db1, db2);
        KernelTests.AssertClose(KernelTests.ReferenceForward(x, w, bias, batch, inF, outF), y2, KernelTests.AbsSums(x, w, batch, inF, outF));
        KernelTests.AssertBackward(dx2, dw2, db2, dy, x, w, batch, inF, outF);
    }

    private static (float[] Y, float[] Dx, float[] Dw, float[] Db) Run<TIn, TOut>(int threads, float[] x, float[] w, float[] bias, float[] dy, int batch)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inF = TIn.Value, outF = TOut.Value;
        float[] y = new float[batch * outF], dx = new float[batch * inF], dw = new float[outF * inF], db = new float[outF];
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = Math.Min(threads, Environment.ProcessorCount);
            DenseKernels.Forward<TIn, TOut>(y.AsMemory(), x, w, bias, batch);
            DenseKernels.Backward<TIn, TOut>(dx.AsMemory(), dw, db, dy, x, w, batch);
        }
        finally
        {
            KernelThreads.Count = previous;
        }

        return (y, dx, dw, db);
    }

    private readonly struct D65 : IDimension { public static int Value => 65; }
    private readonly struct D100 : IDimension { public static int Value => 100; }
    private readonly struct D136 : IDimension { public static int Value => 136; }
    private readonly struct D784 : IDimension { public static int Value => 784; }
}
