using DslNets;

namespace DslNets.Tests.Networks;

/// <summary>Weight normalization on both weight layers, L2 on the directions (weight_v), one layer without bias.</summary>
[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 31)]
[L2(1e-2)]
public partial class WeightNormNet
{
    [Dense(6, Norm = DenseNorm.Weight), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3, Norm = DenseNorm.Weight, Bias = false), L1(1e-2)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Cosine normalization behind a plain layer (so the gradient through |x| reaches the first layer's parameters),
/// with a ReLU the inference kernel fuses, and scaled cosine logits.
/// </summary>
[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 32)]
public partial class CosineNormNet
{
    [Dense(6), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(5, Norm = DenseNorm.Cosine), ReLU, L2(1e-2)]
    public partial DenseLayer Cosine { get; }

    [Dense(3, Norm = DenseNorm.ScaledCosine)]
    public partial DenseLayer Output { get; }
}

/// <summary>Both normalizations as the first layer and before a batch norm (folded in inference), regression loss.</summary>
#pragma warning disable DSL018 // The gains before the batch norms are cancelled; on purpose: this network tests the folding.
[Network(InputSize = 5, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 33)]
public partial class NormalizedDenseBatchNormNet
{
    [Dense(7, Norm = DenseNorm.ScaledCosine, Bias = false), BatchNorm(Momentum = 0.3), ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(6, Norm = DenseNorm.Weight, Bias = false), BatchNorm(Momentum = 0.3), Tanh]
    public partial DenseLayer Hidden2 { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}
#pragma warning restore DSL018
