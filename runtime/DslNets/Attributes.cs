using System;

namespace DslNets;

/// <summary>The loss a network trains with. Every loss takes the network's raw outputs (logits) in.</summary>
public enum Loss
{
    /// <summary>
    /// Softmax followed by cross-entropy against an <see cref="int"/> class label per sample
    /// (PyTorch <c>CrossEntropyLoss</c>). <c>Predict</c> returns the softmax probabilities.
    /// </summary>
    SoftmaxCrossEntropy,

    /// <summary>
    /// Mean of the squared differences over every output of every sample (PyTorch <c>MSELoss</c>,
    /// reduction mean), against <see cref="float"/> targets. <c>Predict</c> returns the raw outputs.
    /// </summary>
    MeanSquaredError,

    /// <summary>
    /// Sigmoid followed by binary cross-entropy, averaged over every output of every sample
    /// (PyTorch <c>BCEWithLogitsLoss</c>), against <see cref="float"/> targets in [0, 1].
    /// <c>Predict</c> returns the sigmoid probabilities.
    /// </summary>
    BinaryCrossEntropy,
}

/// <summary>
/// Declares a <c>partial</c> class as a network. Its <c>partial</c> properties carrying layer attributes are the
/// layers, run in declaration order; the DslNets generator writes the forward, backward and update code.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>
    /// Number of input features per sample, for a flat input. Give either this or <see cref="InputShape"/>, not both.
    /// </summary>
    public int InputSize { get; set; }

    /// <summary>
    /// The shape of one input sample in PyTorch order without the batch axis: <c>new[] { channels, height, width }</c>
    /// for images (e.g. <c>new[] { 1, 28, 28 }</c>), or <c>new[] { features }</c>. A sample is passed as one row of
    /// <c>channels * height * width</c> values in that order (NCHW, as a PyTorch tensor's memory). Give either this or
    /// <see cref="InputSize"/>, not both.
    /// </summary>
#pragma warning disable CA1819 // An attribute argument: the compiler reads the constant, nobody mutates it.
    public int[]? InputShape { get; set; }
#pragma warning restore CA1819

    /// <summary>The largest batch the network accepts; every buffer is sized from it once, at construction.</summary>
    public int MaxBatch { get; set; } = 64;

    /// <summary>The training loss.</summary>
    public Loss Loss { get; set; } = Loss.SoftmaxCrossEntropy;

    /// <summary>Seed for weight initialization and noise layers: the same seed gives bit-identical runs.</summary>
    public int Seed { get; set; }
}

/// <summary>
/// A fully connected layer: <c>y = x W^T + b</c>, with <c>W</c> stored row-major as <c>[units, inputs]</c>
/// (PyTorch <c>nn.Linear</c> layout). An input of shape <c>[channels, height, width]</c> is read flattened in
/// PyTorch <c>nn.Flatten</c> order (channel, then row, then column), so <c>inputs = channels * height * width</c>.
/// Weights are initialized He-uniform when the next activation in the same property is ReLU or LeakyReLU,
/// Glorot-uniform otherwise; biases start at zero.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <param name="units">Number of output features.</param>
    public DenseAttribute(int units) => Units = units;

    /// <summary>Number of output features.</summary>
    public int Units { get; }

    /// <summary>Whether the layer adds a learnable bias (default <see langword="true"/>).</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// How the product <c>x W^T</c> is normalized (default <see cref="DenseNorm.None"/>): weight normalization or
    /// cosine normalization. See <see cref="DenseNorm"/> and docs/normalization.md.
    /// </summary>
    public DenseNorm Norm { get; set; } = DenseNorm.None;
}

/// <summary>
/// A normalization of a dense layer's product, written as <c>[Dense(units, Norm = DenseNorm.X)]</c>. Both
/// reparameterize the layer itself rather than transform its outputs, so they are a setting of <c>Dense</c>, not
/// an operation of their own in the chain.
/// </summary>
public enum DenseNorm
{
    /// <summary>The plain product <c>y = x W^T + b</c>.</summary>
    None,

    /// <summary>
    /// Weight normalization (Salimans &amp; Kingma 2016; PyTorch <c>torch.nn.utils.weight_norm(nn.Linear(...), dim=0)</c>):
    /// each output row of the weight is <c>w_o = g_o * v_o / ||v_o||</c>, learned through a direction <c>v</c>
    /// (<c>weight_v</c>, <c>[units, inputs]</c>) and a gain <c>g</c> (<c>weight_g</c>, <c>[units, 1]</c>), no epsilon,
    /// as in PyTorch. <c>v</c> starts like a plain dense weight and <c>g = ||v||</c>, so the layer starts as the plain
    /// layer would. L1/L2 apply to <c>v</c>. Inference folds <c>w</c> into the packed weight: it runs exactly as a
    /// plain dense layer.
    /// </summary>
    Weight,

    /// <summary>
    /// Cosine normalization (Luo et al. 2017): <c>y_o = cos(w_o, x) + b_o</c> with
    /// <c>cos(w, x) = w.x / (sqrt(|w|^2 + 1e-8) * sqrt(|x|^2 + 1e-8))</c> over the whole input row; the bias is
    /// optional as for a plain dense layer. Outputs before the bias lie in [-1, 1].
    /// </summary>
    Cosine,

    /// <summary>
    /// Cosine normalization with one learned scale per layer: <c>y_o = s * cos(w_o, x) + b_o</c>, <c>s</c> (the
    /// tensor <c>{layer}.scale</c>, shape <c>[1]</c>) initialized to 1. Never penalized by L1/L2.
    /// </summary>
    ScaledCosine,
}

/// <summary>Rectified linear unit, <c>max(x, 0)</c>.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ReLUAttribute : Attribute
{
}

/// <summary>Leaky rectified linear unit, <c>x</c> for <c>x &gt; 0</c>, <c>slope * x</c> otherwise.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LeakyReLUAttribute : Attribute
{
    /// <param name="slope">The slope for negative inputs (PyTorch's <c>negative_slope</c>, default 0.01).</param>
    public LeakyReLUAttribute(double slope = 0.01) => Slope = slope;

    /// <summary>The slope for negative inputs.</summary>
    public double Slope { get; }
}

/// <summary>Hyperbolic tangent.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class TanhAttribute : Attribute
{
}

/// <summary>Logistic sigmoid, <c>1 / (1 + exp(-x))</c>.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SigmoidAttribute : Attribute
{
}

/// <summary>
/// Gaussian error linear unit (Hendrycks &amp; Gimpel 2016): <c>x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))</c>, with
/// <c>Phi</c> the standard normal distribution function. PyTorch's <c>nn.GELU()</c> with its default
/// <c>approximate='none'</c> (the exact erf form, not the tanh approximation). A dense layer before it starts
/// Glorot-uniform. Exported to ONNX as <c>Erf</c>, <c>Mul</c> and <c>Add</c> nodes (the exporter's opset 17 has no
/// <c>Gelu</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class GELUAttribute : Attribute
{
}

/// <summary>
/// Softmax over the features of each sample; allowed only as the last operation of the network. With
/// <see cref="Loss.SoftmaxCrossEntropy"/> it is fused into the loss (the loss still receives the logits).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SoftmaxAttribute : Attribute
{
}
