using System;
using System.Globalization;
using System.Text;

namespace DslNets.Declarations;

/// <summary>The operations a layer property can chain, one per layer attribute.</summary>
internal enum OpKind
{
    Dense,
    ReLU,
    LeakyReLU,
    Tanh,
    Sigmoid,
    Softmax,
    BatchNorm,
    LayerNorm,
    Dropout,
    GaussianDropout,
    Uout,
}

/// <summary>Mirror of the runtime's <c>DslNets.DenseNorm</c>, by name and value (the catalog test checks it).</summary>
internal enum DenseNormKind
{
    None = 0,
    Weight = 1,
    Cosine = 2,
    ScaledCosine = 3,
}

/// <summary>Mirror of the runtime's <c>DslNets.Loss</c> (the compiler cannot load the runtime assembly).</summary>
internal enum LossKind
{
    SoftmaxCrossEntropy = 0,
    MeanSquaredError = 1,
    BinaryCrossEntropy = 2,
}

/// <summary>A containing type to reopen around a nested network class, e.g. <c>partial class Outer</c>.</summary>
/// <param name="Keyword">The declaration keyword: <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="Name">The name as declared, without <c>@</c> (the emitter escapes keywords).</param>
/// <param name="TypeParameters">The type parameter names, without <c>@</c>.</param>
internal sealed record ContainingTypeSpec(string Keyword, string Name, EquatableArray<string> TypeParameters);

/// <summary>
/// The shape of one sample, in PyTorch order without the batch axis: <c>[features]</c>, or
/// <c>[channels, height, width]</c>. Value-equatable.
/// </summary>
internal sealed record Shape(EquatableArray<int> Dimensions)
{
    public static Shape Of(params int[] dimensions) => new(new EquatableArray<int>(dimensions));

    public int Rank => Dimensions.Count;

    /// <summary>Values per sample: the product of the dimensions.</summary>
    public int Elements
    {
        get
        {
            int elements = 1;
            foreach (int dimension in Dimensions)
                elements = checked(elements * dimension);
            return elements;
        }
    }

    /// <summary><c>[256]</c>, <c>[1, 28, 28]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Dimensions) + "]";
}

/// <summary>
/// One operation of a layer with its input shape resolved and its output shape computed from it; one derived
/// record per op family carries that family's settings under their own names. Value-equatable (a record's equality
/// includes its type).
/// </summary>
/// <param name="Kind">The operation.</param>
/// <param name="Input">The shape of one sample read.</param>
/// <param name="Output">The shape of one sample written.</param>
internal abstract record OpSpec(OpKind Kind, Shape Input, Shape Output)
{
    /// <summary>Values per sample read (the kernels see a sample as a row of this many values, PyTorch order).</summary>
    public int InFeatures => Input.Elements;

    /// <summary>Values per sample written.</summary>
    public int OutFeatures => Output.Elements;

    public bool IsNoise => this is NoiseSpec;

    public bool IsActivation => this is ActivationSpec;

    public bool IsNormalization => this is NormSpec;

    /// <summary>How the operation reads in a comment or fingerprint, e.g. <c>Dense 784 -&gt; 256</c>.</summary>
    public abstract string Describe();

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>Dense(units, Bias, Norm)</c>: <c>y = x W^T + b</c>, <c>W</c> is <c>[Units, InFeatures]</c>. The output is
/// <c>[Units]</c>; an input of higher rank is read flattened in PyTorch order (<c>nn.Flatten</c> then <c>nn.Linear</c>).
/// </summary>
/// <param name="Norm">Weight normalization (<c>W</c> from a direction and a gain per row) or cosine normalization
/// (the product divided by both norms, optionally scaled); see the runtime's <c>DenseNorm</c>.</param>
internal sealed record DenseSpec(Shape Input, int Units, bool Bias, DenseNormKind Norm = DenseNormKind.None)
    : OpSpec(OpKind.Dense, Input, Shape.Of(Units))
{
    public override string Describe() => $"Dense {InFeatures} -> {Units}{(Bias ? string.Empty : " (no bias)")}" + Norm switch
    {
        DenseNormKind.Weight => ", weight norm",
        DenseNormKind.Cosine => ", cosine norm",
        DenseNormKind.ScaledCosine => ", scaled cosine norm",
        _ => string.Empty,
    };
}

/// <summary>An elementwise or per-sample activation: ReLU, LeakyReLU, Tanh, Sigmoid, Softmax. Keeps the shape.</summary>
/// <param name="NegativeSlope">LeakyReLU only: the slope for negative inputs (PyTorch <c>negative_slope</c>); 0 otherwise.</param>
internal sealed record ActivationSpec(OpKind Kind, Shape Shape, double NegativeSlope = 0) : OpSpec(Kind, Shape, Shape)
{
    public override string Describe() => Kind == OpKind.LeakyReLU ? $"LeakyReLU({Format(NegativeSlope)})" : Kind.ToString();
}

/// <summary>BatchNorm or LayerNorm, with a gain and a shift of <see cref="Features"/> values. Keeps the shape.</summary>
/// <param name="Momentum">BatchNorm only: the weight of the batch in the running statistics (PyTorch convention); 0 for LayerNorm.</param>
/// <param name="Epsilon">Added to the variance before the square root.</param>
/// <param name="Sync">
/// BatchNorm only: synchronized over the ranks of data-parallel training (PyTorch <c>SyncBatchNorm</c>): the batch
/// statistics and the backward sums are those of the global batch, one all-reduce each way.
/// </param>
internal sealed record NormSpec(OpKind Kind, Shape Shape, double Momentum, double Epsilon, bool Sync = false) : OpSpec(Kind, Shape, Shape)
{
    /// <summary>
    /// The length of gamma, beta and the running statistics: BatchNorm normalizes per channel, the first dimension
    /// (per feature for <c>[features]</c>, PyTorch <c>BatchNorm1d</c>/<c>BatchNorm2d</c>); LayerNorm over the whole
    /// sample (PyTorch <c>LayerNorm(normalized_shape = sample shape)</c>).
    /// </summary>
    public int Features => Kind == OpKind.BatchNorm ? Shape.Dimensions[0] : Shape.Elements;

    public override string Describe() => Kind == OpKind.BatchNorm
        ? $"BatchNorm (momentum {Format(Momentum)}, eps {Format(Epsilon)}{(Sync ? ", sync" : string.Empty)})"
        : $"LayerNorm (eps {Format(Epsilon)})";
}

/// <summary>Training-only noise, the identity in inference: Dropout, GaussianDropout, Uout. Keeps the shape.</summary>
/// <param name="DropProbability">Dropout and GaussianDropout: p, the probability to drop (GaussianDropout's noise has variance p / (1 - p)); 0 for Uout.</param>
/// <param name="Beta">Uout only: the half-width of the uniform noise <c>r ~ U(-beta, beta)</c>; 0 otherwise.</param>
internal sealed record NoiseSpec(OpKind Kind, Shape Shape, double DropProbability, double Beta) : OpSpec(Kind, Shape, Shape)
{
    public override string Describe() => Kind == OpKind.Uout ? $"Uout(beta {Format(Beta)})" : $"{Kind}(p {Format(DropProbability)})";
}

/// <summary>One layer: a partial property and the operations its attributes chain, in written order.</summary>
/// <param name="PropertyName">The property's name, without <c>@</c>.</param>
/// <param name="Modifiers">The property's modifiers as written, without <c>partial</c>, repeated on the implementation part (empty: private).</param>
/// <param name="TensorPrefix">The PyTorch module name (<c>Hidden1</c> -&gt; <c>hidden1</c>).</param>
/// <param name="L1">Effective L1 coefficient on this layer's weights (layer override, else class default, else 0).</param>
/// <param name="L2">Effective L2 coefficient on this layer's weights.</param>
internal sealed record LayerSpec(
    string PropertyName,
    string Modifiers,
    string TensorPrefix,
    EquatableArray<OpSpec> Ops,
    double L1,
    double L2);

/// <summary>
/// Everything the generator needs to emit one network: names, sizes and operations, as primitives and strings.
/// Value-equatable; holds no symbol, syntax node or compilation.
/// </summary>
/// <remarks>Names are as declared, without <c>@</c>; <see cref="Namespace"/> is dotted.</remarks>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string Keyword,
    string ClassName,
    EquatableArray<string> TypeParameters,
    Shape InputShape,
    int MaxBatch,
    LossKind Loss,
    int Seed,
    EquatableArray<LayerSpec> Layers)
{
    /// <summary>Input values per sample (the product of <see cref="InputShape"/>).</summary>
    public int InputSize => InputShape.Elements;

    /// <summary>Outputs per sample: the width of the last operation.</summary>
    public int OutputSize
    {
        get
        {
            LayerSpec last = Layers[Layers.Count - 1];
            return last.Ops[last.Ops.Count - 1].OutFeatures;
        }
    }

    /// <summary>
    /// A stable text that identifies the architecture: everything that decides the parameter layout and the
    /// computation, nothing about the source text around it.
    /// </summary>
    public string Fingerprint()
    {
        var text = new StringBuilder();
        // A vector input reads as its size, as it always has: checkpoints store this text.
        text.Append("in ").Append(InputShape.Rank == 1 ? InputSize.ToString(CultureInfo.InvariantCulture) : InputShape.ToString()).Append("; loss ").Append(Loss);
        foreach (LayerSpec layer in Layers)
        {
            text.Append("; ").Append(layer.TensorPrefix).Append(':');
            foreach (OpSpec op in layer.Ops)
                text.Append(' ').Append(op.Describe()).Append(',');
            text.Length--;
            if (layer.L1 != 0)
                text.Append(", L1 ").Append(OpSpec.Format(layer.L1));
            if (layer.L2 != 0)
                text.Append(", L2 ").Append(OpSpec.Format(layer.L2));
        }

        return text.ToString();
    }
}

/// <summary>
/// A network whose declaration has errors, reduced to what the generator needs to complete its partial layer
/// properties (each throws: the build reports the errors, so the code never runs).
/// </summary>
internal sealed record InvalidNetworkSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string Keyword,
    string ClassName,
    EquatableArray<string> TypeParameters,
    EquatableArray<PropertyShellSpec> Properties);

/// <summary>A partial property's signature as declared: the implementation part repeats it.</summary>
/// <param name="Modifiers">Modifiers as written, without <c>partial</c>.</param>
/// <param name="Type">The type, fully qualified, escaped, with nullable annotations.</param>
/// <param name="Name">The name, without <c>@</c>.</param>
/// <param name="Accessors">Each accessor with its modifiers: <c>get</c>, <c>private set</c>, <c>init</c>.</param>
internal sealed record PropertyShellSpec(string Modifiers, string Type, string Name, EquatableArray<string> Accessors);
