using DslNets.Declarations;
using Microsoft.CodeAnalysis;

namespace DslNets.Analyzers;

/// <summary>
/// The one catalog of DslNets diagnostics. IDs come from <see cref="DiagnosticIds"/> and are never reused; every
/// descriptor links to its section of docs/diagnostics.md. Messages name the layer and say what to do.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Design = "DslNets.Design";
    private const string Declaration = "DslNets.Declaration";
    private const string HelpBase = "https://github.com/dslnets/dslnets/blob/main/docs/diagnostics.md#";

    /// <summary>Args: dropout's layer, the layer of the first BatchNorm after it, the dropout (Dropout or SpatialDropout).</summary>
    public static readonly DiagnosticDescriptor DropoutBeforeBatchNorm = Create(
        DiagnosticIds.DropoutBeforeBatchNorm,
        "Dropout runs before a BatchNorm",
        "{2} in layer '{0}' runs before the BatchNorm in layer '{1}', so the variance BatchNorm sees in training will not match inference; move the {2} after the last BatchNorm or use GaussianDropout or Uout",
        Design,
        DiagnosticSeverity.Warning);

    /// <summary>Args: layer, operation, value, allowed range.</summary>
    public static readonly DiagnosticDescriptor NoiseRateOutOfRange = Create(
        DiagnosticIds.NoiseRateOutOfRange,
        "Noise rate out of range",
        "{1} in layer '{0}' is set to {2}, outside {3}; choose a value in {3}",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>
    /// Args: where (class or layer), regularizer, value. An error for negative, NaN, infinite or non-constant
    /// coefficients (the validator); reported with warning severity for 1 or more (<c>LargeRegularizationAnalyzer</c>).
    /// One descriptor, so release tracking and editorconfig see one DSL003.
    /// </summary>
    public static readonly DiagnosticDescriptor InvalidRegularization = Create(
        DiagnosticIds.InvalidRegularization,
        "L1/L2 coefficient out of range",
        "{1} coefficient on '{0}' is {2}; use a finite constant in [0, 1), typically 1e-5 to 1e-2",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: kind ("class", "containing type", "layer property"), name.</summary>
    public static readonly DiagnosticDescriptor NotPartial = Create(
        DiagnosticIds.NotPartial,
        "Network declaration is not partial",
        "The {0} '{1}' must be partial so the generator can implement the network; add the 'partial' modifier",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: what (InputSize, MaxBatch, Dense units of layer X, ...), value or "missing" / "not constant".</summary>
    public static readonly DiagnosticDescriptor InvalidSize = Create(
        DiagnosticIds.InvalidSize,
        "Missing or invalid size",
        "{0}: {1}; sizes must be positive integers and DslNets attribute arguments compile-time constants",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: layer, the reason as a clause that says what to do.</summary>
    public static readonly DiagnosticDescriptor MisplacedSoftmax = Create(
        DiagnosticIds.MisplacedSoftmax,
        "Softmax is not last or does not match the loss",
        "Softmax in layer '{0}' {1}",
        Design,
        DiagnosticSeverity.Warning);

    /// <summary>Args: layer, the layer holding the BatchNorm, the operation (Dense or Conv2D).</summary>
    public static readonly DiagnosticDescriptor BiasBeforeBatchNorm = Create(
        DiagnosticIds.BiasBeforeBatchNorm,
        "Dense or Conv2D bias is cancelled by the BatchNorm after it",
        "The bias of {2} in layer '{0}' is cancelled by the BatchNorm right after it (in layer '{1}'), which subtracts the mean and adds its own shift; set Bias = false",
        Design,
        DiagnosticSeverity.Info);

    /// <summary>Args: layer, the BatchNorm's layer, the Norm value (Weight, ScaledCosine), the gain tensor (weight_g, scale).</summary>
    public static readonly DiagnosticDescriptor GainBeforeBatchNorm = Create(
        DiagnosticIds.GainBeforeBatchNorm,
        "Normalized Dense gain is cancelled by the BatchNorm after it",
        "The gain {3} of Dense(Norm = DenseNorm.{2}) in layer '{0}' is cancelled by the BatchNorm right after it (in layer '{1}'), which divides each feature by its batch standard deviation; remove the Norm setting or the BatchNorm",
        Design,
        DiagnosticSeverity.Info);

    /// <summary>Args: layer, MaxBatch.</summary>
    public static readonly DiagnosticDescriptor BatchNormWithSmallBatch = Create(
        DiagnosticIds.BatchNormWithSmallBatch,
        "BatchNorm with a batch smaller than 8",
        "BatchNorm in layer '{0}' computes its statistics over at most {1} samples (MaxBatch = {1}), which is noise; use LayerNorm or raise MaxBatch to at least 8",
        Design,
        DiagnosticSeverity.Warning);

    /// <summary>Args: layer, noise operation, layer of the last weight operation, that operation (Dense or Conv2D).</summary>
    public static readonly DiagnosticDescriptor NoiseOnOutputs = Create(
        DiagnosticIds.NoiseOnOutputs,
        "Noise after the last weight layer",
        "{1} in layer '{0}' runs after the last {3} (in layer '{2}') and perturbs the network's outputs; remove it or move it before the last {3}",
        Design,
        DiagnosticSeverity.Warning);

    /// <summary>Args: layer, reason, the view type the layer's property must have (short name).</summary>
    public static readonly DiagnosticDescriptor InvalidLayerProperty = Create(
        DiagnosticIds.InvalidLayerProperty,
        "Invalid layer property",
        "Layer property '{0}' is invalid because {1}; declare it as a get-only instance property 'public partial {2} {0} {{ get; }}'",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: class name.</summary>
    public static readonly DiagnosticDescriptor NoLayers = Create(
        DiagnosticIds.NoLayers,
        "Network without layers",
        "Network '{0}' declares no layers; add a 'partial DenseLayer' property with layer attributes such as [Dense(10)]",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: layer, setting, value, allowed values.</summary>
    public static readonly DiagnosticDescriptor InvalidOperationSetting = Create(
        DiagnosticIds.InvalidOperationSetting,
        "Operation setting out of range",
        "{1} of layer '{0}' is {2}; change it to one of the allowed values: {3}",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: class name, what it is instead of a partial class.</summary>
    public static readonly DiagnosticDescriptor UnsupportedNetworkType = Create(
        DiagnosticIds.UnsupportedNetworkType,
        "Unsupported network type",
        "Network '{0}' is {1}; declare it as a 'partial class'",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: layer, earlier layer with the same tensor prefix, the prefix.</summary>
    public static readonly DiagnosticDescriptor TensorNameCollision = Create(
        DiagnosticIds.TensorNameCollision,
        "Two layers have the same tensor names",
        "Layers '{1}' and '{0}' both name their tensors '{2}.*' (the snake_case of the layer name), so Save, Load and ExportOnnx cannot tell them apart; rename layer '{0}'",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: what ("Layer 'Parameters'", "Member 'Predict'", "The parameterless constructor of 'Net'"), the generated member it collides with.</summary>
    public static readonly DiagnosticDescriptor ReservedName = Create(
        DiagnosticIds.ReservedName,
        "Layer or member named like a generated member",
        "{0} collides with {1}, which the generator writes into the network class; rename or remove it",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: network, which count, the count.</summary>
    public static readonly DiagnosticDescriptor NetworkTooLarge = Create(
        DiagnosticIds.NetworkTooLarge,
        "Network too large for an array",
        "In network '{0}', {1} is {2}, more than the 2,147,483,591 elements an array can hold; use narrower layers or a smaller MaxBatch",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: where (class or layer), attribute name.</summary>
    public static readonly DiagnosticDescriptor DuplicateAttribute = Create(
        DiagnosticIds.DuplicateAttribute,
        "DslNets attribute given twice",
        "[{1}] is given more than once on '{0}', and each DslNets attribute may appear once per declaration; keep one, and put a second operation of the same kind in a new layer property",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: the problem, what to write instead.</summary>
    public static readonly DiagnosticDescriptor InvalidInputShape = Create(
        DiagnosticIds.InvalidInputShape,
        "Invalid InputShape",
        "{0}; {1}",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: layer, operation, window, padded input (height x width).</summary>
    public static readonly DiagnosticDescriptor WindowLargerThanInput = Create(
        DiagnosticIds.WindowLargerThanInput,
        "Convolution kernel or pooling window larger than its input",
        "{1} in layer '{0}' has a {2} larger than its padded input {3}, so it has no output; use a smaller window, more padding, or fewer downsampling layers before it",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: layer, operation, setting, value.</summary>
    public static readonly DiagnosticDescriptor EmptyOutput = Create(
        DiagnosticIds.EmptyOutput,
        "Stride or dilation below 1",
        "{1} in layer '{0}' has {2} = {3}, which leaves no output; use 1 or more",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: layer, operation, input shape.</summary>
    public static readonly DiagnosticDescriptor NeedsImageInput = Create(
        DiagnosticIds.NeedsImageInput,
        "Image operation on a flat input",
        "{1} in layer '{0}' needs a [channels, height, width] input but reads {2}; give the network InputShape = new[] {{ channels, height, width }} and put {1} before any Dense or Flatten",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: network, output shape, last operation, its layer.</summary>
    public static readonly DiagnosticDescriptor ImageOutput = Create(
        DiagnosticIds.ImageOutput,
        "Network ends on an image",
        "Network '{0}' ends on a {1} image after {2} in layer '{3}'; end it with Flatten, GlobalAvgPool2D or a Dense so that its outputs are flat",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>Args: layer, the second operation, the first operation, the tensor prefix.</summary>
    public static readonly DiagnosticDescriptor SecondWeightOperation = Create(
        DiagnosticIds.SecondWeightOperation,
        "Two operations with weights in one layer",
        "{1} in layer '{0}' follows {2} in the same layer, and both would name their tensors '{3}.weight' and '{3}.bias'; move {1} to a new layer property",
        Declaration,
        DiagnosticSeverity.Error);

    /// <summary>The descriptor that reports a validator problem with <paramref name="id"/> (all are errors).</summary>
    public static DiagnosticDescriptor? ForProblem(string id) => id switch
    {
        DiagnosticIds.NoiseRateOutOfRange => NoiseRateOutOfRange,
        DiagnosticIds.InvalidRegularization => InvalidRegularization,
        DiagnosticIds.NotPartial => NotPartial,
        DiagnosticIds.InvalidSize => InvalidSize,
        DiagnosticIds.InvalidLayerProperty => InvalidLayerProperty,
        DiagnosticIds.NoLayers => NoLayers,
        DiagnosticIds.InvalidOperationSetting => InvalidOperationSetting,
        DiagnosticIds.UnsupportedNetworkType => UnsupportedNetworkType,
        DiagnosticIds.TensorNameCollision => TensorNameCollision,
        DiagnosticIds.ReservedName => ReservedName,
        DiagnosticIds.NetworkTooLarge => NetworkTooLarge,
        DiagnosticIds.DuplicateAttribute => DuplicateAttribute,
        DiagnosticIds.InvalidInputShape => InvalidInputShape,
        DiagnosticIds.WindowLargerThanInput => WindowLargerThanInput,
        DiagnosticIds.EmptyOutput => EmptyOutput,
        DiagnosticIds.NeedsImageInput => NeedsImageInput,
        DiagnosticIds.ImageOutput => ImageOutput,
        DiagnosticIds.SecondWeightOperation => SecondWeightOperation,
        _ => null,
    };

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
