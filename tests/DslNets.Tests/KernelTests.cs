using System.Runtime.Intrinsics;
using DslNets.Kernels;

namespace DslNets.Tests;

/// <summary>
/// The shape-specialized dense kernels against a double-precision reference, on sizes that leave every kind of
/// remainder (1, 3, 15, 17, 63, 65, 784 ...), at every SIMD width this machine can run: each width's path is called
/// directly, so the narrower fallbacks are exercised on AVX-512 hardware too.
/// Tolerance: |actual - expected| &lt;= 1e-5 * sum |terms| + 1e-6 (float accumulation of up to 784 products).
/// </summary>
public class KernelTests
{
    private const double RelativeTolerance = 1e-5;
    private const double AbsoluteTolerance = 1e-6;
    private static readonly int[] Batches = [1, 3, 4, 5, 6, 8, 9, 13, 19];

    [Fact]
    public void AllThreeProducts_MatchTheReference_AtVector512()
    {
        if (!Vector512.IsHardwareAccelerated)
            return;
        AllSizes<Simd512, Vector512<float>>();
    }

    [Fact]
    public void AllThreeProducts_MatchTheReference_AtVector256()
    {
        if (!Vector256.IsHardwareAccelerated)
            return;
        AllSizes<Simd256, Vector256<float>>();
    }

    [Fact]
    public void AllThreeProducts_MatchTheReference_AtVector128()
    {
        if (!Vector128.IsHardwareAccelerated)
            return;
        AllSizes<Simd128, Vector128<float>>();
    }

    [Fact]
    public void AllThreeProducts_MatchTheReference_InScalarCode() => AllSizes<SimdScalar, float>();

    [Fact]
    public void PublicDispatch_MatchesTheReference_ForTheBenchmarkShapes()
    {
        float[] x = TestData.Uniform(64 * 784, 1), w = TestData.Uniform(256 * 784, 2), bias = TestData.Uniform(256, 3);
        float[] y = new float[64 * 256];
        DenseKernels.Forward<D784, D256>(y.AsSpan(), x, w, bias, 64);
        AssertClose(ReferenceForward(x, w, bias, 64, 784, 256), y, AbsSums(x, w, 64, 784, 256));

        float[] dy = TestData.Uniform(64 * 256, 4), dx = new float[64 * 784], dw = new float[256 * 784], db = new float[256];
        DenseKernels.Backward<D784, D256>(dx.AsSpan(), dw, db, dy, x, w, 64);
        AssertBackward(dx, dw, db, dy, x, w, 64, 784, 256);
    }

    [Fact]
    public void Backward_OverMoreSamplesThanOneReductionBlock_MatchesTheReference()
    {
        // The weight gradient sums over the batch in blocks of up to 256 samples: 300 samples make two blocks of 150,
        // the second reading back the partial sums of the first, at every width this machine has.
        if (Vector512.IsHardwareAccelerated)
            BackwardOverManySamples<Simd512, Vector512<float>>();
        if (Vector256.IsHardwareAccelerated)
            BackwardOverManySamples<Simd256, Vector256<float>>();
        if (Vector128.IsHardwareAccelerated)
            BackwardOverManySamples<Simd128, Vector128<float>>();
    }

    private static void BackwardOverManySamples<TSimd, TVector>()
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        const int batch = 300;
        float[] x = TestData.Uniform(batch * 65, 11), dy = TestData.Uniform(batch * 17, 12), w = TestData.Uniform(17 * 65, 13);
        float[] dx = Enumerable.Repeat(9f, batch * 65).ToArray(), dw = Enumerable.Repeat(9f, 17 * 65).ToArray(), db = Enumerable.Repeat(9f, 17).ToArray();
        DenseKernels.InputGradient<TSimd, TVector, D65, D17>(dx, dy, w, batch);
        DenseKernels.WeightGradient<TSimd, TVector, D65, D17>(dw, db, dy, x, batch);
        AssertBackward(dx, dw, db, dy, x, w, batch, 65, 17);
    }

    [Fact]
    public void Forward_WritesNothingOutsideTheBatch()
    {
        float[] x = TestData.Uniform(3 * 17, 1), w = TestData.Uniform(15 * 17, 2);
        float[] y = Enumerable.Repeat(7f, 4 * 15).ToArray();
        DenseKernels.Forward<D17, D15>(y.AsSpan(), x, w, default, 3);
        Assert.All(y[(3 * 15)..], v => Assert.Equal(7f, v));

        float[] packed = new float[17 * 15], packedBias = new float[15];
        DenseKernels.PackForInference<D17, D15>(packed, packedBias, w, default);
        Array.Fill(y, 7f);
        DenseKernels.InferenceForward<D17, D15>(y.AsSpan(), x, packed, packedBias, FusedActivation.None, 3);
        Assert.All(y[(3 * 15)..], v => Assert.Equal(7f, v));
    }

    [Fact]
    public void PanelProducts_WriteNothingOutsideTheirOutputs()
    {
        // Batch 9 takes the packed-panel path of all three products (a 6-row tile and a 3-row tile repeating its last row).
        const int Batch = 9;
        float[] x = TestData.Uniform(Batch * 17, 1), w = TestData.Uniform(65 * 17, 2), dy = TestData.Uniform(Batch * 65, 3);
        float[] y = Enumerable.Repeat(7f, (Batch + 1) * 65).ToArray();
        DenseKernels.Forward<D17, D65>(y.AsSpan(0, Batch * 65), x, w, default, Batch);
        Assert.All(y[(Batch * 65)..], v => Assert.Equal(7f, v));
        AssertClose(ReferenceForward(x, w, new float[65], Batch, 17, 65), y[..(Batch * 65)], AbsSums(x, w, Batch, 17, 65));

        float[] dx = Enumerable.Repeat(7f, (Batch + 1) * 17).ToArray(), dw = Enumerable.Repeat(7f, 66 * 17).ToArray();
        DenseKernels.Backward<D17, D65>(dx.AsSpan(0, Batch * 17), dw.AsSpan(0, 65 * 17), default, dy, x, w, Batch);
        Assert.All(dx[(Batch * 17)..], v => Assert.Equal(7f, v));
        Assert.All(dw[(65 * 17)..], v => Assert.Equal(7f, v));
    }

    [Fact]
    public void PackedBatchNorm_EqualsDenseThenBatchNorm()
    {
        const int In = 17, Out = 65, Batch = 5;
        float[] x = TestData.Uniform(Batch * In, 1), w = TestData.Uniform(Out * In, 2), bias = TestData.Uniform(Out, 3);
        float[] gamma = TestData.Uniform(Out, 4, 0.5f, 2f), beta = TestData.Uniform(Out, 5);
        float[] mean = TestData.Uniform(Out, 6), variance = TestData.Uniform(Out, 7, 0.1f, 3f);
        float[] packed = new float[In * Out], packedBias = new float[Out], folded = new float[Batch * Out];
        DenseKernels.PackForInference<D17, D65>(packed, packedBias, w, bias, gamma, beta, mean, variance, 1e-5f);
        DenseKernels.InferenceForward<D17, D65>(folded.AsSpan(), x, packed, packedBias, FusedActivation.ReLU, Batch);

        float[] unfolded = new float[Batch * Out];
        DenseKernels.Forward(unfolded, x, w, bias, Batch, In, Out);
        NormalizationKernels.BatchNormInference(unfolded, unfolded, gamma, beta, mean, variance, 1e-5f, Batch, Out);
        ActivationKernels.ReLUForward(unfolded, unfolded, Batch * Out);
        for (int i = 0; i < folded.Length; i++)
            Assert.Equal(unfolded[i], folded[i], 1e-4f);
    }

    [Fact]
    public void ReLUBackward_PassesTheGradient_OnlyWhereTheOutputIsPositive()
    {
        const int Count = 37; // two 16-lane vectors and a scalar tail
        float[] y = new float[Count], dy = TestData.Uniform(Count, 8), dx = Enumerable.Repeat(9f, Count + 3).ToArray();
        for (int i = 0; i < Count; i++)
            y[i] = (i % 3) switch { 0 => 0f, 1 => -1f - i, _ => 0.5f + i };
        ActivationKernels.ReLUBackward(dx, dy, y, Count);
        for (int i = 0; i < Count; i++)
            Assert.Equal(i % 3 == 2 ? dy[i] : 0f, dx[i]);
        Assert.All(dx[Count..], v => Assert.Equal(9f, v));
    }

    // The kernel compares integers (r < ceil(p * 2^24)); the reference compares NextSingle() < p, the float the
    // kernel replaced. Probabilities whose p * 2^24 is a whole number (0.5, 0.25) sit exactly on that ceiling.
    [Theory]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.25f)]
    [InlineData(0.1f)]
    [InlineData(1e-7f)]
    [InlineData(0.999f)]
    [InlineData(0f)]
    public void DropoutMask_DrawsOneValuePerEntry_AndAdvancesTheGenerator(float p)
    {
        const int Count = 10_001;
        var random = new SeededRandom(5, 1);
        var expectedRandom = random;
        float[] mask = new float[Count + 1];
        mask[Count] = 7f;
        NoiseKernels.DropoutMask(mask, ref random, p, Count);
        for (int i = 0; i < Count; i++)
            Assert.Equal(expectedRandom.NextSingle() < p ? 0f : 1f / (1f - p), mask[i]);
        Assert.Equal(7f, mask[Count]);
        Assert.Equal(expectedRandom.NextUInt32(), random.NextUInt32());
    }

    // The strip-wise batch norm backward against the per-feature formula it replaced, value for value: feature
    // counts below, at and between vector widths, batches from 2 to 64.
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 16)]
    [InlineData(9, 17)]
    [InlineData(64, 256)]
    [InlineData(13, 65)]
    public void BatchNormBackward_EqualsThePerFeatureFormulaExactly(int batch, int features)
    {
        var random = new SeededRandom(batch * 1000 + features);
        float[] Values(int count, float low, float high)
        {
            float[] values = new float[count];
            for (int i = 0; i < count; i++)
                values[i] = random.NextSingle(low, high);
            return values;
        }

        float[] dy = Values(batch * features, -1f, 1f), xhat = Values(batch * features, -2f, 2f);
        float[] rstd = Values(features, 0.5f, 3f), gamma = Values(features, 0.5f, 1.5f);
        float[] dx = new float[batch * features + 1], dgamma = new float[features + 1], dbeta = new float[features + 1];
        dx[^1] = dgamma[^1] = dbeta[^1] = 7f;
        NormalizationKernels.BatchNormBackward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, batch, features);

        float n = batch;
        for (int f = 0; f < features; f++)
        {
            float sumDy = 0f, sumDyXh = 0f;
            for (int b = 0; b < batch; b++)
            {
                sumDy += dy[b * features + f];
                sumDyXh = dy[b * features + f] * xhat[b * features + f] + sumDyXh;
            }

            Assert.Equal(sumDy, dbeta[f]);
            Assert.Equal(sumDyXh, dgamma[f]);
            for (int b = 0; b < batch; b++)
            {
                int at = b * features + f;
                Assert.Equal(gamma[f] * rstd[f] / n * (n * dy[at] - sumDy - xhat[at] * sumDyXh), dx[at]);
            }
        }

        Assert.Equal(7f, dx[^1]);
        Assert.Equal(7f, dgamma[^1]);
        Assert.Equal(7f, dbeta[^1]);

        // Without an input gradient only the parameter gradients are written.
        float[] dgammaOnly = new float[features], dbetaOnly = new float[features];
        NormalizationKernels.BatchNormBackward(default, dgammaOnly, dbetaOnly, dy, xhat, rstd, gamma, batch, features);
        Assert.Equal(dgamma[..features], dgammaOnly);
        Assert.Equal(dbeta[..features], dbetaOnly);
    }

    // The batch norm forward's row passes against the per-feature formula, value for value: 31 features take a
    // 16-, an 8- and a 4-float vector and 3 single floats on AVX-512 (each width down to single floats at least once
    // on any machine); the output's multiply-add fused exactly where the kernels fuse.
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 7)]
    [InlineData(9, 17)]
    [InlineData(6, 31)]
    [InlineData(64, 256)]
    [InlineData(13, 65)]
    public void BatchNormForward_EqualsThePerFeatureFormulaExactly(int batch, int features)
    {
        int seed = batch * 1000 + features;
        float[] x = TestData.Uniform(batch * features, seed, -2f, 3f), gamma = TestData.Uniform(features, seed + 1, 0.5f, 1.5f);
        float[] beta = TestData.Uniform(features, seed + 2), runningMean = TestData.Uniform(features, seed + 3);
        float[] runningVar = TestData.Uniform(features, seed + 4, 0.5f, 2f);
        float[] expectedRunningMean = (float[])runningMean.Clone(), expectedRunningVar = (float[])runningVar.Clone();
        float[] y = new float[batch * features + 1], xhat = new float[batch * features + 1], mean = new float[features], rstd = new float[features];
        y[^1] = xhat[^1] = 7f;
        NormalizationKernels.BatchNormTrainingForward(y, xhat, mean, rstd, runningMean, runningVar, x, gamma, beta, 0.1f, 1e-5f, batch, features);

        for (int f = 0; f < features; f++)
        {
            float sum = 0f, squares = 0f;
            for (int b = 0; b < batch; b++)
                sum += x[b * features + f];
            float m = sum * (1f / batch);
            for (int b = 0; b < batch; b++)
            {
                float d = x[b * features + f] - m;
                squares = d * d + squares;
            }

            float variance = squares * (1f / batch);
            float[] r = [variance + 1e-5f];
            System.Numerics.Tensors.TensorPrimitives.ReciprocalSqrt<float>(r, r);
            Assert.Equal(m, mean[f]);
            Assert.Equal(r[0], rstd[f]);
            Assert.Equal(0.9f * expectedRunningMean[f] + 0.1f * m, runningMean[f]);
            Assert.Equal(0.9f * expectedRunningVar[f] + 0.1f * variance * (batch / (float)(batch - 1)), runningVar[f]);
            for (int b = 0; b < batch; b++)
            {
                int at = b * features + f;
                float xh = (x[at] - m) * r[0];
                Assert.Equal(xh, xhat[at]);
                Assert.Equal(FusedMultiplyAdd.IsAccelerated ? MathF.FusedMultiplyAdd(xh, gamma[f], beta[f]) : xh * gamma[f] + beta[f], y[at]);
            }
        }

        Assert.Equal(7f, y[^1]);
        Assert.Equal(7f, xhat[^1]);
    }

    private static void AllSizes<TSimd, TVector>()
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        Check<TSimd, TVector, D1, D3>();
        Check<TSimd, TVector, D3, D1>();
        Check<TSimd, TVector, D3, D17>();
        Check<TSimd, TVector, D15, D65>();
        Check<TSimd, TVector, D17, D15>();
        Check<TSimd, TVector, D63, D17>();
        Check<TSimd, TVector, D65, D63>();
        Check<TSimd, TVector, D64, D64>();
        Check<TSimd, TVector, D784, D17>();
        Check<TSimd, TVector, D17, D784>();
        // Packed panels: 136 columns leave 8 after two 64-column panels at AVX-512, so the last panel joins them in a
        // 72-column edge block; 136 reduction steps make two L1 blocks.
        Check<TSimd, TVector, D136, D136>();
    }

    private static void Check<TSimd, TVector, TIn, TOut>()
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inF = TIn.Value, outF = TOut.Value;
        foreach (int batch in Batches)
        {
            int seed = 100 * inF + 10 * outF + batch;
            float[] x = TestData.Uniform(batch * inF, seed), w = TestData.Uniform(outF * inF, seed + 1), bias = TestData.Uniform(outF, seed + 2);
            double[] sums = AbsSums(x, w, batch, inF, outF);

            float[] y = new float[batch * outF];
            DenseKernels.Forward<TSimd, TVector, TIn, TOut>(y, x, w, bias, batch);
            AssertClose(ReferenceForward(x, w, bias, batch, inF, outF), y, sums);
            DenseKernels.Forward<TSimd, TVector, TIn, TOut>(y, x, w, default, batch);
            AssertClose(ReferenceForward(x, w, new float[outF], batch, inF, outF), y, sums);

            float[] packed = new float[inF * outF], packedBias = new float[outF];
            DenseKernels.PackForInference<TIn, TOut>(packed, packedBias, w, bias);
            DenseKernels.InferenceForward<TSimd, TVector, TIn, TOut>(y, x, packed, packedBias, FusedActivation.None, batch);
            AssertClose(ReferenceForward(x, w, bias, batch, inF, outF), y, sums);
            DenseKernels.InferenceForward<TSimd, TVector, TIn, TOut>(y, x, packed, packedBias, FusedActivation.ReLU, batch);
            AssertClose(ReferenceForward(x, w, bias, batch, inF, outF).Select(v => Math.Max(v, 0)).ToArray(), y, sums);

            float[] dy = TestData.Uniform(batch * outF, seed + 3);
            float[] dx = Enumerable.Repeat(9f, batch * inF).ToArray(), dw = Enumerable.Repeat(9f, outF * inF).ToArray(), db = Enumerable.Repeat(9f, outF).ToArray();
            DenseKernels.InputGradient<TSimd, TVector, TIn, TOut>(dx, dy, w, batch);
            DenseKernels.WeightGradient<TSimd, TVector, TIn, TOut>(dw, db, dy, x, batch);
            AssertBackward(dx, dw, db, dy, x, w, batch, inF, outF);
        }
    }

    internal static void AssertBackward(float[] dx, float[] dw, float[] db, float[] dy, float[] x, float[] w, int batch, int inF, int outF)
    {
        double[] expectedDx = new double[batch * inF], sumsDx = new double[batch * inF];
        double[] expectedDw = new double[outF * inF], sumsDw = new double[outF * inF];
        double[] expectedDb = new double[outF], sumsDb = new double[outF];
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outF; o++)
            {
                double g = dy[b * outF + o];
                expectedDb[o] += g;
                sumsDb[o] += Math.Abs(g);
                for (int i = 0; i < inF; i++)
                {
                    expectedDx[b * inF + i] += g * w[o * inF + i];
                    sumsDx[b * inF + i] += Math.Abs(g * w[o * inF + i]);
                    expectedDw[o * inF + i] += g * x[b * inF + i];
                    sumsDw[o * inF + i] += Math.Abs(g * x[b * inF + i]);
                }
            }
        }

        AssertClose(expectedDx, dx, sumsDx);
        AssertClose(expectedDw, dw, sumsDw);
        AssertClose(expectedDb, db, sumsDb);
    }

    internal static double[] ReferenceForward(float[] x, float[] w, float[] bias, int batch, int inF, int outF)
    {
        double[] y = new double[batch * outF];
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outF; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < inF; i++)
                    sum += (double)x[b * inF + i] * w[o * inF + i];
                y[b * outF + o] = sum;
            }
        }

        return y;
    }

    internal static double[] AbsSums(float[] x, float[] w, int batch, int inF, int outF)
    {
        double[] sums = new double[batch * outF];
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outF; o++)
            {
                double sum = 1;
                for (int i = 0; i < inF; i++)
                    sum += Math.Abs((double)x[b * inF + i] * w[o * inF + i]);
                sums[b * outF + o] = sum;
            }
        }

        return sums;
    }

    internal static void AssertClose(double[] expected, float[] actual, double[] absSums)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = RelativeTolerance * absSums[i] + AbsoluteTolerance;
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
                Assert.Fail($"index {i}: expected {expected[i]}, actual {actual[i]} (tolerance {tolerance})");
        }
    }

    private readonly struct D1 : IDimension { public static int Value => 1; }
    private readonly struct D3 : IDimension { public static int Value => 3; }
    private readonly struct D15 : IDimension { public static int Value => 15; }
    private readonly struct D17 : IDimension { public static int Value => 17; }
    private readonly struct D63 : IDimension { public static int Value => 63; }
    private readonly struct D64 : IDimension { public static int Value => 64; }
    private readonly struct D65 : IDimension { public static int Value => 65; }
    private readonly struct D136 : IDimension { public static int Value => 136; }
    private readonly struct D256 : IDimension { public static int Value => 256; }
    private readonly struct D784 : IDimension { public static int Value => 784; }
}
