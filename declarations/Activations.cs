using System;
using System.Collections.Generic;

namespace DslNets.Declarations;

/// <summary>
/// The catalog of elementwise activations: everything the parser, the generator, the analyzers and the runtime's
/// ONNX exporter know about one, in one entry. An activation also needs, outside this file, its attribute class
/// (<c>{Name}Attribute</c>), its runtime <c>OperationKind.{Name}</c> and its two kernels
/// <c>ActivationKernels.{Name}Forward/Backward</c>; the catalog tests fail when one is missing, and the
/// catalog-driven tests check every entry's kernels, generated network and ONNX graph (docs/extending.md).
/// </summary>
/// <remarks>
/// Linked into the generator and the analyzers (with the rest of <c>declarations/</c>) and into the runtime (for the
/// ONNX decomposition), so it uses nothing but the base library and no Roslyn type.
/// </remarks>
internal static class Activations
{
    /// <summary><c>max(x, 0)</c>.</summary>
    public static readonly Activation ReLU = new("ReLU", "nn.ReLU()", OnnxTerm.Node("Relu", OnnxTerm.X))
    {
        HeInitialization = true,
    };

    /// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>slope * x</c>; backward reads the input (a slope of 0 or less hides the sign in the output).</summary>
    public static readonly Activation LeakyReLU = new("LeakyReLU", "nn.LeakyReLU(negative_slope)", OnnxTerm.Node("LeakyRelu", OnnxTerm.X).WithSlope("alpha"))
    {
        DefaultSlope = 0.01,
        HeInitialization = true,
        BackwardReadsInput = true,
    };

    /// <summary>Hyperbolic tangent.</summary>
    public static readonly Activation Tanh = new("Tanh", "nn.Tanh()", OnnxTerm.Node("Tanh", OnnxTerm.X));

    /// <summary>Logistic sigmoid.</summary>
    public static readonly Activation Sigmoid = new("Sigmoid", "nn.Sigmoid()", OnnxTerm.Node("Sigmoid", OnnxTerm.X));

    /// <summary>
    /// <c>x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt 2))</c>, PyTorch's exact form. Opset 17 has no <c>Gelu</c>: the
    /// graph is <c>Mul(Mul(x, 0.5), Add(Erf(Mul(x, 1 / sqrt 2)), 1))</c>. Backward reads the input.
    /// </summary>
    public static readonly Activation GELU = new(
        "GELU",
        "nn.GELU()",
        OnnxTerm.Node(
            "Mul",
            OnnxTerm.Node("Mul", OnnxTerm.X, OnnxTerm.Scalar(0.5f)),
            OnnxTerm.Node("Add", OnnxTerm.Node("Erf", OnnxTerm.Node("Mul", OnnxTerm.X, OnnxTerm.Scalar(0.70710677f))), OnnxTerm.Scalar(1f))))
    {
        BackwardReadsInput = true,
    };

    /// <summary>Every activation, in the order the docs list them.</summary>
    public static readonly IReadOnlyList<Activation> All = new[] { ReLU, LeakyReLU, Tanh, Sigmoid, GELU };

    /// <summary>The activation whose attribute class (name without namespace) is <paramref name="attributeClassName"/>, or null.</summary>
    public static Activation? FindByAttribute(string attributeClassName)
    {
        foreach (Activation activation in All)
        {
            if (activation.AttributeClassName == attributeClassName)
                return activation;
        }

        return null;
    }

    /// <summary>The activation named <paramref name="name"/> (its <c>OperationKind</c> member), or null.</summary>
    public static Activation? Find(string name)
    {
        foreach (Activation activation in All)
        {
            if (activation.Name == name)
                return activation;
        }

        return null;
    }
}

/// <summary>One elementwise activation of the catalog (<see cref="Activations"/>). Compared by reference: each exists once.</summary>
internal sealed class Activation
{
    /// <param name="name">The name: of the attribute class without <c>Attribute</c>, of the runtime's <c>OperationKind</c> member and of the kernels.</param>
    /// <param name="pyTorch">The PyTorch module it matches, for the docs.</param>
    /// <param name="onnx">Its inference graph in ONNX operators, reading <see cref="OnnxTerm.X"/>.</param>
    public Activation(string name, string pyTorch, OnnxTerm onnx)
    {
        Name = name;
        PyTorch = pyTorch;
        Onnx = onnx;
    }

    /// <summary>The name: <c>{Name}Attribute</c>, <c>OperationKind.{Name}</c>, <c>ActivationKernels.{Name}Forward/Backward</c>.</summary>
    public string Name { get; }

    /// <summary>The attribute class's name without namespace.</summary>
    public string AttributeClassName => Name + "Attribute";

    /// <summary>The stem of the kernel pair <c>ActivationKernels.{KernelStem}Forward/Backward</c>.</summary>
    public string KernelStem => Name;

    /// <summary>The PyTorch module it matches, e.g. <c>nn.GELU()</c>.</summary>
    public string PyTorch { get; }

    /// <summary>
    /// Null when the activation has no setting; else it takes a slope (the attribute's only, optional constructor
    /// argument, whose default this is) that the kernels receive after the input and <c>OperationInfo.NegativeSlope</c>
    /// reports.
    /// </summary>
    public double? DefaultSlope { get; init; }

    /// <summary>Whether it takes a slope (<see cref="DefaultSlope"/>).</summary>
    public bool HasSlope => DefaultSlope.HasValue;

    /// <summary>Whether a dense layer or convolution right before it starts He-uniform (the ReLU family) rather than Glorot-uniform.</summary>
    public bool HeInitialization { get; init; }

    /// <summary>
    /// Whether the backward kernel reads the op's input; otherwise it reads the op's output (which must then determine
    /// the derivative, as for ReLU, Tanh and Sigmoid). The third span argument of <c>{KernelStem}Backward</c>.
    /// </summary>
    public bool BackwardReadsInput { get; init; }

    /// <summary>Its inference graph in standard ONNX operators (the exporter's opset), reading <see cref="OnnxTerm.X"/>.</summary>
    public OnnxTerm Onnx { get; }
}

/// <summary>
/// A small ONNX expression: the activation's input <see cref="X"/>, a float <see cref="Scalar"/> (a <c>Constant</c>
/// node) or an operator node over other terms, optionally with the op's slope as a float attribute. The exporter
/// writes one node per operator and constant, named after the layer.
/// </summary>
internal sealed class OnnxTerm
{
    /// <summary>The activation's input.</summary>
    public static readonly OnnxTerm X = new(null, 0f, Array.Empty<OnnxTerm>(), null);

    private OnnxTerm(string? opType, float value, OnnxTerm[] inputs, string? slopeAttribute)
    {
        OpType = opType;
        Value = value;
        Inputs = inputs;
        SlopeAttribute = slopeAttribute;
    }

    /// <summary>The operator, e.g. <c>Erf</c>; <c>Constant</c> for a scalar; null for <see cref="X"/>.</summary>
    public string? OpType { get; }

    /// <summary>A scalar's value.</summary>
    public float Value { get; }

    /// <summary>An operator's inputs, in order.</summary>
    public IReadOnlyList<OnnxTerm> Inputs { get; }

    /// <summary>The float attribute of the operator that receives the op's slope (<c>alpha</c> of <c>LeakyRelu</c>), or null.</summary>
    public string? SlopeAttribute { get; }

    public bool IsInput => OpType is null;

    public bool IsScalar => OpType == "Constant";

    public static OnnxTerm Node(string opType, params OnnxTerm[] inputs) => new(opType, 0f, inputs, null);

    public static OnnxTerm Scalar(float value) => new("Constant", value, Array.Empty<OnnxTerm>(), null);

    /// <summary>This operator with the op's slope as its float attribute <paramref name="attribute"/>.</summary>
    public OnnxTerm WithSlope(string attribute) => new(OpType, Value, (OnnxTerm[])Inputs, attribute);
}
