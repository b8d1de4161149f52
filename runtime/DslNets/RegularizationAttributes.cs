using System;

namespace DslNets;

/// <summary>
/// Batch normalization per feature of a flat input (PyTorch <c>nn.BatchNorm1d</c>) or per channel of a
/// <c>[channels, height, width]</c> input, over the batch, height and width (PyTorch <c>nn.BatchNorm2d</c>).
/// Training: per feature (channel), batch mean and biased batch variance, <c>y = gamma * (x - mean) / sqrt(var + eps) + beta</c>, and the running statistics move
/// by <c>running = (1 - momentum) * running + momentum * batch</c> (the unbiased variance for <c>running_var</c>).
/// Evaluation: the running statistics. Training with one value per channel (a batch of one sample after a dense
/// layer or on one pixel) is an error, as in PyTorch; after a convolution one image of more than one pixel trains.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Weight of the current batch in the running statistics (PyTorch convention, default 0.1).</summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>Added to the variance before the square root (default 1e-5).</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary>
    /// Synchronized batch norm for data-parallel training (PyTorch <c>nn.SyncBatchNorm</c>; default false). When the
    /// network trains over an <see cref="Distributed.ICollectives"/> (set by <see cref="Distributed.DataParallel{TTarget}"/>
    /// and the trainer's distributed mode), the batch statistics are those of the global batch: one all-reduce of
    /// <c>[count, sum(x - K), sum((x - K)^2)]</c> per feature in the forward pass (<c>K</c> the running mean) and one of
    /// <c>[sum(dy), sum(dy * xhat)]</c> in the backward pass, so N ranks train exactly as one process on the
    /// concatenated batch, ranks may hold different batch sizes, and the running statistics are the same on every
    /// rank. Without collectives (one process) it is plain batch norm. Evaluation is unchanged.
    /// </summary>
    public bool Sync { get; set; }
}

/// <summary>
/// Layer normalization over the features of each sample, with a learnable gain and bias (PyTorch
/// <c>nn.LayerNorm</c>); the same computation in training and evaluation.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Added to the variance before the square root (default 1e-5).</summary>
    public double Epsilon { get; set; } = 1e-5;
}

/// <summary>
/// Inverted dropout. <c>p</c> is the probability to DROP a value: in training each value is kept with probability
/// <c>1 - p</c> and scaled by <c>1 / (1 - p)</c>; in evaluation the layer is the identity.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <param name="p">The drop probability, in [0, 1).</param>
    public DropoutAttribute(double p) => P = p;

    /// <summary>The drop probability.</summary>
    public double P { get; }
}

/// <summary>
/// Spatial dropout (PyTorch <c>nn.Dropout2d</c>): on samples of shape <c>[channels, height, width]</c>, in training
/// each whole channel of each sample is dropped with probability <c>p</c> (all its values zeroed) or kept and scaled
/// by <c>1 / (1 - p)</c>; in evaluation the identity. Needs a 3-D input (use <see cref="DropoutAttribute"/> on a
/// flat one).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SpatialDropoutAttribute : Attribute
{
    /// <param name="p">The probability to drop a channel, in [0, 1).</param>
    public SpatialDropoutAttribute(double p) => P = p;

    /// <summary>The probability to drop a channel.</summary>
    public double P { get; }
}

/// <summary>
/// Multiplicative Gaussian noise: in training each value is multiplied by a draw from <c>N(1, p / (1 - p))</c>
/// (same mean and variance as dropout with drop probability <c>p</c>); in evaluation the identity.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class GaussianDropoutAttribute : Attribute
{
    /// <param name="p">The equivalent drop probability, in [0, 1).</param>
    public GaussianDropoutAttribute(double p) => P = p;

    /// <summary>The equivalent drop probability.</summary>
    public double P { get; }
}

/// <summary>
/// Uniform multiplicative noise ("Uout", Li et al. 2019): in training <c>x + x * r</c> with <c>r ~ U(-beta, beta)</c>;
/// in evaluation the identity.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class UoutAttribute : Attribute
{
    /// <param name="beta">The noise half-width, in (0, 1].</param>
    public UoutAttribute(double beta) => Beta = beta;

    /// <summary>The noise half-width.</summary>
    public double Beta { get; }
}

/// <summary>
/// L1 penalty on weight matrices: adds <c>alpha * sum(|w|)</c> to the loss (gradient <c>alpha * sign(w)</c>,
/// <c>sign(0) = 0</c>). On the class it is the default for every weight layer; on a layer it overrides that default.
/// Biases and normalization parameters are never penalized.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class L1Attribute : Attribute
{
    /// <param name="alpha">The coefficient, finite and non-negative.</param>
    public L1Attribute(double alpha) => Alpha = alpha;

    /// <summary>The coefficient.</summary>
    public double Alpha { get; }
}

/// <summary>
/// L2 penalty on weight matrices, Keras convention: adds <c>alpha * sum(w^2)</c> to the loss (gradient
/// <c>2 * alpha * w</c>; PyTorch's <c>weight_decay</c> equals <c>2 * alpha</c>). On the class it is the default
/// for every weight layer; on a layer it overrides that default (<c>L2(0)</c> switches it off). Biases and
/// normalization parameters are never penalized.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class L2Attribute : Attribute
{
    /// <param name="alpha">The coefficient, finite and non-negative.</param>
    public L2Attribute(double alpha) => Alpha = alpha;

    /// <summary>The coefficient.</summary>
    public double Alpha { get; }
}
