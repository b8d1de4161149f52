using DslNets;

namespace DslNets.Onnx.Tests.Networks;

/// <summary>
/// Every operation kind in one softmax cross-entropy network: layer norm, dense with and without bias, batch norm,
/// ReLU, LeakyReLU, Tanh, and all three noise kinds (which the export leaves out).
/// </summary>
[Network(InputSize = 6, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 41)]
public partial class EveryOperationNet
{
    [LayerNorm(Epsilon = 1e-4)]
    public partial DenseLayer Normalize { get; }

    [Dense(12, Bias = false), BatchNorm(Momentum = 0.3), ReLU, GaussianDropout(0.1)]
    public partial DenseLayer Hidden1 { get; }

    [Dense(10, Bias = false), BatchNorm(Epsilon = 1e-3), LeakyReLU(0.1), Uout(0.2), Dropout(0.2)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(8), Tanh]
    public partial DenseLayer Hidden3 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>Binary cross-entropy: the graph ends with a sigmoid output link after a sigmoid hidden layer.</summary>
[Network(InputSize = 5, MaxBatch = 64, Loss = Loss.BinaryCrossEntropy, Seed = 42)]
public partial class MultiLabelNet
{
    [Dense(7), Sigmoid]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>Mean squared error: no output link; batch norm on the raw inputs and a layer norm inside.</summary>
[Network(InputSize = 4, MaxBatch = 64, Loss = Loss.MeanSquaredError, Seed = 43)]
public partial class RegressionNet
{
    [BatchNorm(Momentum = 0.5)]
    public partial DenseLayer Standardize { get; }

    [Dense(9), LayerNorm, Tanh, Dropout(0.3)]
    public partial DenseLayer Hidden { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}

/// <summary>A trailing Softmax with softmax cross-entropy: Predict applies the softmax once, so must the graph.</summary>
[Network(InputSize = 4, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 44)]
public partial class TrailingSoftmaxNet
{
    [Dense(6), ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(3), Softmax]
    public partial DenseLayer Output { get; }
}

/// <summary>A Softmax layer that is not fused into any loss (mean squared error on probabilities).</summary>
#pragma warning disable DSL006 // Softmax with mean squared error on purpose: the standalone Softmax node is under test.
[Network(InputSize = 4, MaxBatch = 64, Loss = Loss.MeanSquaredError, Seed = 45)]
public partial class SoftmaxRegressionNet
{
    [Dense(5), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3), Softmax]
    public partial DenseLayer Output { get; }
}
#pragma warning restore DSL006

/// <summary>Nothing that computes at inference: the exported graph is a single Identity.</summary>
#pragma warning disable DSL009 // Noise on the outputs on purpose: the export of a graph without computing nodes is under test.
[Network(InputSize = 3, MaxBatch = 64, Loss = Loss.MeanSquaredError, Seed = 46)]
public partial class NoiseOnlyNet
{
    [Dropout(0.5), GaussianDropout(0.2)]
    public partial DenseLayer Noise { get; }
}
#pragma warning restore DSL009

/// <summary>
/// Weight normalization (decomposed from weight_g and weight_v) with a batch norm after it, cosine normalization
/// with the ReLU the inference kernel fuses, and scaled cosine logits.
/// </summary>
[Network(InputSize = 6, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 47)]
public partial class NormalizedDenseNet
{
    [Dense(9, Norm = DenseNorm.Weight), BatchNorm(Momentum = 0.3), Tanh]
    public partial DenseLayer Hidden1 { get; }

    [Dense(8, Norm = DenseNorm.Cosine), ReLU]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4, Norm = DenseNorm.ScaledCosine, Bias = false)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Every image operation: three input channels, convolutions with and without bias (a batch norm folded into one
/// in Predict, a separate BatchNormalization node in the graph), stride, padding, dilation, a 1 x 1 kernel, max and
/// average pooling with padding, layer norm over [C, H, W], spatial dropout (left out) and an explicit Flatten.
/// </summary>
[Network(InputShape = new[] { 3, 11, 10 }, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 47)]
public partial class EveryImageOperationNet
{
    [Conv2D(8, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm(Momentum = 0.3), ReLU, MaxPool2D(3, Stride = 2, Padding = 1)]
    public partial ConvLayer Block1 { get; }

    [Conv2D(6, 3, Stride = 2, Padding = 2, Dilation = 2), LayerNorm, Tanh, SpatialDropout(0.2), AvgPool2D(2, Stride = 1, Padding = 1)]
    public partial ConvLayer Block2 { get; }

    [Conv2D(5, 1), LeakyReLU(0.1), Flatten]
    public partial ConvLayer Block3 { get; }

    [Dense(7), ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>A global-pooling head (GlobalAveragePool, then the graph's Flatten to [N, C]) and a 5 x 5 kernel on one channel.</summary>
[Network(InputShape = new[] { 1, 9, 9 }, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 48)]
public partial class GlobalPoolNet
{
    [Conv2D(4, 5, Padding = 2), BatchNorm, ReLU]
    public partial ConvLayer Features { get; }

    [Conv2D(3, 3), GlobalAvgPool2D]
    public partial ConvLayer Logits { get; }
}

/// <summary>A dense layer straight after an image: the graph flattens in PyTorch's order before the Gemm.</summary>
[Network(InputShape = new[] { 2, 6, 6 }, MaxBatch = 64, Loss = Loss.MeanSquaredError, Seed = 49)]
public partial class ImplicitFlattenNet
{
    [Conv2D(4, 3), Sigmoid, MaxPool2D(2)]
    public partial ConvLayer Features { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Convolutions Predict runs by Winograd F(2x2, 3x3) (3 x 3, stride 1, at least 16 input channels): batch norm folded
/// and a 2 x 2 max pool fused on an odd-sized output (the last row of tiles is never pooled), then an unpooled one whose
/// odd width ends in a partial tile, 17 output channels (a shifted last vector). The graph runs the direct sums.
/// </summary>
[Network(InputShape = new[] { 16, 9, 7 }, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 50)]
public partial class WinogradNet
{
    [Conv2D(24, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm(Momentum = 0.3), ReLU, MaxPool2D(2)]
    public partial ConvLayer Block1 { get; }

    [Conv2D(17, 3, Padding = 1), ReLU]
    public partial ConvLayer Block2 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}
