using DslNets;

namespace Xor;

/// <summary>The smallest network that needs a hidden layer: XOR of two bits, as two classes.</summary>
[Network(InputSize = 2, MaxBatch = 4, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
public partial class XorNet
{
    [Dense(8), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}
