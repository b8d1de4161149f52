using DslNets.Kernels;
using DslNets.Threading;

namespace DslNets.Tests;

/// <summary>
/// The Memory overloads of the dense products split across two kernel threads, packing included (W^T for the
/// forward, X and dY^T for the weight gradient, W for the input gradient, each shared out among the threads by
/// panels or runs of samples), on sizes whose panels leave an edge block and whose batch leaves a short run of
/// samples: bit-identical to one thread and within <see cref="KernelTests"/>' tolerance of the reference; and the
/// batch norm split by features, bit-identical to the span kernel (whose accuracy <see cref="KernelTests"/> checks). The
/// name starts with KernelTests so that <see cref="KernelPathTests"/> re-runs it on the AVX2 path; it shares the
/// threading tests' collection because the thread count is process-wide.
/// </summary>
[Collection(nameof(ThreadingTests))]
public class KernelTestsOnTwoThreads
{
    [Fact]
    public void SplitProducts_WithSplitPacking_AreBitIdenticalToOneThread_AndMatchTheReference()
    {
        // Packing split as well (it streams at least 32K floats): 784 inputs, 12 panels of 64 and an edge of 16 on
        // AVX-512 or 49 panels of 16 on AVX2, for X and for W in the input gradient; 200 outputs, two panels and an edge
        // of 72 (AVX-512) or 12 panels and an edge of 8 (AVX2) for W^T; 300 inputs, an edge of 44. Batches 45 and 70
        // leave runs of 13 and 6 samples after the runs of 32 in dY^T, and 3 and 4 rows after the 6-row tiles.
        Check<D784, D65>(45);
        Check<D300, D200>(70);
        // Packing on the calling thread (too small to repay a split), the product split: an edge of 36 or 20 columns.
        Check<D100, D136>(80);
        Check<D136, D100>(80);
    }

    [Theory]
    [InlineData(256, 1024)]
    [InlineData(2700, 100)]
    [InlineData(970, 272)]
    [InlineData(7100, 37)]
    public void SplitBatchNorm_IsBitIdenticalToTheSpanKernel(int batch, int features)
    {
        Assert.True(batch * features >= NormalizationKernels.MinSplitValues, "the shape must be large enough to be split");
        float[] x = TestData.Uniform(batch * features, 5), gamma = TestData.Uniform(features, 6), beta = TestData.Uniform(features, 7);
        float[] dy = TestData.Uniform(batch * features, 8);
        var expected = new BatchNormArrays(batch, features);
        NormalizationKernels.BatchNormTrainingForward(
            expected.Y.AsSpan(), expected.Xhat, expected.Mean, expected.Rstd, expected.RunningMean, expected.RunningVar, x, gamma, beta, 0.1f, 1e-5f, batch, features);
        NormalizationKernels.BatchNormBackward(expected.Dx.AsSpan(), expected.Dgamma, expected.Dbeta, dy, expected.Xhat, expected.Rstd, gamma, batch, features);
        var split = new BatchNormArrays(batch, features);
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = Math.Min(2, Environment.ProcessorCount);
            NormalizationKernels.BatchNormTrainingForwardOnThreads(
                split.Y, split.Xhat, split.Mean, split.Rstd, split.RunningMean, split.RunningVar, x, gamma, beta, 0.1f, 1e-5f, batch, features);
            NormalizationKernels.BatchNormBackwardOnThreads(split.Dx, split.Dgamma, split.Dbeta, dy, split.Xhat, split.Rstd, gamma, batch, features);
        }
        finally
        {
            KernelThreads.Count = previous;
        }

        // The statistics and xhat as the kernel computed them before it stopped storing the centred values between
        // its passes (MeanAndSquaredDeviations, still SyncBatchNormKernels' path): the same bits.
        float[] mean = new float[features], variance = new float[features], centred = new float[batch * features];
        NormalizationKernels.MeanAndSquaredDeviations(mean, variance, centred, x, batch, features);
        System.Numerics.Tensors.TensorPrimitives.Multiply(variance, 1f / batch, variance);
        System.Numerics.Tensors.TensorPrimitives.Add(variance, 1e-5f, variance);
        System.Numerics.Tensors.TensorPrimitives.ReciprocalSqrt<float>(variance, variance);
        for (int b = 0; b < batch; b++)
            System.Numerics.Tensors.TensorPrimitives.Multiply(centred.AsSpan(b * features, features), variance, centred.AsSpan(b * features, features));
        Assert.Equal(mean, expected.Mean);
        Assert.Equal(variance, expected.Rstd);
        Assert.Equal(centred, expected.Xhat);

        Assert.Equal(expected.Y, split.Y);
        Assert.Equal(expected.Xhat, split.Xhat);
        Assert.Equal(expected.Mean, split.Mean);
        Assert.Equal(expected.Rstd, split.Rstd);
        Assert.Equal(expected.RunningMean, split.RunningMean);
        Assert.Equal(expected.RunningVar, split.RunningVar);
        Assert.Equal(expected.Dx, split.Dx);
        Assert.Equal(expected.Dgamma, split.Dgamma);
        Assert.Equal(expected.Dbeta, split.Dbeta);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StagedFirstLayer_CopiesTheInputOnlyWhenSplit_AndEqualsTheMemoryOverloads(int threads)
    {
        // A network's first layer reads the caller's span: StageInput copies it only when the products split the
        // batch, and the span overloads then give the Memory overloads' bits either way.
        const int batch = 45;
        float[] x = TestData.Uniform(batch * 784, 1), w = TestData.Uniform(65 * 784, 2), bias = TestData.Uniform(65, 3);
        float[] dy = TestData.Uniform(batch * 65, 4);
        (float[] y1, float[] dx1, float[] dw1, float[] db1) = Run<D784, D65>(threads, x, w, bias, dy, batch);
        float[] staging = Enumerable.Repeat(float.NaN, batch * 784).ToArray();
        float[] y = new float[batch * 65], dx = new float[batch * 784], dw = new float[65 * 784], db = new float[65];
        bool split = Math.Min(threads, Environment.ProcessorCount) > 1;
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = Math.Min(threads, Environment.ProcessorCount);
            ReadOnlyMemory<float> staged = DenseKernels.StageInput<D784, D65>(x, staging, batch);
            Assert.Equal(split ? batch * 784 : 0, staged.Length);
            Assert.Equal(split ? x : Enumerable.Repeat(float.NaN, batch * 784).ToArray(), staging);
            DenseKernels.Forward<D784, D65>(y.AsMemory(), x, staged, w, bias, batch);
            DenseKernels.Backward<D784, D65>(dx.AsMemory(), dw, db, dy, x, staged, w, batch);
        }
        finally
        {
            KernelThreads.Count = previous;
        }

        Assert.Equal(y1, y);
        Assert.Equal(dx1, dx);
        Assert.Equal(dw1, dw);
        Assert.Equal(db1, db);
    }

    [Fact]
    public void StageInput_ShortInput_IsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => DenseKernels.StageInput<D784, D65>(new float[783], new float[784], 1));
        Assert.Equal("input", error.ParamName);
    }

    private sealed class BatchNormArrays(int batch, int features)
    {
        public float[] Y { get; } = new float[batch * features];
        public float[] Xhat { get; } = new float[batch * features];
        public float[] Mean { get; } = new float[features];
        public float[] Rstd { get; } = new float[features];
        public float[] RunningMean { get; } = TestData.Uniform(features, 9);
        public float[] RunningVar { get; } = TestData.Uniform(features, 10);
        public float[] Dx { get; } = new float[batch * features];
        public float[] Dgamma { get; } = new float[features];
        public float[] Dbeta { get; } = new float[features];
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
    private readonly struct D200 : IDimension { public static int Value => 200; }
    private readonly struct D300 : IDimension { public static int Value => 300; }
    private readonly struct D784 : IDimension { public static int Value => 784; }
}
