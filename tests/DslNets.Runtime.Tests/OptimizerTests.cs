using System.Numerics.Tensors;
using System.IO;

namespace DslNets.Runtime.Tests;

/// <summary>
/// Each optimizer's first three steps on p0 = [1, -2] with the gradient sequence g1 = [0.5, -1], g2 = [0.25, 0.5],
/// g3 = [-1, 2], against values worked out by hand (float32 arithmetic, so a 2e-6 tolerance).
/// </summary>
public class OptimizerTests
{
    private const double Tolerance = 2e-6;

    private static readonly float[][] GradientSequence = [[0.5f, -1f], [0.25f, 0.5f], [-1f, 2f]];

    private static float[][] RunThreeSteps(Optimizer optimizer, float[] start, float[][]? gradients = null)
    {
        float[] p = (float[])start.Clone();
        var trajectory = new float[3][];
        for (int t = 0; t < 3; t++)
        {
            optimizer.Step(p, (gradients ?? GradientSequence)[t]);
            trajectory[t] = (float[])p.Clone();
        }

        return trajectory;
    }

    private static void AssertTrajectory(double[][] expected, float[][] actual)
    {
        for (int t = 0; t < expected.Length; t++)
        {
            for (int i = 0; i < expected[t].Length; i++)
                Assert.True(Math.Abs(expected[t][i] - actual[t][i]) <= Tolerance, $"step {t + 1}, p[{i}]: expected {expected[t][i]}, got {actual[t][i]}");
        }
    }

    [Fact]
    public void Sgd_FirstThreeSteps_MatchHandComputedValues()
    {
        // p -= 0.1 * g
        // p1 = [1 - 0.05, -2 + 0.1]        = [0.95, -1.9]
        // p2 = [0.95 - 0.025, -1.9 - 0.05] = [0.925, -1.95]
        // p3 = [0.925 + 0.1, -1.95 - 0.2]  = [1.025, -2.15]
        AssertTrajectory([[0.95, -1.9], [0.925, -1.95], [1.025, -2.15]], RunThreeSteps(new Sgd(0.1f), [1f, -2f]));
    }

    [Fact]
    public void SgdMomentum_FirstThreeSteps_MatchHandComputedValues()
    {
        // v = 0.9 v + g; p -= 0.1 v
        // v1 = [0.5, -1]                                   p1 = [0.95, -1.9]
        // v2 = [0.45 + 0.25, -0.9 + 0.5]   = [0.7, -0.4]   p2 = [0.95 - 0.07, -1.9 + 0.04]   = [0.88, -1.86]
        // v3 = [0.63 - 1, -0.36 + 2]       = [-0.37, 1.64] p3 = [0.88 + 0.037, -1.86 - 0.164] = [0.917, -2.024]
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        AssertTrajectory([[0.95, -1.9], [0.88, -1.86], [0.917, -2.024]], RunThreeSteps(sgd, [1f, -2f]));
        Assert.Equal(-0.37f, sgd.Velocity[0], 1e-6f);
        Assert.Equal(1.64f, sgd.Velocity[1], 1e-6f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(1027)]
    public void SgdMomentum_OnePassUpdate_EqualsTheTwoPassFormulaExactly(int count)
    {
        // The update runs in one pass over p, v and g; the reference is the textbook two passes
        // v = 0.9 v + g, p = -lr v + p, each a multiply then an add. Vector body and scalar tail both covered.
        var random = new SeededRandom(count);
        float[] p = new float[count], expectedP = new float[count], expectedV = new float[count];
        for (int i = 0; i < count; i++)
            p[i] = expectedP[i] = random.NextSingle(-1f, 1f);
        var sgd = new Sgd(0.05f, momentum: 0.9f);
        for (int step = 0; step < 3; step++)
        {
            float[] g = new float[count];
            for (int i = 0; i < count; i++)
                g[i] = random.NextSingle(-1f, 1f);
            sgd.Step(p, g);
            for (int i = 0; i < count; i++)
            {
                expectedV[i] = expectedV[i] * 0.9f + g[i];
                expectedP[i] = expectedV[i] * -0.05f + expectedP[i];
            }

            Assert.Equal(expectedV, sgd.Velocity.ToArray());
            Assert.Equal(expectedP, p);
        }
    }

    [Theory]
    [InlineData(false, 0f, 3)]
    [InlineData(false, 0.01f, 1027)]
    [InlineData(true, 0f, 15)]
    [InlineData(true, 0.05f, 1027)]
    public void Adam_OnePassUpdate_EqualsTheTenPassFormulaExactly(bool decoupled, float weightDecay, int count)
    {
        // The reference is the update as ten TensorPrimitives passes (the implementation before the fused loop),
        // each operation rounded on its own; the one-pass loop must give the same bits, vector body and tail.
        var random = new SeededRandom(count + (decoupled ? 1 : 0));
        float[] p = new float[count];
        for (int i = 0; i < count; i++)
            p[i] = random.NextSingle(-1f, 1f);
        float[] expected = (float[])p.Clone(), m = new float[count], v = new float[count], d = new float[count], g2 = new float[count];
        const float Lr = 0.01f, Beta1 = 0.9f, Beta2 = 0.999f, Eps = 1e-8f;
        AdamOptimizer adam = decoupled ? new AdamW(Lr, weightDecay) : new Adam(Lr, weightDecay: weightDecay);
        for (int step = 1; step <= 3; step++)
        {
            float[] g = new float[count];
            for (int i = 0; i < count; i++)
                g[i] = random.NextSingle(-1f, 1f);
            adam.Step(p, g);

            ReadOnlySpan<float> grad = g;
            if (decoupled && weightDecay > 0f)
                TensorPrimitives.Multiply(expected, 1f - Lr * weightDecay, expected);
            if (!decoupled && weightDecay > 0f)
            {
                TensorPrimitives.MultiplyAdd(expected, weightDecay, g, g2);
                grad = g2;
            }

            TensorPrimitives.Multiply(m, Beta1, m);
            TensorPrimitives.MultiplyAdd(grad, 1f - Beta1, m, m);
            TensorPrimitives.Multiply(grad, grad, d);
            TensorPrimitives.Multiply(v, Beta2, v);
            TensorPrimitives.MultiplyAdd(d, 1f - Beta2, v, v);
            float stepSize = (float)(Lr / (1.0 - Math.Pow(Beta1, step)));
            float correction2 = (float)Math.Sqrt(1.0 - Math.Pow(Beta2, step));
            TensorPrimitives.Sqrt<float>(v, d);
            TensorPrimitives.Divide(d, correction2, d);
            TensorPrimitives.Add(d, Eps, d);
            TensorPrimitives.Divide(m, d, d);
            TensorPrimitives.MultiplyAdd(d, -stepSize, expected, expected);

            Assert.Equal(m, adam.FirstMoment.ToArray());
            Assert.Equal(v, adam.SecondMoment.ToArray());
            Assert.Equal(expected, p);
        }
    }

    [Fact]
    public void SgdNesterov_FirstThreeSteps_MatchHandComputedValues()
    {
        // v = 0.9 v + g (as above); p -= 0.1 (g + 0.9 v)
        // g1 + 0.9 v1 = [0.5 + 0.45, -1 - 0.9]      = [0.95, -1.9]     p1 = [0.905, -1.81]
        // g2 + 0.9 v2 = [0.25 + 0.63, 0.5 - 0.36]   = [0.88, 0.14]     p2 = [0.817, -1.824]
        // g3 + 0.9 v3 = [-1 - 0.333, 2 + 1.476]     = [-1.333, 3.476]  p3 = [0.9503, -2.1716]
        var sgd = new Sgd(0.1f, momentum: 0.9f, nesterov: true);
        AssertTrajectory([[0.905, -1.81], [0.817, -1.824], [0.9503, -2.1716]], RunThreeSteps(sgd, [1f, -2f]));
    }

    [Fact]
    public void SgdWeightDecay_FirstThreeSteps_AddDecayToGradient()
    {
        // g' = g + 0.1 p with g = 0.5 every step; p -= 0.1 g'
        // p1 = 1 - 0.1 (0.5 + 0.1)              = 0.94
        // p2 = 0.94 - 0.1 (0.5 + 0.094)         = 0.8806
        // p3 = 0.8806 - 0.1 (0.5 + 0.08806)     = 0.821794
        float[][] gradients = [[0.5f], [0.5f], [0.5f]];
        AssertTrajectory([[0.94], [0.8806], [0.821794]], RunThreeSteps(new Sgd(0.1f, weightDecay: 0.1f), [1f], gradients));
    }

    [Fact]
    public void Adam_FirstThreeSteps_MatchHandComputedValues()
    {
        // lr 0.1, beta1 0.9, beta2 0.999, eps 1e-8; p -= lr * mhat / (sqrt(vhat) + eps) with mhat = m / (1 - 0.9^t),
        // sqrt(vhat) = sqrt(v) / sqrt(1 - 0.999^t).
        // t=1: m = 0.1 g = [0.05, -0.1], v = 0.001 g^2 = [0.00025, 0.001]; mhat = [0.5, -1], sqrt(vhat) = [0.5, 1]
        //      p1 = [1 - 0.1 * 0.5 / 0.50000001, -2 + 0.1 * 1 / 1.00000001] = [0.900000002, -1.900000001]
        // t=2: m = [0.045 + 0.025, -0.09 + 0.05] = [0.07, -0.04]; v = [0.00024975 + 0.0000625, 0.000999 + 0.00025]
        //      = [0.00031225, 0.001249]; bc1 = 0.19, bc2 = 0.001999
        //      mhat = [0.368421053, -0.210526316], sqrt(vhat) = [0.395225381, 0.790450761]
        //      p2 = [0.900000002 - 0.1 * 0.932181953, -1.900000001 + 0.1 * 0.266337036] = [0.806782040, -1.873366297]
        // t=3: m = [0.063 - 0.1, -0.036 + 0.2] = [-0.037, 0.164]; v = [0.00031193775 + 0.001, 0.001247751 + 0.004]
        //      = [0.00131193775, 0.005247751]; bc1 = 0.271, bc2 = 0.002997001
        //      mhat = [-0.136531365, 0.605166052], sqrt(vhat) = [0.661626925, 1.323253850]
        //      p3 = [0.806782040 + 0.1 * 0.206357024, -1.873366297 - 0.1 * 0.457331787] = [0.827417743, -1.919099476]
        var adam = new Adam(0.1f);
        AssertTrajectory(
            [[0.900000002, -1.900000001], [0.806782040, -1.873366297], [0.827417743, -1.919099476]],
            RunThreeSteps(adam, [1f, -2f]));
        Assert.Equal(3, adam.StepCount);
        Assert.Equal(-0.037, adam.FirstMoment[0], Tolerance);
        Assert.Equal(0.005247751, adam.SecondMoment[1], Tolerance);
    }

    [Fact]
    public void AdamW_FirstThreeSteps_MatchHandComputedValues()
    {
        // lr 0.1, weight decay 0.1: p *= 1 - 0.01 before the Adam step; the moments and the Adam step are exactly
        // those of the Adam test (the gradients are the same), only the starting point of each step differs.
        // t=1: p = [0.99, -1.98]                       -> p1 = [0.99 - 0.099999998, -1.98 + 0.099999999]   = [0.890000002, -1.880000001]
        // t=2: p = [0.881100002, -1.861200001]         -> p2 = [0.881100002 - 0.093218195, -1.861200001 + 0.026633704] = [0.787882040, -1.834566297]
        // t=3: p = [0.780003220, -1.816220634]         -> p3 = [0.780003220 + 0.020635702, -1.816220634 - 0.045733179]  = [0.800638922, -1.861953813]
        var adamW = new AdamW(0.1f, weightDecay: 0.1f);
        AssertTrajectory(
            [[0.890000002, -1.880000001], [0.787882040, -1.834566297], [0.800638922, -1.861953813]],
            RunThreeSteps(adamW, [1f, -2f]));
    }

    [Fact]
    public void AdamW_Decay_DoesNotPassThroughTheAdaptiveDenominator()
    {
        // With a zero gradient the moments stay 0, so AdamW's only change is p *= (1 - lr * wd) = 0.99 per step:
        // 1 -> 0.99 -> 0.9801 -> 0.970299. Adam's coupled decay instead feeds wd * p into the moments, and the
        // adaptive step normalizes it to about lr = 0.1 per step: 1 -> 0.90000001 -> 0.80041225 -> 0.70158630.
        float[][] zero = [[0f], [0f], [0f]];
        var adamW = new AdamW(0.1f, weightDecay: 0.1f);
        AssertTrajectory([[0.99], [0.9801], [0.970299]], RunThreeSteps(adamW, [1f], zero));
        Assert.Equal(0f, adamW.FirstMoment[0]);
        Assert.Equal(0f, adamW.SecondMoment[0]);

        var adam = new Adam(0.1f, weightDecay: 0.1f);
        AssertTrajectory([[0.90000001], [0.80041225], [0.70158630]], RunThreeSteps(adam, [1f], zero));
    }

    [Fact]
    public void AdamW_Moments_EqualAdamMomentsForTheSameGradients()
    {
        var adamW = new AdamW(0.1f, weightDecay: 0.5f);
        var adam = new Adam(0.1f);
        RunThreeSteps(adamW, [1f, -2f]);
        RunThreeSteps(adam, [1f, -2f]);
        Assert.Equal(adam.FirstMoment.ToArray(), adamW.FirstMoment.ToArray());
        Assert.Equal(adam.SecondMoment.ToArray(), adamW.SecondMoment.ToArray());
    }

    [Fact]
    public void GradientClipping_ScalesToMaxNorm_AndLeavesCallerGradientAlone()
    {
        // ||[3, 4]|| = 5 > 1: g *= 1 / (5 + 1e-6) -> [0.6, 0.8] (to 1e-7); SGD lr 1: p = [1 - 0.6, 1 - 0.8] = [0.4, 0.2].
        var sgd = new Sgd(1f) { MaxGradientNorm = 1f };
        float[] p = [1f, 1f];
        float[] g = [3f, 4f];
        sgd.Step(p, g);
        Assert.Equal(0.4f, p[0], 1e-6f);
        Assert.Equal(0.2f, p[1], 1e-6f);
        Assert.Equal([3f, 4f], g);
        Assert.Equal(5f, sgd.LastGradientNorm);
    }

    [Fact]
    public void GradientClipping_BelowMaxNorm_LeavesGradientUnscaled()
    {
        var sgd = new Sgd(1f) { MaxGradientNorm = 10f };
        float[] p = [1f, 1f];
        sgd.Step(p, [3f, 4f]);
        Assert.Equal([-2f, -3f], p);
    }

    [Fact]
    public void Bind_ToAnotherSize_ThrowsAndLeavesParametersUnchanged()
    {
        var adam = new Adam(0.1f);
        adam.Bind(2);
        float[] p = [1f, 2f, 3f];
        var error = Assert.Throws<ArgumentException>(() => adam.Step(p, [1f, 1f, 1f]));
        Assert.Contains("bound to 2 parameters", error.Message);
        Assert.Equal([1f, 2f, 3f], p);
        Assert.Equal(0, adam.StepCount);
    }

    [Fact]
    public void Step_WithMismatchedGradientLength_ThrowsNamingGradients()
    {
        var sgd = new Sgd(0.1f);
        var error = Assert.Throws<ArgumentException>(() => sgd.Step(new float[3], new float[2]));
        Assert.Equal("gradients", error.ParamName);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Constructor_WithBadLearningRate_ThrowsNamingIt(float learningRate)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(learningRate));
        Assert.Equal("learningRate", error.ParamName);
    }

    [Fact]
    public void SavedState_RestoredIntoFreshOptimizer_ContinuesIdentically()
    {
        var original = new Adam(0.05f, weightDecay: 0.01f) { MaxGradientNorm = 1.5f };
        float[] p = [1f, -2f];
        original.Step(p, GradientSequence[0]);
        var state = new MemoryStream();
        original.SaveState(state);

        var restored = new Adam(0.05f, weightDecay: 0.01f) { MaxGradientNorm = 1.5f };
        state.Position = 0;
        restored.LoadState(state);
        float[] q = (float[])p.Clone();
        for (int t = 1; t < 3; t++)
        {
            original.Step(p, GradientSequence[t]);
            restored.Step(q, GradientSequence[t]);
        }

        Assert.Equal(3, restored.StepCount);
        Assert.Equal(BitConverter.SingleToInt32Bits(p[0]), BitConverter.SingleToInt32Bits(q[0]));
        Assert.Equal(BitConverter.SingleToInt32Bits(p[1]), BitConverter.SingleToInt32Bits(q[1]));
    }

    [Fact]
    public void LoadState_FromAnotherKindOfOptimizer_ThrowsAndChangesNothing()
    {
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        sgd.Step(new float[2], [1f, 1f]);
        var state = new MemoryStream();
        sgd.SaveState(state);

        var adam = new Adam(0.1f);
        state.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => adam.LoadState(state));
        Assert.Contains("SGD", error.Message);
        Assert.Equal(0, adam.StepCount);
        Assert.Equal(0, adam.ParameterCount);
    }

    [Fact]
    public void LoadState_Truncated_ThrowsInvalidData()
    {
        var adam = new Adam(0.1f);
        adam.Step(new float[4], [1f, 2f, 3f, 4f]);
        var state = new MemoryStream();
        adam.SaveState(state);
        byte[] bytes = state.ToArray();

        var fresh = new Adam(0.1f);
        Assert.Throws<InvalidDataException>(() => fresh.LoadState(new MemoryStream(bytes, 0, bytes.Length - 3)));
        Assert.Equal(0, fresh.StepCount);
    }
}
