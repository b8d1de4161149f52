using DslNets.Kernels;

namespace DslNets.Tests;

/// <summary>A folded net: Dense with bias, GaussianDropout (identity in inference), BatchNorm, ReLU; then Dense, BatchNorm; then the output.</summary>
[Network(InputSize = 19, MaxBatch = 16, Loss = Loss.SoftmaxCrossEntropy, Seed = 21)]
public partial class FoldedNet
{
    [Dense(33), GaussianDropout(0.2), BatchNorm(Momentum = 0.3), ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(17, Bias = false), BatchNorm(Momentum = 0.3), Tanh]
    public partial DenseLayer Hidden2 { get; }

    [Dense(5)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Inference runs from packed weights with batch norm folded in; it must equal the unfolded computation (dense, then
/// batch norm from the running statistics, then the activation) done from the layer views, within float rounding
/// (absolute 1e-5 on probabilities), and follow every parameter change.
/// </summary>
public class FoldedInferenceTests
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public void FoldedInference_EqualsUnfoldedInference_AfterTraining()
    {
        var network = Trained();
        float[] x = TestData.Uniform(7 * FoldedNet.InputSize, 50);
        AssertMatchesUnfolded(network, x, 7);
    }

    [Fact]
    public void FoldedInference_FollowsParameterEdits_AfterOnParametersChanged()
    {
        var network = Trained();
        float[] x = TestData.Uniform(3 * FoldedNet.InputSize, 51);
        float[] before = new float[3 * FoldedNet.OutputSize];
        network.Predict(x, before, 3);

        network.Hidden1.Gamma.Fill(0.5f);
        network.Hidden2.RunningMean.Fill(0.25f);
        network.Output.Bias[2] += 1f;
        network.OnParametersChanged();

        float[] after = AssertMatchesUnfolded(network, x, 3);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void FoldedInference_FollowsTheRunningStatistics_AfterComputeGradients()
    {
        var network = Trained();
        float[] x = TestData.Uniform(4 * FoldedNet.InputSize, 52);
        AssertMatchesUnfolded(network, x, 4);
        network.ComputeGradients(TestData.Uniform(16 * FoldedNet.InputSize, 53), TestData.Labels(16, 5, 54), 16);
        AssertMatchesUnfolded(network, x, 4);
    }

    [Fact]
    public void ConcurrentPredicts_AfterAChange_AllSeeTheNewWeights()
    {
        var network = Trained();
        float[] x = TestData.Uniform(16 * FoldedNet.InputSize, 55);
        network.Hidden2.Beta.Fill(0.75f);
        network.OnParametersChanged();
        float[] expected = Unfolded(network, x, 16);

        float[][] results = new float[8][];
        Parallel.For(0, results.Length, i =>
        {
            results[i] = new float[16 * FoldedNet.OutputSize];
            network.Predict(x, results[i], 16);
        });
        foreach (float[] result in results)
            AssertClose(expected, result);
    }

    private static FoldedNet Trained()
    {
        var network = new FoldedNet();
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        for (int step = 0; step < 6; step++)
            network.TrainStep(TestData.Uniform(16 * FoldedNet.InputSize, step), TestData.Labels(16, 5, 100 + step), 16, optimizer);
        return network;
    }

    private static float[] AssertMatchesUnfolded(FoldedNet network, float[] x, int batch)
    {
        float[] actual = new float[batch * FoldedNet.OutputSize];
        network.Predict(x, actual, batch);
        AssertClose(Unfolded(network, x, batch), actual);
        return actual;
    }

    /// <summary>The unfolded inference, op by op, with the plain runtime-size kernels and the layer views.</summary>
    private static float[] Unfolded(FoldedNet network, float[] x, int batch)
    {
        DenseLayer h1 = network.Hidden1, h2 = network.Hidden2, output = network.Output;
        float[] a = new float[batch * 33], b = new float[batch * 17], y = new float[batch * 5];
        DenseKernels.Forward(a, x, h1.Weight, h1.Bias, batch, 19, 33);
        NormalizationKernels.BatchNormInference(a, a, h1.Gamma, h1.Beta, h1.RunningMean, h1.RunningVar, 1e-5f, batch, 33);
        ActivationKernels.ReLUForward(a, a, batch * 33);
        DenseKernels.Forward(b, a, h2.Weight, default, batch, 33, 17);
        NormalizationKernels.BatchNormInference(b, b, h2.Gamma, h2.Beta, h2.RunningMean, h2.RunningVar, 1e-5f, batch, 17);
        ActivationKernels.TanhForward(b, b, batch * 17);
        DenseKernels.Forward(y, b, output.Weight, output.Bias, batch, 17, 5);
        ActivationKernels.SoftmaxForward(y, y, batch, 5);
        return y;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], Tolerance);
    }
}
