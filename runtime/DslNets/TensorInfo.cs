using System;

namespace DslNets;

/// <summary>What a tensor of a network is for.</summary>
public enum TensorRole
{
    /// <summary>
    /// A dense weight matrix <c>[out, in]</c> (the only tensors L1/L2 apply to); with weight normalization its
    /// direction <c>weight_v</c>.
    /// </summary>
    Weight,

    /// <summary>A dense bias <c>[out]</c>.</summary>
    Bias,

    /// <summary>
    /// A normalization gain: gamma (PyTorch <c>weight</c>) of batch and layer norm, <c>weight_g</c> of weight
    /// normalization, <c>scale</c> of scaled cosine normalization.
    /// </summary>
    NormalizationGain,

    /// <summary>A normalization shift (beta; PyTorch <c>bias</c>).</summary>
    NormalizationShift,

    /// <summary>Batch-norm running mean (a buffer, not a parameter).</summary>
    RunningMean,

    /// <summary>Batch-norm running variance (a buffer, not a parameter).</summary>
    RunningVariance,
}

/// <summary>One named tensor inside <see cref="INetwork.Parameters"/> or <see cref="INetwork.Buffers"/>, with its shape in PyTorch order.</summary>
public sealed record TensorInfo
{
    private readonly int[] _shape;

    /// <summary>A tensor of any rank.</summary>
    /// <param name="name">PyTorch state-dict name, e.g. <c>hidden1.weight</c> or <c>hidden1.bn.running_var</c>.</param>
    /// <param name="role">What the tensor is for; decides which buffer holds it.</param>
    /// <param name="offset">Offset of the first element in its buffer.</param>
    /// <param name="shape">The dimensions, PyTorch order (<c>[out, in]</c> for a dense weight); at least one, each positive.</param>
    public TensorInfo(string name, TensorRole role, int offset, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0)
            throw new ArgumentException($"Tensor '{name}' needs at least one dimension.", nameof(shape));
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
                throw new ArgumentOutOfRangeException(nameof(shape), $"Tensor '{name}' has shape [{string.Join(", ", shape)}]; every dimension must be positive.");
        }

        Name = name;
        Role = role;
        Offset = offset;
        _shape = (int[])shape.Clone();
    }

    /// <summary>A vector (<paramref name="columns"/> = 0) or a matrix, as before tensors had a rank.</summary>
    /// <param name="name">PyTorch state-dict name.</param>
    /// <param name="role">What the tensor is for.</param>
    /// <param name="offset">Offset of the first element in its buffer.</param>
    /// <param name="rows">First dimension.</param>
    /// <param name="columns">Second dimension for matrices; 0 for vectors.</param>
    public TensorInfo(string name, TensorRole role, int offset, int rows, int columns)
        : this(name, role, offset, columns == 0 ? [rows] : [rows, columns])
    {
    }

    /// <summary>PyTorch state-dict name, e.g. <c>hidden1.weight</c> or <c>hidden1.bn.running_var</c>.</summary>
    public string Name { get; }

    /// <summary>What the tensor is for; decides which buffer holds it.</summary>
    public TensorRole Role { get; }

    /// <summary>Offset of the first element in its buffer.</summary>
    public int Offset { get; }

    /// <summary>Whether the tensor lives in <see cref="INetwork.Parameters"/> (else in <see cref="INetwork.Buffers"/>).</summary>
    public bool IsParameter => Role is not (TensorRole.RunningMean or TensorRole.RunningVariance);

    /// <summary>The shape as PyTorch reports it, e.g. <c>[256, 784]</c> or <c>[256]</c> (a copy).</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int dimension in _shape)
                length = checked(length * dimension);
            return length;
        }
    }

    /// <summary>The first dimension.</summary>
    public int Rows => _shape[0];

    /// <summary>The second dimension of a matrix, 0 for a vector; a tensor of higher rank has no columns (see <see cref="Shape"/>).</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than two dimensions.</exception>
    public int Columns => _shape.Length switch
    {
        1 => 0,
        2 => _shape[1],
        _ => throw new InvalidOperationException($"Tensor '{Name}' has shape [{string.Join(", ", _shape)}]; read its Shape, not Rows and Columns."),
    };

    /// <inheritdoc/>
    public bool Equals(TensorInfo? other) =>
        other is not null && Name == other.Name && Role == other.Role && Offset == other.Offset && _shape.AsSpan().SequenceEqual(other._shape);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Role, Offset, _shape.Length, Length);

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Role = {Role}, Offset = {Offset}, Shape = [{string.Join(", ", _shape)}]");
        return true;
    }
}
