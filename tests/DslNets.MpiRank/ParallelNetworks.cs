using DslNets;

namespace DslNets.MpiRank;

/// <summary>A classifier with L2 on every weight matrix: regularization must be counted once, not once per rank.</summary>
[Network(InputSize = 6, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 11)]
[L2(1e-3)]
public partial class ParallelClassifier
{
    [Dense(16), Tanh]
    public partial DenseLayer Hidden1 { get; }

    [Dense(12), ReLU]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>A regression network with float targets and L1, the other target type and the other regularizer.</summary>
[Network(InputSize = 5, MaxBatch = 32, Loss = Loss.MeanSquaredError, Seed = 12)]
[L1(1e-3)]
public partial class ParallelRegressor
{
    [Dense(10), Sigmoid]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>Same inputs and outputs as <see cref="ParallelClassifier"/>, another architecture: the start-up check must reject the pair.</summary>
[Network(InputSize = 6, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 11)]
public partial class OtherClassifier
{
    [Dense(20), ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Synchronized batch norm after two dense layers (no bias: the batch norm's shift replaces it): the statistics, the
/// backward sums and the running statistics must be the global batch's.
/// </summary>
[Network(InputSize = 6, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 13)]
[L2(1e-3)]
public partial class SyncBatchNormClassifier
{
    [Dense(16, Bias = false), BatchNorm(Sync = true), ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(12, Bias = false), BatchNorm(Sync = true, Momentum = 0.3), Tanh]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Synchronized batch norm straight on the inputs (nobody needs its input gradient) and after a sigmoid, with float
/// targets and L1.
/// </summary>
[Network(InputSize = 5, MaxBatch = 32, Loss = Loss.MeanSquaredError, Seed = 14)]
[L1(1e-3)]
public partial class SyncBatchNormRegressor
{
    [BatchNorm(Sync = true), Dense(10), Sigmoid]
    public partial DenseLayer Hidden { get; }

    [BatchNorm(Sync = true, Momentum = 0.2)]
    public partial DenseLayer Normalized { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}
