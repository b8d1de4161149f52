using DslNets;

namespace FlawedNetwork;

/// <summary>
/// Every design mistake the analyzers warn about, in one network that still compiles and runs. Build it and read
/// the warnings; docs/diagnostics.md explains each one and its fix.
/// </summary>
[Network(InputSize = 16, MaxBatch = 4, Loss = Loss.MeanSquaredError, Seed = 1)] // DSL008 on each BatchNorm: batches of at most 4
[L2(1)]                                                                            // DSL003 (warning): the penalty outweighs the data loss
public partial class FlawedMlp
{
    [Dense(32), Dropout(0.5), BatchNorm, ReLU] // DSL001: Dropout before a BatchNorm (variance shift)
    public partial DenseLayer Hidden1 { get; }

    [Dense(16), BatchNorm, ReLU]               // DSL007 (info): the Dense bias is cancelled by the BatchNorm
    public partial DenseLayer Hidden2 { get; }

    [Dense(4), Softmax, Dropout(0.1)]          // DSL006: Softmax not last; DSL009: dropout on the outputs
    public partial DenseLayer Output { get; }
}
