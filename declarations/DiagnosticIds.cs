namespace DslNets.Declarations;

/// <summary>
/// Stable diagnostic IDs (never reuse one). The analyzers' descriptor catalog gives each its message and help
/// page; the comments say which message arguments <see cref="NetworkValidator"/> supplies, in order.
/// </summary>
internal static class DiagnosticIds
{
    /// <summary>Dropout or SpatialDropout before a later BatchNorm (variance shift). Analyzer-only.</summary>
    public const string DropoutBeforeBatchNorm = "DSL001";

    /// <summary>Noise rate out of range. Args: layer, operation, value, allowed range.</summary>
    public const string NoiseRateOutOfRange = "DSL002";

    /// <summary>L1/L2 coefficient negative, NaN or infinite (error; >= 1 is the analyzer's warning). Args: where, regularizer, value.</summary>
    public const string InvalidRegularization = "DSL003";

    /// <summary>Network class, a containing type or a layer property not partial. Args: kind ("class", "containing type", "layer property"), name.</summary>
    public const string NotPartial = "DSL004";

    /// <summary>Missing or non-positive size. Args: what (InputSize or InputShape, MaxBatch, Dense units of layer X, Conv2D filters, ...), value.</summary>
    public const string InvalidSize = "DSL005";

    /// <summary>Softmax not last, or with a non-cross-entropy loss. Analyzer-only.</summary>
    public const string MisplacedSoftmax = "DSL006";

    /// <summary>Dense or Conv2D bias directly followed by BatchNorm. Analyzer-only.</summary>
    public const string BiasBeforeBatchNorm = "DSL007";

    /// <summary>BatchNorm with MaxBatch &lt; 8. Analyzer-only.</summary>
    public const string BatchNormWithSmallBatch = "DSL008";

    /// <summary>Noise after the last weight layer. Analyzer-only.</summary>
    public const string NoiseOnOutputs = "DSL009";

    /// <summary>A layer property that is not an instance, get-only property of its view type. Args: layer, reason, the view type's short name.</summary>
    public const string InvalidLayerProperty = "DSL010";

    /// <summary>A network with no layer property. Args: class name.</summary>
    public const string NoLayers = "DSL011";

    /// <summary>An operation setting out of range (BatchNorm momentum/epsilon, LayerNorm epsilon, LeakyReLU slope). Args: layer, setting, value, allowed range.</summary>
    public const string InvalidOperationSetting = "DSL012";

    /// <summary>A network declared as a record, static or file-local class. Args: class name, what it is.</summary>
    public const string UnsupportedNetworkType = "DSL013";

    /// <summary>Two layers whose tensor names collide. Args: layer, earlier layer, tensor prefix.</summary>
    public const string TensorNameCollision = "DSL014";

    /// <summary>A layer or a member of the class named like a member the generator writes. Args: what, the generated member.</summary>
    public const string ReservedName = "DSL015";

    /// <summary>A buffer too large for an array (checked arithmetic). Args: network, which count, the count.</summary>
    public const string NetworkTooLarge = "DSL016";

    /// <summary>A DslNets attribute given twice on one declaration. Args: where, attribute.</summary>
    public const string DuplicateAttribute = "DSL017";

    /// <summary>
    /// A weight-normalized or scaled-cosine Dense directly followed by BatchNorm, which cancels its learned gain.
    /// Analyzer-only (info). Args: layer, the BatchNorm's layer, the Norm value, the gain tensor's name.
    /// </summary>
    public const string GainBeforeBatchNorm = "DSL018";

    /// <summary>InputShape and InputSize both given, or an InputShape whose rank is not 1 or 3 or with an entry below 1. Args: the problem, what to write instead.</summary>
    public const string InvalidInputShape = "DSL019";

    /// <summary>A convolution kernel (dilated) or pooling window larger than its padded input. Args: layer, operation, window, padded input (height x width).</summary>
    public const string WindowLargerThanInput = "DSL020";

    /// <summary>A stride or dilation below 1, which leaves no output. Args: layer, operation, setting, value.</summary>
    public const string EmptyOutput = "DSL021";

    /// <summary>A Conv2D, pooling or SpatialDropout reading a flat input. Args: layer, operation, input shape.</summary>
    public const string NeedsImageInput = "DSL022";

    /// <summary>
    /// The network's output is an image with more than one channel and more than one pixel, which the kernels hold
    /// channels last: the loss and Predict would read it in another order than PyTorch's. Args: network, output shape,
    /// last operation, its layer.
    /// </summary>
    public const string ImageOutput = "DSL023";

    /// <summary>
    /// A second operation with weights (Dense or Conv2D) in one layer property after one of another kind: both would
    /// name their tensors after the layer. Args: layer, the second operation, the first operation, the tensor prefix.
    /// </summary>
    public const string SecondWeightOperation = "DSL024";
}
