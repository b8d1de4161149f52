using DslNets;

namespace FashionMnist;

/// <summary>
/// The Fashion-MNIST classifier: 784 pixels, two batch-normalized ReLU layers, ten classes. The dropout sits after
/// the last batch norm (so DSL001 stays quiet) and the dense layers before a batch norm have no bias (DSL007). The
/// batch norms are synchronized: on one process that is plain batch norm; under <c>mpirun ... --mpi</c> they normalize
/// over the global batch of all ranks (one small all-reduce each way per layer), so 2 ranks train like 1 process.
/// </summary>
[Network(InputSize = 784, MaxBatch = 256, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
[L2(1e-5)]
public partial class FashionMlp
{
    [Dense(256, Bias = false), BatchNorm(Sync = true), ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(128, Bias = false), BatchNorm(Sync = true), ReLU, Dropout(0.2)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(10), L2(0)]
    public partial DenseLayer Output { get; }
}
