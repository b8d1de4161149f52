using DslNets;

namespace DslNets.Tests.Networks;

/// <summary>XOR of two bits as two classes (the smallest task that needs a hidden layer).</summary>
[Network(InputSize = 2, MaxBatch = 4, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
public partial class XorNet
{
    [Dense(8), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}

/// <summary>2-2-2 with sigmoid hidden units; weights are set by hand in the tests.</summary>
[Network(InputSize = 2, MaxBatch = 2, Loss = Loss.SoftmaxCrossEntropy, Seed = 1)]
public partial class TwoTwoTwo
{
    [Dense(2), Sigmoid]
    public partial DenseLayer Hidden { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}

/// <summary>Three weight layers for the whole-network gradient check.</summary>
[Network(InputSize = 5, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 11)]
public partial class ThreeLayer
{
    [Dense(7), Tanh]
    public partial DenseLayer Hidden1 { get; }

    [Dense(6), Sigmoid]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 2)]
public partial class ReLUNet
{
    [Dense(6), ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 3)]
public partial class LeakyReLUNet
{
    [Dense(6), LeakyReLU(0.2)]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 4)]
public partial class TanhNet
{
    [Dense(6), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.BinaryCrossEntropy, Seed = 5)]
public partial class SigmoidBceNet
{
    [Dense(6), Sigmoid]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>Softmax as a real layer (not fused into a loss) so its backward pass is exercised.</summary>
#pragma warning disable DSL006 // Softmax with mean squared error on purpose: the gradient check needs the standalone softmax backward.
[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 6)]
public partial class SoftmaxMseNet
{
    [Dense(5), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3), Softmax]
    public partial DenseLayer Output { get; }
}
#pragma warning restore DSL006

/// <summary>A trailing Softmax with softmax cross-entropy: fused into the loss, applied once by Predict.</summary>
[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 8)]
public partial class ExplicitSoftmaxNet
{
    [Dense(5), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3), Softmax]
    public partial DenseLayer Output { get; }
}

/// <summary>The same network as <see cref="ExplicitSoftmaxNet"/> without the Softmax attribute.</summary>
[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 8)]
public partial class ImplicitSoftmaxNet
{
    [Dense(5), Tanh]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>No parameters at all: the lone Softmax is fused into the loss, so no operation runs in training.</summary>
[Network(InputSize = 3, MaxBatch = 4, Loss = Loss.SoftmaxCrossEntropy, Seed = 9)]
public partial class LoneSoftmaxNet
{
    [Softmax]
    public partial DenseLayer Probabilities { get; }
}
