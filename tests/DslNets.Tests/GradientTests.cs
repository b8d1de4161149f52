using DslNets.Tests.Networks;

namespace DslNets.Tests;

/// <summary>Finite-difference checks of every activation, loss and regularizer through generated networks.</summary>
public class GradientTests
{
    private const int Batch = 5;

    [Fact]
    public void ReLU_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new ReLUNet(), TestData.Uniform(Batch * 4, 1), TestData.Uniform(Batch * 3, 2), Batch);

    [Fact]
    public void LeakyReLU_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new LeakyReLUNet(), TestData.Uniform(Batch * 4, 3), TestData.Uniform(Batch * 3, 4), Batch);

    [Fact]
    public void Tanh_WithMeanSquaredError_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new TanhNet(), TestData.Uniform(Batch * 4, 5), TestData.Uniform(Batch * 3, 6), Batch);

    [Fact]
    public void Sigmoid_WithBinaryCrossEntropy_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new SigmoidBceNet(), TestData.Uniform(Batch * 4, 7), TestData.Uniform(Batch * 3, 8, 0f, 1f), Batch);

    [Fact]
    public void StandaloneSoftmax_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new SoftmaxMseNet(), TestData.Uniform(Batch * 4, 9), TestData.Uniform(Batch * 3, 10, 0f, 1f), Batch);

    [Fact]
    public void SoftmaxCrossEntropy_ThreeLayerNetwork_AllGradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new ThreeLayer(), TestData.Uniform(Batch * 5, 11), TestData.Labels(Batch, 4, 12), Batch);

    [Fact]
    public void BatchNorm_TrainingMode_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new BatchNormNet(), TestData.Uniform(Batch * 4, 13), TestData.Uniform(Batch * 3, 14), Batch);

    [Fact]
    public void LayerNorm_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new LayerNormNet(), TestData.Uniform(Batch * 4, 15), TestData.Labels(Batch, 3, 16), Batch);

    [Fact]
    public void L1AndL2_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new PenalizedNet(), TestData.Uniform(Batch * 4, 17), TestData.Uniform(Batch * 3, 18), Batch);

    [Fact]
    public void Dropout_WithMaskHeldFixed_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new DropoutNet(), TestData.Uniform(Batch * 4, 19), TestData.Uniform(Batch * 3, 20), Batch);

    [Fact]
    public void GaussianDropout_WithNoiseHeldFixed_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new GaussianDropoutNet(), TestData.Uniform(Batch * 4, 21), TestData.Uniform(Batch * 3, 22), Batch);

    [Fact]
    public void Uout_WithNoiseHeldFixed_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new UoutNet(), TestData.Uniform(Batch * 4, 23), TestData.Uniform(Batch * 3, 24), Batch);

    [Fact]
    public void EveryLayerKind_InOneNetwork_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new EveryLayerNet(), TestData.Uniform(8 * 6, 25), TestData.Labels(8, 4, 26), 8);
}
