namespace DslNets.Declarations;

/// <summary>Metadata names of the DSL's attributes and types in the runtime assembly.</summary>
internal static class KnownNames
{
    public const string Namespace = "DslNets";
    public const string NetworkAttribute = "DslNets.NetworkAttribute";
    public const string DenseLayer = "DslNets.DenseLayer";
    public const string L1Attribute = "L1Attribute";
    public const string L2Attribute = "L2Attribute";

    /// <summary>The attribute class name (without namespace) of each operation.</summary>
    public static bool TryGetOp(string attributeClassName, out OpKind kind)
    {
        switch (attributeClassName)
        {
            case "DenseAttribute": kind = OpKind.Dense; return true;
            case "ReLUAttribute": kind = OpKind.ReLU; return true;
            case "LeakyReLUAttribute": kind = OpKind.LeakyReLU; return true;
            case "TanhAttribute": kind = OpKind.Tanh; return true;
            case "SigmoidAttribute": kind = OpKind.Sigmoid; return true;
            case "SoftmaxAttribute": kind = OpKind.Softmax; return true;
            case "BatchNormAttribute": kind = OpKind.BatchNorm; return true;
            case "LayerNormAttribute": kind = OpKind.LayerNorm; return true;
            case "DropoutAttribute": kind = OpKind.Dropout; return true;
            case "GaussianDropoutAttribute": kind = OpKind.GaussianDropout; return true;
            case "UoutAttribute": kind = OpKind.Uout; return true;
            default: kind = default; return false;
        }
    }
}
