using DslNets;

namespace DslNets.Tests.Networks;

/// <summary>
/// Convolution, per-channel batch norm, ReLU and max pooling with "same" padding on one channel; the dense layer
/// after the [3, 3, 3] output flattens implicitly (channels last inside, PyTorch's order outside).
/// </summary>
[Network(InputShape = new[] { 1, 6, 6 }, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 5)]
public partial class SmallCnn
{
    [Conv2D(3, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU, MaxPool2D(2)]
    public partial ConvLayer Block1 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Three input channels (the input is reordered at the entry), a 5 x 5 kernel with stride 2 and padding 2 on odd
/// sizes, a 1 x 1 convolution to 17 channels, average pooling with stride 1, an explicit Flatten.
/// </summary>
[Network(InputShape = new[] { 3, 7, 5 }, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 6)]
public partial class StridedCnn
{
    [Conv2D(4, 5, Stride = 2, Padding = 2), Tanh]
    public partial ConvLayer Conv1 { get; }

    [Conv2D(17, 1), Sigmoid, AvgPool2D(2, Stride = 1)]
    public partial ConvLayer Conv2 { get; }

    [Flatten, Dense(3)]
    public partial DenseLayer Head { get; }
}

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

/// <summary>A dilated kernel and a global average pool straight into the loss.</summary>
[Network(InputShape = new[] { 1, 7, 7 }, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 8)]
public partial class DilatedCnn
{
    [Conv2D(2, 3, Dilation = 2), ReLU]
    public partial ConvLayer Dilated { get; }

    [Conv2D(3, 3), GlobalAvgPool2D, Flatten]
    public partial ConvLayer Logits { get; }
}
