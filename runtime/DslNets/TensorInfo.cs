using System;

namespace DslNets;

/// <summary>What a tensor of a network is for.</summary>
public enum TensorRole
{
    /// <summary>A dense weight matrix <c>[out, in]</c> (the only tensors L1/L2 apply to).</summary>
    Weight,

    /// <summary>A dense bias <c>[out]</c>.</summary>
    Bias,

    /// <summary>A normalization gain (gamma; PyTorch <c>weight</c>).</summary>
    NormalizationGain,

    /// <summary>A normalization shift (beta; PyTorch <c>bias</c>).</summary>
    NormalizationShift,

    /// <summary>Batch-norm running mean (a buffer, not a parameter).</summary>
    RunningMean,

    /// <summary>Batch-norm running variance (a buffer, not a parameter).</summary>
    RunningVariance,
}

/// <summary>One named tensor inside <see cref="INetwork.Parameters"/> or <see cref="INetwork.Buffers"/>.</summary>
/// <param name="Name">PyTorch state-dict name, e.g. <c>hidden1.weight</c> or <c>hidden1.bn.running_var</c>.</param>
/// <param name="Role">What the tensor is for; decides which buffer holds it.</param>
/// <param name="Offset">Offset of the first element in its buffer.</param>
/// <param name="Rows">First dimension.</param>
/// <param name="Columns">Second dimension for matrices; 0 for vectors.</param>
public sealed record TensorInfo(string Name, TensorRole Role, int Offset, int Rows, int Columns)
{
    /// <summary>Whether the tensor lives in <see cref="INetwork.Parameters"/> (else in <see cref="INetwork.Buffers"/>).</summary>
    public bool IsParameter => Role is not (TensorRole.RunningMean or TensorRole.RunningVariance);

    /// <summary>Number of elements.</summary>
    public int Length => Columns == 0 ? Rows : checked(Rows * Columns);

    /// <summary>The shape as PyTorch reports it: <c>[Rows]</c> or <c>[Rows, Columns]</c>.</summary>
    public int[] Shape => Columns == 0 ? [Rows] : [Rows, Columns];
}
