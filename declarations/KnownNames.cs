using System.Collections.Generic;

namespace DslNets.Declarations;

/// <summary>Metadata names of the DSL's attributes and types in the runtime assembly.</summary>
internal static class KnownNames
{
    public const string Namespace = "DslNets";
    public const string NetworkAttribute = "DslNets.NetworkAttribute";
    public const string DenseLayer = "DslNets.DenseLayer";
    public const string ConvLayer = "DslNets.ConvLayer";
    public const string L1Attribute = "L1Attribute";
    public const string L2Attribute = "L2Attribute";

    /// <summary>
    /// The attribute class name (without namespace) of each operation but the elementwise activations, which
    /// <see cref="Activations"/> lists. The catalog test checks both lists against the runtime's attribute classes,
    /// <see cref="OpKind"/> and the runtime's <c>OperationKind</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, OpKind> OpAttributes = new Dictionary<string, OpKind>
    {
        ["DenseAttribute"] = OpKind.Dense,
        ["SoftmaxAttribute"] = OpKind.Softmax,
        ["BatchNormAttribute"] = OpKind.BatchNorm,
        ["LayerNormAttribute"] = OpKind.LayerNorm,
        ["DropoutAttribute"] = OpKind.Dropout,
        ["GaussianDropoutAttribute"] = OpKind.GaussianDropout,
        ["UoutAttribute"] = OpKind.Uout,
        ["Conv2DAttribute"] = OpKind.Conv2D,
        ["MaxPool2DAttribute"] = OpKind.MaxPool2D,
        ["AvgPool2DAttribute"] = OpKind.AvgPool2D,
        ["GlobalAvgPool2DAttribute"] = OpKind.GlobalAvgPool2D,
        ["FlattenAttribute"] = OpKind.Flatten,
        ["SpatialDropoutAttribute"] = OpKind.SpatialDropout,
    };

    /// <summary>
    /// The operation an attribute class (name without namespace) declares, if any, and for
    /// <see cref="OpKind.Activation"/> which one.
    /// </summary>
    public static bool TryGetOp(string attributeClassName, out OpKind kind, out Activation? activation)
    {
        activation = Activations.FindByAttribute(attributeClassName);
        if (activation is not null)
        {
            kind = OpKind.Activation;
            return true;
        }

        return OpAttributes.TryGetValue(attributeClassName, out kind);
    }
}
