namespace DslNets;

/// <summary>Choices for <see cref="OnnxNetworkExtensions.ExportOnnx(INetwork, System.IO.Stream, OnnxExportOptions)"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The options <see cref="OnnxNetworkExtensions.ExportOnnx(INetwork, System.IO.Stream)"/> uses.</summary>
    public static OnnxExportOptions Default { get; } = new();

    /// <summary>
    /// Whether the graph ends with the loss's output link, as <see cref="INetwork.Predict(System.ReadOnlySpan{float}, System.Span{float}, int)"/>
    /// does: softmax probabilities for <see cref="Loss.SoftmaxCrossEntropy"/>, sigmoid probabilities for
    /// <see cref="Loss.BinaryCrossEntropy"/>, nothing for <see cref="Loss.MeanSquaredError"/>. <see langword="true"/>
    /// by default. <see langword="false"/> exports the logits the loss receives (a trailing <c>Softmax</c> that
    /// softmax cross-entropy fuses is left out too), for consumers that only need the arg max or apply their own link.
    /// </summary>
    public bool IncludeOutputLink { get; init; } = true;
}
