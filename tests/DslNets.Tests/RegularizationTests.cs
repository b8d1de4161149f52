using System.Numerics.Tensors;
using DslNets.Kernels;
using DslNets.Tests.Networks;
using Xunit.Abstractions;

namespace DslNets.Tests;

/// <summary>Train-versus-evaluation semantics of normalization, noise and penalties (PyTorch/Keras conventions).</summary>
public class RegularizationTests(ITestOutputHelper output)
{
    [Fact]
    public void NoiseLayers_AreTheIdentity_InEvaluation()
    {
        AssertPredictIsPlainTanhMlp(new DropoutNet(), n => (n.Hidden, n.Output));
        AssertPredictIsPlainTanhMlp(new GaussianDropoutNet(), n => (n.Hidden, n.Output));
        AssertPredictIsPlainTanhMlp(new UoutNet(), n => (n.Hidden, n.Output));
    }

    [Fact]
    public void BatchNorm_InEvaluation_EqualsTheAffineMapOfTheRunningStatistics()
    {
        var network = new BatchNormNet();
        var optimizer = new Sgd(0.05f);
        for (int step = 0; step < 5; step++)
            network.TrainStep(TestData.Uniform(16 * 4, step), TestData.Uniform(16 * 3, 100 + step), 16, optimizer);
        float[] x = TestData.Uniform(3 * 4, 42);

        float[] actual = new float[3 * 3];
        network.Predict(x, actual, 3);

        DenseLayer hidden = network.Hidden, output = network.Output;
        Assert.DoesNotContain(0f, hidden.RunningMean.ToArray());
        for (int b = 0; b < 3; b++)
        {
            double[] h = new double[6];
            for (int j = 0; j < 6; j++)
            {
                double z = 0;
                for (int i = 0; i < 4; i++)
                    z += hidden.Weight[j * 4 + i] * x[b * 4 + i];
                double scale = hidden.Gamma[j] / Math.Sqrt(hidden.RunningVar[j] + 1e-5);
                h[j] = Math.Tanh(scale * z + (hidden.Beta[j] - scale * hidden.RunningMean[j]));
            }

            for (int o = 0; o < 3; o++)
            {
                double y = output.Bias[o];
                for (int j = 0; j < 6; j++)
                    y += output.Weight[o * 6 + j] * h[j];
                Assert.Equal(y, actual[b * 3 + o], 1e-5);
            }
        }
    }

    [Fact]
    public void BatchNorm_RunningStatistics_AreTheExponentialMovingAverage_WithUnbiasedVariance()
    {
        var network = new BatchNormNet();
        const double Momentum = 0.2;
        double[] mean = new double[6], variance = Enumerable.Repeat(1.0, 6).ToArray();
        for (int step = 0; step < 6; step++)
        {
            float[] x = TestData.Uniform(10 * 4, 200 + step);
            network.ComputeGradients(x, TestData.Uniform(10 * 3, 300 + step), 10);

            // Independently: z = x W^T (no bias), batch mean, unbiased batch variance, then the moving average.
            for (int j = 0; j < 6; j++)
            {
                double[] z = new double[10];
                for (int b = 0; b < 10; b++)
                {
                    for (int i = 0; i < 4; i++)
                        z[b] += network.Hidden.Weight[j * 4 + i] * x[b * 4 + i];
                }

                double batchMean = z.Average();
                double unbiased = z.Sum(v => (v - batchMean) * (v - batchMean)) / 9;
                mean[j] = (1 - Momentum) * mean[j] + Momentum * batchMean;
                variance[j] = (1 - Momentum) * variance[j] + Momentum * unbiased;
            }
        }

        for (int j = 0; j < 6; j++)
        {
            Assert.Equal(mean[j], network.Hidden.RunningMean[j], 1e-5);
            Assert.Equal(variance[j], network.Hidden.RunningVar[j], 1e-5);
        }
    }

    [Fact]
    public void LayerNorm_IsTheSame_InTrainingAndEvaluation()
    {
        var network = new LayerNormNet();
        float[] x = TestData.Uniform(4 * 4, 7);
        int[] labels = [0, 1, 2, 0];
        float trainingLoss = network.ComputeGradients(x, labels, 4);

        float[] probabilities = new float[4 * 3];
        network.Predict(x, probabilities, 4);
        double evaluationLoss = 0;
        for (int b = 0; b < 4; b++)
            evaluationLoss -= Math.Log(probabilities[b * 3 + labels[b]]) / 4;

        Assert.Equal(evaluationLoss, trainingLoss, 1e-5);
    }

    [Fact]
    public void Penalties_ApplyToWeightsOnly_WithKerasL2AndL1Conventions()
    {
        var network = new PenalizedNet();
        float[] x = TestData.Uniform(4 * 4, 8);
        float[] t = TestData.Uniform(4 * 3, 9);
        float loss = network.ComputeGradients(x, t, 4);

        // Class default L1 0.01 and L2 0.02 on Hidden; Output overrides to L1(0), L2(0.05).
        float[] hiddenWeight = network.Hidden.Weight.ToArray(), outputWeight = network.Output.Weight.ToArray();
        double expected = 0.01 * hiddenWeight.Sum(w => Math.Abs(w)) + 0.02 * hiddenWeight.Sum(w => w * w) + 0.05 * outputWeight.Sum(w => w * w);
        Assert.Equal(expected, network.RegularizationLoss, 1e-6);
        Assert.Equal(network.DataLoss + network.RegularizationLoss, loss, 1e-6);

        // The penalty's gradient is 2 * alpha * w (L2) + alpha * sign(w) (L1), on weights only: compare with the
        // same network (same seed, same weights) declared without penalties.
        var unpenalized = new UnpenalizedNet();
        Assert.Equal(unpenalized.Parameters.ToArray(), network.Parameters.ToArray());
        unpenalized.ComputeGradients(x, t, 4);
        Assert.Equal(0f, unpenalized.RegularizationLoss);
        Assert.Equal(unpenalized.DataLoss, network.DataLoss);
        float[] penaltyGradient = new float[PenalizedNet.ParameterCount];
        TensorPrimitives.Subtract(network.Gradients, unpenalized.Gradients, penaltyGradient);
        foreach (TensorInfo tensor in network.Tensors.Where(t => t.IsParameter))
        {
            for (int i = 0; i < tensor.Length; i++)
            {
                float w = network.Parameters[tensor.Offset + i];
                float expectedGradient = tensor.Name switch
                {
                    "hidden.weight" => 0.01f * MathF.Sign(w) + 2 * 0.02f * w,
                    "output.weight" => 2 * 0.05f * w,
                    _ => 0f,
                };
                Assert.Equal(expectedGradient, penaltyGradient[tensor.Offset + i], 1e-6f);
            }
        }

        // Biases, gains and shifts are not penalized: changing them leaves the penalty exactly as it was.
        float penalty = network.RegularizationLoss;
        network.Output.Bias.Fill(50f);
        network.Hidden.Gamma.Fill(-30f);
        network.Hidden.Beta.Fill(40f);
        network.ComputeGradients(x, t, 4);
        Assert.Equal(penalty, network.RegularizationLoss);
    }

    [Fact]
    public void Dropout_KeepsTheExpectation_AndDropsAFractionP()
    {
        const int Count = 200_000;
        const float P = 0.3f;
        float[] mask = new float[Count];
        var random = new SeededRandom(5);
        NoiseKernels.DropoutMask(mask, ref random, P, Count);
        float[] x = TestData.Uniform(Count, 6, 0.5f, 1.5f);
        float[] y = new float[Count];
        NoiseKernels.ApplyMask(y, x, mask, Count);

        // Mean of y/x is 1 with standard error sqrt(p / (1 - p) / n) ≈ 0.0015; allow 5 standard errors.
        double ratio = TensorPrimitives.Sum(y) / (double)TensorPrimitives.Sum(x);
        Assert.Equal(1.0, ratio, 0.0075);
        double dropped = mask.Count(m => m == 0f) / (double)Count;
        Assert.Equal(P, dropped, 0.005);
        Assert.All(mask, m => Assert.True(m == 0f || m == 1f / (1f - P)));
    }

    [Fact]
    public void GaussianDropout_NoiseHasMeanOne_AndVarianceP_Over1MinusP()
    {
        const int Count = 200_000;
        const float P = 0.25f;
        float[] mask = new float[Count];
        var random = new SeededRandom(7);
        NoiseKernels.GaussianDropoutMask(mask, ref random, P, Count);

        double mean = mask.Average(m => (double)m);
        double variance = mask.Sum(m => (m - mean) * (m - mean)) / (Count - 1);
        // Standard errors: sqrt(1/3 / n) ≈ 0.0013 for the mean, 1/3 * sqrt(2 / n) ≈ 0.0011 for the variance.
        Assert.Equal(1.0, mean, 0.0065);
        Assert.Equal(P / (1 - P), variance, 0.0055);
    }

    [Fact]
    public void Uout_NoiseIsUniformWithin1PlusMinusBeta()
    {
        const int Count = 200_000;
        const float Beta = 0.4f;
        float[] mask = new float[Count];
        var random = new SeededRandom(9);
        NoiseKernels.UoutMask(mask, ref random, Beta, Count);

        Assert.All(mask, m => Assert.InRange(m, 1f - Beta, 1f + Beta));
        double mean = mask.Average(m => (double)m);
        double variance = mask.Sum(m => (m - mean) * (m - mean)) / (Count - 1);
        Assert.Equal(1.0, mean, 0.003);
        Assert.Equal(Beta * Beta / 3, variance, 0.002);
    }

    [Fact]
    public void DropoutBeforeBatchNorm_ShiftsTheVarianceByOneOver1MinusP_DropoutAfterDoesNot()
    {
        // Zero-mean inputs with unit variance: in training the BN after Dropout(0.5) sees Var = 1 / (1 - p) = 2,
        // in evaluation (dropout is the identity) it sees Var = 1 (Li et al. 2019, eq. 5). Momentum 1 makes the
        // running variance exactly the unbiased variance of the last training batch, so it shows what BN saw.
        const int Batch = 512, Features = 64;
        float[] x = TestData.Gaussian(Batch * Features, 10);
        float[] t = new float[Batch];
        double[] inputVariance = ColumnVariances(x, Batch, Features);

        var before = new DropoutBeforeBatchNorm();
        before.ComputeGradients(x, t, Batch);
        double shiftBefore = Enumerable.Range(0, Features).Average(f => before.Norm.RunningVar[f] / inputVariance[f]);

        var after = new DropoutAfterBatchNorm();
        after.ComputeGradients(x, t, Batch);
        double shiftAfter = Enumerable.Range(0, Features).Average(f => after.Norm.RunningVar[f] / inputVariance[f]);

        output.WriteLine($"variance seen by BN in training / in evaluation: dropout before BN {shiftBefore:F4}, after BN {shiftAfter:F4}");
        Assert.Equal(2.0, shiftBefore, 0.1);
        Assert.Equal(1.0, shiftAfter, 1e-4);
    }

    [Fact]
    public void SameSeed_WithEveryNoiseLayer_TrainsBitIdentically()
    {
        float[] first = Train(new EveryLayerNet());
        float[] second = Train(new EveryLayerNet());
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));

        static float[] Train(EveryLayerNet network)
        {
            var optimizer = new Sgd(0.05f, momentum: 0.9f);
            for (int step = 0; step < 20; step++)
                network.TrainStep(TestData.Uniform(32 * 6, step), TestData.Labels(32, 4, step), 32, optimizer);
            return TestData.Snapshot(network);
        }
    }

    private static double[] ColumnVariances(float[] x, int rows, int columns)
    {
        var variances = new double[columns];
        for (int f = 0; f < columns; f++)
        {
            double mean = 0, squares = 0;
            for (int b = 0; b < rows; b++)
                mean += x[b * columns + f] / (double)rows;
            for (int b = 0; b < rows; b++)
                squares += Math.Pow(x[b * columns + f] - mean, 2);
            variances[f] = squares / (rows - 1);
        }

        return variances;
    }

    private static void AssertPredictIsPlainTanhMlp<TNetwork>(TNetwork network, Func<TNetwork, (DenseLayer Hidden, DenseLayer Output)> layers)
        where TNetwork : INetwork<float>
    {
        float[] x = TestData.Uniform(5 * 4, 11);
        network.ComputeGradients(x, TestData.Uniform(5 * 3, 12), 5);
        float[] actual = new float[5 * 3];
        network.Predict(x, actual, 5);

        (DenseLayer hidden, DenseLayer output) = layers(network);
        for (int b = 0; b < 5; b++)
        {
            double[] h = new double[hidden.OutFeatures];
            for (int j = 0; j < h.Length; j++)
            {
                double z = hidden.Bias[j];
                for (int i = 0; i < 4; i++)
                    z += hidden.Weight[j * 4 + i] * x[b * 4 + i];
                h[j] = Math.Tanh(z);
            }

            for (int o = 0; o < 3; o++)
            {
                double y = output.Bias[o];
                for (int j = 0; j < h.Length; j++)
                    y += output.Weight[o * h.Length + j] * h[j];
                Assert.Equal(y, actual[b * 3 + o], 1e-5);
            }
        }
    }
}
