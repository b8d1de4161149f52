using DslNets;

namespace DslNets.Reference.Tests;

// The networks of tools/reference/make_fixtures.py (NETWORKS), declared as a user would. Together they cover every
// layer kind and option of the DSL: Dense with and without bias, BatchNorm with default and custom momentum/eps,
// LayerNorm with default and custom eps, ReLU, LeakyReLU, Tanh, Sigmoid, a standalone Softmax and one fused into
// softmax cross-entropy, Dropout, GaussianDropout, Uout, the three losses, class-level and per-layer L1 and L2
// (including an override to 0), weight normalization and (scaled) cosine normalization. The Python script names the same classes; ArchitectureTests checks that both
// sides declare the same operations.

[Network(InputSize = 6, MaxBatch = 16, Loss = Loss.SoftmaxCrossEntropy, Seed = 1)]
[L2(1e-3)]
public partial class BatchNormClassifier
{
    [Dense(8, Bias = false), BatchNorm(Momentum = 0.3, Epsilon = 1e-3), ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(7), LeakyReLU(0.1), L1(2e-3)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4), L2(0)]
    public partial DenseLayer Output { get; }
}

#pragma warning disable DSL008 // MaxBatch 7 on purpose: LayerNorm has no batch statistics, which is the point of this network.
[Network(InputSize = 5, MaxBatch = 7, Loss = Loss.MeanSquaredError, Seed = 2)]
[L1(1e-3)]
public partial class LayerNormRegressor
{
    [Dense(6), LayerNorm(Epsilon = 1e-3), Tanh]
    public partial DenseLayer Hidden1 { get; }

    [Dense(5, Bias = false), LayerNorm, Sigmoid, L2(5e-3)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(3), L1(0)]
    public partial DenseLayer Output { get; }
}
#pragma warning restore DSL008

[Network(InputSize = 4, MaxBatch = 12, Loss = Loss.BinaryCrossEntropy, Seed = 3)]
public partial class MultiLabelClassifier
{
    [Dense(6), Sigmoid]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

#pragma warning disable DSL006 // Softmax with mean squared error on purpose: its own backward pass runs, not the fused one.
[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 4)]
public partial class SoftmaxRegressor
{
    [Dense(5), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3), Softmax, L2(1e-2)]
    public partial DenseLayer Output { get; }
}
#pragma warning restore DSL006

[Network(InputSize = 5, MaxBatch = 9, Loss = Loss.SoftmaxCrossEntropy, Seed = 5)]
[L1(1e-3)]
[L2(1e-3)]
public partial class FusedSoftmaxClassifier
{
    [Dense(6), ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(3), Softmax]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 5, MaxBatch = 10, Loss = Loss.MeanSquaredError, Seed = 6)]
[L2(1e-3)]
public partial class NoisyRegressor
{
    [Dense(8), ReLU, Dropout(0.25)]
    public partial DenseLayer Hidden1 { get; }

    [Dense(8), Tanh, GaussianDropout(0.2)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(6), LeakyReLU(0.05), Uout(0.3)]
    public partial DenseLayer Hidden3 { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 6, MaxBatch = 32, Loss = Loss.BinaryCrossEntropy, Seed = 7)]
public partial class DeepBatchNormTagger
{
    [Dense(8, Bias = false), BatchNorm, Tanh]
    public partial DenseLayer Hidden1 { get; }

    [Dense(8, Bias = false), BatchNorm(Momentum = 0.05, Epsilon = 1e-4), ReLU, Dropout(0.1)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

// Weight normalization (PyTorch weight_norm's weight_g/weight_v), once folded with a batch norm in inference. The
// batch norm's large epsilon keeps the gain's gradient real (a batch norm cancels g up to eps; see the script).
[Network(InputSize = 6, MaxBatch = 9, Loss = Loss.SoftmaxCrossEntropy, Seed = 8)]
[L2(1e-3)]
public partial class WeightNormClassifier
{
    [Dense(8, Norm = DenseNorm.Weight), ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(7, Bias = false, Norm = DenseNorm.Weight), BatchNorm(Momentum = 0.2, Epsilon = 0.5), Tanh, L1(2e-3)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

// Cosine normalization behind a plain layer, then scaled cosine logits (the script's cosine_linear is the reference).
// Sigmoid between them: all-dead ReLUs would feed the next cosine a zero vector, whose gradients are float noise.
[Network(InputSize = 5, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 9)]
public partial class CosineRegressor
{
    [Dense(6), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(5, Norm = DenseNorm.Cosine), Sigmoid, L2(1e-2)]
    public partial DenseLayer Cosine { get; }

    [Dense(3, Norm = DenseNorm.ScaledCosine), L1(1e-3)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// The generated forward passes that <see cref="INetwork"/> does not declare (<c>TrainingForward</c>,
/// <c>PredictLogits</c>), so the tests can call them on any reference network. Each network implements it with the
/// public methods the generator emits; nothing here is hand-written.
/// </summary>
internal interface IForwardPasses
{
    void TrainingForward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

    void PredictLogits(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);
}

public partial class BatchNormClassifier : IForwardPasses { }

public partial class LayerNormRegressor : IForwardPasses { }

public partial class MultiLabelClassifier : IForwardPasses { }

public partial class SoftmaxRegressor : IForwardPasses { }

public partial class FusedSoftmaxClassifier : IForwardPasses { }

public partial class NoisyRegressor : IForwardPasses { }

public partial class DeepBatchNormTagger : IForwardPasses { }

public partial class WeightNormClassifier : IForwardPasses { }

public partial class CosineRegressor : IForwardPasses { }

// Convolutional networks: InputShape [C, H, W]; a sample is one row of C * H * W values in PyTorch's NCHW order.
[Network(InputShape = new[] { 1, 8, 8 }, MaxBatch = 16, Loss = Loss.SoftmaxCrossEntropy, Seed = 8)]
[L2(1e-3)]
public partial class ConvClassifier
{
    [Conv2D(4, 3, Padding = 1, Bias = false), BatchNorm, ReLU, MaxPool2D(2)]
    public partial ConvLayer Block1 { get; }

    [Conv2D(6, 3, Padding = 1), Tanh, AvgPool2D(2), L1(2e-3)]
    public partial ConvLayer Block2 { get; }

    [Dense(5)]
    public partial DenseLayer Output { get; }
}

[Network(InputShape = new[] { 3, 7, 6 }, MaxBatch = 12, Loss = Loss.MeanSquaredError, Seed = 9)]
public partial class ConvTagger
{
    [Conv2D(5, 3, Stride = 2, Padding = 1, Bias = false), BatchNorm(Momentum = 0.2, Epsilon = 1e-3), ReLU, SpatialDropout(0.25)]
    public partial ConvLayer Conv1 { get; }

    [Conv2D(8, 1), LayerNorm, Sigmoid, Dropout(0.2), L2(1e-3)]
    public partial ConvLayer Conv2 { get; }

    [MaxPool2D(3, Stride = 1, Padding = 1), GlobalAvgPool2D, Flatten, Dense(2)]
    public partial DenseLayer Head { get; }
}

public partial class ConvClassifier : IForwardPasses { }

public partial class ConvTagger : IForwardPasses { }
