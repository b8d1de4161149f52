using DslNets;

namespace DslNets.Tests.Networks;

[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 21)]
public partial class BatchNormNet
{
    [Dense(6, Bias = false), BatchNorm(Momentum = 0.2), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.SoftmaxCrossEntropy, Seed = 22)]
public partial class LayerNormNet
{
    [Dense(6), LayerNorm, Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 23)]
[L1(0.01)]
[L2(0.02)]
public partial class PenalizedNet
{
    [Dense(6, Bias = false), BatchNorm, Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3), L1(0), L2(0.05)]
    public partial DenseLayer Output { get; }
}

/// <summary><see cref="PenalizedNet"/> without penalties (same seed, so the same initial weights).</summary>
[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 23)]
public partial class UnpenalizedNet
{
    [Dense(6, Bias = false), BatchNorm, Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 24)]
public partial class DropoutNet
{
    [Dense(8), Tanh, Dropout(0.25)]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 25)]
public partial class GaussianDropoutNet
{
    [Dense(8), Tanh, GaussianDropout(0.25)]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 26)]
public partial class UoutNet
{
    [Dense(8), Tanh, Uout(0.3)]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>Every layer kind of the regularization issue in one network.</summary>
[Network(InputSize = 6, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 27)]
[L2(1e-3)]
public partial class EveryLayerNet
{
    [LayerNorm]
    public partial DenseLayer Normalize { get; }

    [Dense(12, Bias = false), BatchNorm, ReLU, GaussianDropout(0.1)]
    public partial DenseLayer Hidden1 { get; }

    [Dense(10, Bias = false), BatchNorm, LeakyReLU(0.05), Uout(0.2), Dropout(0.2)]
    [L1(1e-3)]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4), L2(0)]
    public partial DenseLayer Output { get; }
}

/// <summary>Dropout straight before a batch norm that keeps only the last batch's statistics (momentum 1).</summary>
#pragma warning disable DSL001 // Dropout before BatchNorm on purpose: this network measures the variance shift.
[Network(InputSize = 64, MaxBatch = 512, Loss = Loss.MeanSquaredError, Seed = 29)]
public partial class DropoutBeforeBatchNorm
{
    [Dropout(0.5)]
    public partial DenseLayer Drop { get; }

    [BatchNorm(Momentum = 1.0)]
    public partial DenseLayer Norm { get; }

    [Dense(1)]
    public partial DenseLayer Output { get; }
}
#pragma warning restore DSL001

/// <summary>The same layers with the dropout after the batch norm.</summary>
[Network(InputSize = 64, MaxBatch = 512, Loss = Loss.MeanSquaredError, Seed = 29)]
public partial class DropoutAfterBatchNorm
{
    [BatchNorm(Momentum = 1.0)]
    public partial DenseLayer Norm { get; }

    [Dropout(0.5)]
    public partial DenseLayer Drop { get; }

    [Dense(1)]
    public partial DenseLayer Output { get; }
}
