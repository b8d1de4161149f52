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
/// One operation of a layer, with its input and output widths resolved. <see cref="Value"/> is the LeakyReLU
/// slope, the dropout / Gaussian-dropout drop probability or the Uout beta.
/// </summary>
internal sealed record OpSpec(
    OpKind Kind,
    int InFeatures,
    int OutFeatures,
    bool Bias,
    double Value,
    double Momentum,
    double Epsilon)
{
    public bool IsNoise => Kind is OpKind.Dropout or OpKind.GaussianDropout or OpKind.Uout;

    public bool IsActivation => Kind is OpKind.ReLU or OpKind.LeakyReLU or OpKind.Tanh or OpKind.Sigmoid or OpKind.Softmax;

    public bool IsNormalization => Kind is OpKind.BatchNorm or OpKind.LayerNorm;

    /// <summary>How the operation reads in a comment or fingerprint, e.g. <c>Dense 784 -&gt; 256</c>.</summary>
    public string Describe() => Kind switch
    {
        OpKind.Dense => $"Dense {InFeatures} -> {OutFeatures}{(Bias ? string.Empty : " (no bias)")}",
        OpKind.LeakyReLU => $"LeakyReLU({Format(Value)})",
        OpKind.BatchNorm => $"BatchNorm (momentum {Format(Momentum)}, eps {Format(Epsilon)})",
        OpKind.LayerNorm => $"LayerNorm (eps {Format(Epsilon)})",
        OpKind.Dropout or OpKind.GaussianDropout => $"{Kind}(p {Format(Value)})",
        OpKind.Uout => $"Uout(beta {Format(Value)})",
        _ => Kind.ToString(),
    };

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
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
    int InputSize,
    int MaxBatch,
    LossKind Loss,
    int Seed,
    EquatableArray<LayerSpec> Layers)
{
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
        text.Append("in ").Append(InputSize).Append("; loss ").Append(Loss);
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
