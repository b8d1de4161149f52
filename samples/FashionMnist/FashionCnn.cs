using DslNets;

namespace FashionMnist;

/// <summary>
/// The Fashion-MNIST convolutional classifier (the sample's default): two 3 x 3 convolutions with per-channel batch
/// norm, ReLU and 2 x 2 max pooling (28 x 28 x 1 -> 14 x 14 x 32 -> 7 x 7 x 64), then a dense layer with dropout and
/// the ten classes. The convolutions before a batch norm have no bias (DSL007) and the dropout sits after the last
/// batch norm (DSL001). The dense layer reads the [64, 7, 7] output flattened in PyTorch's order. The batch norms are
/// synchronized: on one process that is plain batch norm (the same numbers); under <c>mpirun ... --mpi</c> they
/// normalize over the global batch of all ranks, as <see cref="FashionMlp"/>'s do.
/// </summary>
[Network(InputShape = new[] { 1, 28, 28 }, MaxBatch = 256, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
[L2(1e-5)]
public partial class FashionCnn
{
    [Conv2D(32, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm(Sync = true), ReLU, MaxPool2D(2)]
    public partial ConvLayer Block1 { get; }

    [Conv2D(64, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm(Sync = true), ReLU, MaxPool2D(2)]
    public partial ConvLayer Block2 { get; }

    [Dense(128), ReLU, Dropout(0.3)]
    public partial DenseLayer Hidden { get; }

    [Dense(10), L2(0)]
    public partial DenseLayer Output { get; }
}
