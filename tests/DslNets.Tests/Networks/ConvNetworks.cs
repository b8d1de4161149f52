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

/// <summary>A dilated kernel and a global average pool straight into the loss.</summary>
[Network(InputShape = new[] { 1, 7, 7 }, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 8)]
public partial class DilatedCnn
{
    [Conv2D(2, 3, Dilation = 2), ReLU]
    public partial ConvLayer Dilated { get; }

    [Conv2D(3, 3), GlobalAvgPool2D, Flatten]
    public partial ConvLayer Logits { get; }
}

/// <summary>
/// Convolutions Predict runs by Winograd F(2x2, 3x3) (3 x 3, stride 1, at least 16 input channels), with the pool
/// fused into its output transform and without a pool.
/// </summary>
[Network(InputShape = new[] { 16, 6, 6 }, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 9)]
public partial class WinogradCnn
{
    [Conv2D(16, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU, MaxPool2D(2)]
    public partial ConvLayer Block1 { get; }

    [Conv2D(16, 3, Padding = 1), ReLU]
    public partial ConvLayer Block2 { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}
