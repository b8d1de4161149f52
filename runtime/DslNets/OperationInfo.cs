using System;
using System.Collections.Generic;

namespace DslNets;

/// <summary>The operations a layer can chain (one per layer attribute).</summary>
public enum OperationKind
{
    /// <summary>Fully connected: <c>y = x W^T + b</c>.</summary>
    Dense,

    /// <summary><c>max(x, 0)</c>.</summary>
    ReLU,

    /// <summary><c>x</c> if positive, else <c>slope * x</c>.</summary>
    LeakyReLU,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,

    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,

    /// <summary>Softmax over the features.</summary>
    Softmax,

    /// <summary>Batch normalization (running statistics at inference).</summary>
    BatchNorm,

    /// <summary>Layer normalization.</summary>
    LayerNorm,

    /// <summary>Inverted dropout (identity at inference).</summary>
    Dropout,

    /// <summary>Multiplicative Gaussian noise (identity at inference).</summary>
    GaussianDropout,

    /// <summary>Uniform multiplicative noise (identity at inference).</summary>
    Uout,

    /// <summary>2-D convolution over <c>[channels, height, width]</c> samples.</summary>
    Conv2D,

    /// <summary>Max pooling over windows of each channel.</summary>
    MaxPool2D,

    /// <summary>Average pooling over windows of each channel.</summary>
    AvgPool2D,

    /// <summary>Mean of each channel over its height and width.</summary>
    GlobalAvgPool2D,

    /// <summary>Reshape to one row per sample (no computation).</summary>
    Flatten,

    /// <summary>Channel-wise inverted dropout (identity at inference).</summary>
    SpatialDropout,

    /// <summary>Gaussian error linear unit, <c>x * Phi(x)</c> (PyTorch <c>nn.GELU()</c>, the exact erf form).</summary>
    GELU,
}

/// <summary>
/// One operation of a generated network, in execution order, as the generator saw it. <see cref="INetwork.Predict(System.ReadOnlySpan{float}, System.Span{float})"/>
/// computes the operations in order (noise operations are the identity), then the loss's output link: softmax for
/// <see cref="Loss.SoftmaxCrossEntropy"/> (once, even when the last operation is a <see cref="OperationKind.Softmax"/>),
/// sigmoid for <see cref="Loss.BinaryCrossEntropy"/>, nothing for <see cref="Loss.MeanSquaredError"/>.
/// </summary>
/// <param name="Layer">The layer property's name.</param>
/// <param name="TensorPrefix">State-dict prefix of the operation's tensors: <c>hidden1</c> (dense), <c>hidden1.bn</c>, <c>hidden1.ln</c>; empty for operations without tensors.</param>
/// <param name="Kind">The operation.</param>
/// <param name="InFeatures">Input width.</param>
/// <param name="OutFeatures">Output width.</param>
public sealed record OperationInfo(
    string Layer,
    string TensorPrefix,
    OperationKind Kind,
    int InFeatures,
    int OutFeatures)
{
    /// <summary>Dense only: whether a bias tensor exists.</summary>
    public bool HasBias { get; init; }

    /// <summary>
    /// Dense only: the normalization of the product. <see cref="DenseNorm.Weight"/> has the tensors
    /// <c>{prefix}.weight_g</c> and <c>{prefix}.weight_v</c> instead of <c>{prefix}.weight</c>;
    /// <see cref="DenseNorm.ScaledCosine"/> adds <c>{prefix}.scale</c>.
    /// </summary>
    public DenseNorm Norm { get; init; }

    /// <summary>LeakyReLU only: the slope for negative inputs (PyTorch <c>negative_slope</c>); 0 otherwise.</summary>
    public float NegativeSlope { get; init; }

    /// <summary>Dropout and GaussianDropout only: p, the probability to drop; 0 otherwise.</summary>
    public float DropProbability { get; init; }

    /// <summary>Uout only: the half-width of the uniform noise <c>r ~ U(-beta, beta)</c>; 0 otherwise.</summary>
    public float Beta { get; init; }

    /// <summary>BatchNorm only: the weight of the batch in the running statistics (PyTorch convention); 0 otherwise.</summary>
    public float Momentum { get; init; }

    /// <summary>BatchNorm and LayerNorm only: added to the variance before the square root; 0 otherwise.</summary>
    public float Epsilon { get; init; }

    /// <summary>
    /// BatchNorm only: synchronized over the ranks of data-parallel training (<c>[BatchNorm(Sync = true)]</c>); its
    /// running statistics are the same on every rank by construction. False otherwise.
    /// </summary>
    public bool Synchronized { get; init; }

    /// <summary>The input sample's shape when it or the output is an image, <c>[channels, height, width]</c> (PyTorch order); empty for flat operations.</summary>
    public IReadOnlyList<int> InputShape { get; init; } = Array.Empty<int>();

    /// <summary>The output sample's shape when it or the input is an image (<c>[features]</c> after a Flatten); empty for flat operations.</summary>
    public IReadOnlyList<int> OutputShape { get; init; } = Array.Empty<int>();

    /// <summary>Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool2D: the kernel (window) height; 0 otherwise.</summary>
    public int KernelHeight { get; init; }

    /// <summary>The kernel (window) width; 0 for operations without one.</summary>
    public int KernelWidth { get; init; }

    /// <summary>The step between window positions along the height; 0 for operations without a window.</summary>
    public int StrideHeight { get; init; }

    /// <summary>The step between window positions along the width; 0 for operations without a window.</summary>
    public int StrideWidth { get; init; }

    /// <summary>Zero rows added above and below the input (PyTorch's symmetric <c>padding</c>); 0 otherwise.</summary>
    public int PaddingHeight { get; init; }

    /// <summary>Zero columns added left and right of the input; 0 otherwise.</summary>
    public int PaddingWidth { get; init; }

    /// <summary>Conv2D only: the spacing between kernel taps (1: adjacent); 0 otherwise.</summary>
    public int Dilation { get; init; }
}
