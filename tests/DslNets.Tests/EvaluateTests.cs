using DslNets.Data;
using DslNets.Tests.Networks;
using DslNets.Training;

namespace DslNets.Tests;

/// <summary>
/// <c>Trainer.Evaluate</c> reports the loss training reports: the same loss kernels on the logits, so for a network
/// without noise or batch norm (training and inference compute the same outputs) it equals the data loss of
/// <c>ComputeGradients</c> on the same batch.
/// </summary>
public class EvaluateTests
{
    [Fact]
    public void SoftmaxCrossEntropy_EvaluateLoss_IsTheTrainingDataLoss() =>
        AssertEvaluateIsTheTrainingLoss(new ThreeLayer(), TestData.Uniform(8 * 5, 81), TestData.Labels(8, 4, 82));

    [Fact]
    public void BinaryCrossEntropy_EvaluateLoss_IsTheTrainingDataLoss() =>
        AssertEvaluateIsTheTrainingLoss(new SigmoidBceNet(), TestData.Uniform(8 * 4, 83), TestData.Uniform(8 * 3, 84, 0f, 1f));

    [Fact]
    public void MeanSquaredError_EvaluateLoss_IsTheTrainingDataLoss() =>
        AssertEvaluateIsTheTrainingLoss(new ReLUNet(), TestData.Uniform(8 * 4, 85), TestData.Uniform(8 * 3, 86));

    [Fact]
    public void ConfidentlyWrongSigmoid_IsNotClampedToLog1e7_ButTheLogitLoss()
    {
        // Logits near 40 against targets 0: the probability rounds to 1 in float, whose log(1 - p) is -infinity.
        // Computed on the logits the loss is about 40, the value training reports.
        var network = new SigmoidBceNet();
        network.Output.Bias.Fill(40f);
        network.OnParametersChanged();
        float loss = AssertEvaluateIsTheTrainingLoss(network, TestData.Uniform(8 * 4, 87), new float[8 * 3]);
        Assert.InRange(loss, 35f, 45f);
    }

    private static float AssertEvaluateIsTheTrainingLoss<TTarget>(INetwork<TTarget> network, float[] inputs, TTarget[] targets)
        where TTarget : unmanaged
    {
        int count = targets.Length / network.TargetsPerSample;
        var trainer = new Trainer<TTarget>(network, new Sgd(0.1f));
        float evaluated = trainer.Evaluate(new Dataset<TTarget>(inputs, targets, network.InputSize, network.TargetsPerSample)).Loss;

        network.ComputeGradients(inputs, targets, count);
        Assert.Equal(network.DataLoss, evaluated, 1e-5f * Math.Max(1f, Math.Abs(network.DataLoss)));
        return evaluated;
    }
}
