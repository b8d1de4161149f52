using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace DslNets.Declarations;

/// <summary>
/// The operations a layer property can chain: one per layer attribute, except the elementwise activations, which
/// share <see cref="Activation"/> and are told apart by their catalog entry (<see cref="Activations"/>).
/// </summary>
internal enum OpKind
{
    Dense,

    /// <summary>An elementwise activation of the catalog: ReLU, LeakyReLU, Tanh, Sigmoid, ...</summary>
    Activation,
    Softmax,
    BatchNorm,
    LayerNorm,
    Dropout,
    GaussianDropout,
    Uout,
    Conv2D,
    MaxPool2D,
    AvgPool2D,
    GlobalAvgPool2D,
    Flatten,
    SpatialDropout,
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

/// <summary>Mirror of the runtime's <c>DslNets.PaddingMode</c>.</summary>
internal enum PaddingModeKind
{
    Explicit = 0,
    Same = 1,
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

    /// <summary>
    /// The operation's name: its attribute class without <c>Attribute</c> and its runtime <c>OperationKind</c>
    /// member, e.g. <c>Dense</c>, <c>GELU</c>.
    /// </summary>
    public virtual string Name => Kind.ToString();

    /// <summary>How the operation reads in a comment or fingerprint, e.g. <c>Dense 784 -&gt; 256</c>.</summary>
    public abstract string Describe();

    /// <summary>
    /// The operation for the Summary table, whose own column gives the output shape: <see cref="Describe"/>, except
    /// for the ops whose description spells out their shapes (<c>Conv2D 1 -&gt; 32 (kernel 3, ...)</c>, <c>MaxPool2D (size 2, stride 2)</c>).
    /// </summary>
    public virtual string DescribeOperation() => Describe();

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

/// <summary>
/// An activation; keeps the shape. <see cref="OpKind.Activation"/>: an elementwise one of the catalog,
/// <see cref="Function"/>; <see cref="OpKind.Softmax"/>: the per-sample softmax (no catalog entry).
/// </summary>
/// <param name="Function">The catalog entry of an elementwise activation; null for Softmax.</param>
/// <param name="NegativeSlope">An activation with a slope (LeakyReLU): the slope for negative inputs (PyTorch <c>negative_slope</c>); 0 otherwise.</param>
internal sealed record ActivationSpec(OpKind Kind, Shape Shape, Activation? Function = null, double NegativeSlope = 0) : OpSpec(Kind, Shape, Shape)
{
    /// <summary>An elementwise activation of the catalog.</summary>
    public static ActivationSpec Elementwise(Activation function, Shape shape, double slope) =>
        new(OpKind.Activation, shape, function, function.HasSlope ? slope : 0);

    /// <summary>The catalog entry; throws for Softmax, which has none.</summary>
    public Activation CatalogEntry => Function ?? throw new InvalidOperationException($"{Kind} is not an elementwise activation of the catalog.");

    public override string Name => Function?.Name ?? Kind.ToString();

    public override string Describe() => Function is { HasSlope: true } ? $"{Name}({Format(NegativeSlope)})" : Name;
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

/// <summary>
/// Training-only noise, the identity in inference: Dropout, GaussianDropout, Uout, and SpatialDropout (PyTorch
/// <c>Dropout2d</c>: one draw per channel of each sample, the input is <c>[channels, height, width]</c>). Keeps the shape.
/// </summary>
/// <param name="DropProbability">Dropout, GaussianDropout and SpatialDropout: p, the probability to drop (GaussianDropout's noise has variance p / (1 - p)); 0 for Uout.</param>
/// <param name="Beta">Uout only: the half-width of the uniform noise <c>r ~ U(-beta, beta)</c>; 0 otherwise.</param>
internal sealed record NoiseSpec(OpKind Kind, Shape Shape, double DropProbability, double Beta) : OpSpec(Kind, Shape, Shape)
{
    public override string Describe() => Kind == OpKind.Uout ? $"Uout(beta {Format(Beta)})" : $"{Kind}(p {Format(DropProbability)})";
}

/// <summary>
/// <c>Conv2D(filters, kernel)</c>: PyTorch <c>nn.Conv2d</c> on samples of shape <c>[channels, height, width]</c>. The
/// weight is <c>[Filters, InChannels, KernelH, KernelW]</c> (PyTorch layout), the bias <c>[Filters]</c>; the output is
/// <c>[Filters, OutHeight, OutWidth]</c> by PyTorch's formula (<see cref="OutputLength"/>). The padding is symmetric
/// (the parser has resolved <c>PaddingMode.Same</c> into <see cref="PadH"/>/<see cref="PadW"/>).
/// </summary>
/// <param name="Dilation">Spacing between kernel taps, along both axes (1: a dense kernel).</param>
internal sealed record ConvSpec(
    Shape Input,
    int Filters,
    int KernelH,
    int KernelW,
    int StrideH,
    int StrideW,
    int PadH,
    int PadW,
    int Dilation,
    bool Bias)
    : OpSpec(OpKind.Conv2D, Input, Shape.Of(
        Filters,
        OutputLength(Input.Dimensions[1], KernelH, StrideH, PadH, Dilation),
        OutputLength(Input.Dimensions[2], KernelW, StrideW, PadW, Dilation)))
{
    public int InChannels => Input.Dimensions[0];

    public int InHeight => Input.Dimensions[1];

    public int InWidth => Input.Dimensions[2];

    public int OutHeight => Output.Dimensions[1];

    public int OutWidth => Output.Dimensions[2];

    /// <summary>Elements of the weight, <c>Filters * InChannels * KernelH * KernelW</c>.</summary>
    public int WeightCount => checked(Filters * InChannels * KernelH * KernelW);

    /// <summary>
    /// PyTorch's output length of a convolution or pooling along one axis:
    /// <c>floor((input + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1</c>. Zero or less when the dilated
    /// window does not fit the padded input (the validator reports that before any spec is built).
    /// </summary>
    public static int OutputLength(int input, int kernel, int stride, int padding, int dilation) =>
        (int)OutputLength((long)input, kernel, stride, padding, dilation);

    /// <summary>
    /// <see cref="OutputLength(int, int, int, int, int)"/> in 64-bit arithmetic, for the validator, which reads any
    /// int the user wrote (a padding near <c>int.MaxValue</c>) before it knows the result fits.
    /// </summary>
    public static long OutputLength(long input, long kernel, long stride, long padding, long dilation)
    {
        long span = input + (2 * padding) - (dilation * (kernel - 1)) - 1;
        return span < 0 ? 0 : (span / stride) + 1;
    }

    public override string Describe() => $"Conv2D {Input} -> {Output} {Settings}";

    public override string DescribeOperation() => $"Conv2D {InChannels} -> {Filters} {Settings}";

    private string Settings =>
        $"(kernel {Size(KernelH, KernelW)}, stride {Size(StrideH, StrideW)}, padding {Size(PadH, PadW)}"
        + (Dilation != 1 ? $", dilation {Dilation}" : string.Empty)
        + (Bias ? ")" : ", no bias)");

    /// <summary><c>3</c> for a square setting, <c>3x5</c> (height x width) otherwise.</summary>
    internal static string Size(int height, int width) => height == width ? height.ToString(CultureInfo.InvariantCulture) : $"{height}x{width}";
}

/// <summary>
/// MaxPool2D, AvgPool2D (windows of <c>SizeH x SizeW</c>, PyTorch <c>MaxPool2d</c>/<c>AvgPool2d</c> with
/// <c>ceil_mode=False</c>; AvgPool2D counts padded zeros, <c>count_include_pad=True</c>) and GlobalAvgPool2D (one
/// window over the whole height and width, <see cref="Global"/>). Per channel: <c>[channels, height, width]</c> to
/// <c>[channels, outHeight, outWidth]</c> (<c>[channels, 1, 1]</c> for the global pool).
/// </summary>
internal sealed record PoolSpec(OpKind Kind, Shape Input, int SizeH, int SizeW, int StrideH, int StrideW, int PadH, int PadW)
    : OpSpec(Kind, Input, Shape.Of(
        Input.Dimensions[0],
        ConvSpec.OutputLength(Input.Dimensions[1], SizeH, StrideH, PadH, 1),
        ConvSpec.OutputLength(Input.Dimensions[2], SizeW, StrideW, PadW, 1)))
{
    /// <summary>GlobalAvgPool2D: a window of the whole <c>[height, width]</c>, output <c>[channels, 1, 1]</c>.</summary>
    public static PoolSpec Global(Shape input) =>
        new(OpKind.GlobalAvgPool2D, input, input.Dimensions[1], input.Dimensions[2], input.Dimensions[1], input.Dimensions[2], 0, 0);

    public int Channels => Input.Dimensions[0];

    public int InHeight => Input.Dimensions[1];

    public int InWidth => Input.Dimensions[2];

    public int OutHeight => Output.Dimensions[1];

    public int OutWidth => Output.Dimensions[2];

    public override string Describe() => Kind == OpKind.GlobalAvgPool2D ? $"GlobalAvgPool2D {Input} -> {Output}" : $"{Kind} {Input} -> {Output} {Settings}";

    public override string DescribeOperation() => Kind == OpKind.GlobalAvgPool2D ? "GlobalAvgPool2D" : $"{Kind} {Settings}";

    private string Settings =>
        $"(size {ConvSpec.Size(SizeH, SizeW)}, stride {ConvSpec.Size(StrideH, StrideW)}"
        + (PadH != 0 || PadW != 0 ? $", padding {ConvSpec.Size(PadH, PadW)})" : ")");
}

/// <summary>
/// <c>Flatten</c>: <c>[channels, height, width]</c> to <c>[channels * height * width]</c> in PyTorch <c>nn.Flatten</c>
/// order. The values do not move (a sample is already one row in that order): only the shape changes.
/// </summary>
internal sealed record FlattenSpec(Shape Input) : OpSpec(OpKind.Flatten, Input, Shape.Of(Input.Elements))
{
    public override string Describe() => $"Flatten {Input} -> {Output}";

    public override string DescribeOperation() => "Flatten";
}

/// <summary>The view type a layer property is declared with.</summary>
internal enum LayerViewKind
{
    /// <summary><c>DslNets.DenseLayer</c>.</summary>
    Dense,

    /// <summary><c>DslNets.ConvLayer</c>.</summary>
    Conv,
}

/// <summary>One layer: a partial property and the operations its attributes chain, in written order.</summary>
/// <param name="PropertyName">The property's name, without <c>@</c>.</param>
/// <param name="Modifiers">The property's modifiers as written, without <c>partial</c>, repeated on the implementation part (empty: private).</param>
/// <param name="TensorPrefix">The PyTorch module name (<c>Hidden1</c> -&gt; <c>hidden1</c>).</param>
/// <param name="L1">
/// Effective L1 coefficient on this layer's weights (layer override, else class default, else 0): the Dense weight
/// matrices and the Conv2D kernels of the layer (<see cref="PenalizedWeights"/>), never biases or normalization
/// parameters.
/// </param>
/// <param name="L2">Effective L2 coefficient on the same weights.</param>
/// <param name="View">The declared property type, which the generated property returns.</param>
internal sealed record LayerSpec(
    string PropertyName,
    string Modifiers,
    string TensorPrefix,
    EquatableArray<OpSpec> Ops,
    double L1,
    double L2,
    LayerViewKind View = LayerViewKind.Dense)
{
    /// <summary>
    /// The ops whose weights L1 and L2 penalize, in order: every Dense (its <c>[Units, InFeatures]</c> matrix) and
    /// every Conv2D (its <c>[Filters, InChannels, KernelH, KernelW]</c> kernel). Biases, gains and shifts never are.
    /// </summary>
    public IEnumerable<OpSpec> PenalizedWeights => Ops.Where(op => op.Kind is OpKind.Dense or OpKind.Conv2D);
}

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
