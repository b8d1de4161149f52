using DslNets.Tests.Networks;

namespace DslNets.Tests;

/// <summary>
/// Finite differences against the generated backward pass of the convolutional networks: every parameter of each
/// (kernels, biases, per-channel batch norm, layer norm over [C, H, W], the dense heads), through every new op
/// (convolution with stride, padding, dilation, 1 x 1, 3 x 3 and 5 x 5 kernels, 1, 2, 3, 4 and 17 channels, max,
/// average and global pooling, Flatten, SpatialDropout with its mask held fixed, L1 and L2 on the kernels).
/// </summary>
public class ConvGradientTests
{
    [Fact]
    public void SmallCnn_ConvBatchNormReLUMaxPool_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new SmallCnn(), TestData.Uniform(6 * SmallCnn.InputSize, 1), TestData.Labels(6, 4, 2), 6);

    [Fact]
    public void StridedCnn_FiveByFiveStride2Padded_Pointwise_AvgPool_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new StridedCnn(), TestData.Uniform(5 * StridedCnn.InputSize, 3), TestData.Labels(5, 3, 4), 5);

    [Fact]
    public void PooledCnn_LayerNorm_SpatialDropout_PaddedMaxPool_GlobalPool_Regularized_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new PooledCnn(), TestData.Uniform(4 * PooledCnn.InputSize, 5), TestData.Uniform(4 * 2, 6), 4);

    [Fact]
    public void DilatedCnn_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new DilatedCnn(), TestData.Uniform(3 * DilatedCnn.InputSize, 7), TestData.Labels(3, 3, 8), 3);
}

// Outside Networks/: the analyzers' clean-networks test reads that folder, and this network triggers DSL001 on purpose.
/// <summary>
/// Layer norm over [C, H, W], spatial dropout, padded max pooling (not in place), global average pooling, L1/L2 on
/// the kernels, mean squared error. The spatial dropout before the batch norm is on purpose (DSL001 says why a user
/// should not): the gradient check holds its mask fixed.
/// </summary>
#pragma warning disable DSL001
[Network(InputShape = new[] { 2, 5, 5 }, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 7)]
[L2(0.01)]
public partial class PooledCnn
{
    [Conv2D(3, 3, Padding = 1), L1(0.001), LayerNorm, Sigmoid, SpatialDropout(0.3)]
    public partial ConvLayer Features { get; }

    [MaxPool2D(3, Stride = 2, Padding = 1), Conv2D(5, 2), BatchNorm, GlobalAvgPool2D, Flatten]
    public partial ConvLayer Head { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}
#pragma warning restore DSL001
