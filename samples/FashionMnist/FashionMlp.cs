using DslNets;

namespace FashionMnist;

/// <summary>
/// The Fashion-MNIST classifier: 784 pixels, two batch-normalized ReLU layers, ten classes. The dropout sits after
/// the last batch norm (so DSL001 stays quiet) and the dense layers before a batch norm have no bias (DSL007).
/// </summary>
[Network(InputSize = 784, MaxBatch = 256, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
[L2(1e-5)]
public partial class FashionMlp
{
    [Dense(256, Bias = false), BatchNorm, ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(128, Bias = false), BatchNorm, ReLU, Dropout(0.2)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(10), L2(0)]
    public partial DenseLayer Output { get; }
}
