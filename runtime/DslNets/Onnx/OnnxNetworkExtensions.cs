using System;
using System.IO;
using DslNets.Onnx;
using Google.Protobuf;

namespace DslNets;

/// <summary>
/// <c>network.ExportOnnx(stream)</c> for every network: the inference graph as an ONNX model (IR version
/// <see cref="IrVersion"/>, default-domain opset <see cref="OpsetVersion"/>) that ONNX Runtime and other ONNX
/// consumers run with the same results as <see cref="INetwork.Predict(ReadOnlySpan{float}, Span{float}, int)"/>.
/// See <c>docs/onnx.md</c> for the operator mapping.
/// </summary>
public static class OnnxNetworkExtensions
{
    /// <summary>
    /// The ONNX IR version written (8: opset 17's IR, and the newest that ONNX 1.12's checker, Debian's
    /// <c>python3-onnx</c>, accepts).
    /// </summary>
    public const int IrVersion = 8;

    /// <summary>The default-domain operator set imported (17: the first with <c>LayerNormalization</c>).</summary>
    public const int OpsetVersion = 17;

    /// <summary>Name of the graph input, a FLOAT tensor <c>[batch, InputSize]</c>.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph output, a FLOAT tensor <c>[batch, OutputSize]</c>.</summary>
    public const string OutputName = "output";

    /// <summary>The symbolic name (<c>dim_param</c>) of the first dimension of input and output.</summary>
    public const string BatchDimension = "batch";

    /// <summary>The model's <c>producer_name</c>.</summary>
    public const string ProducerName = "DslNets";

    /// <summary>Metadata key holding the network's class name (<see cref="NetworkMetadata.NetworkKey"/>, as in safetensors files).</summary>
    public const string NetworkKey = NetworkMetadata.NetworkKey;

    /// <summary>Metadata key holding the network's <see cref="INetwork.Fingerprint"/> (<see cref="NetworkMetadata.FingerprintKey"/>, as in safetensors files).</summary>
    public const string FingerprintKey = NetworkMetadata.FingerprintKey;

    /// <summary>Metadata key holding the training loss (<see cref="Loss"/> member name).</summary>
    public const string LossKey = "loss";

    /// <summary>Metadata key holding the output link the graph ends with: <c>softmax</c>, <c>sigmoid</c> or <c>none</c>.</summary>
    public const string OutputLinkKey = "output_link";

    /// <summary>
    /// Writes the network's inference graph with its current weights to <paramref name="stream"/> as an ONNX
    /// <c>ModelProto</c>: the operations of <see cref="INetwork.Operations"/> in order (dense as <c>Gemm</c>,
    /// batch norm as <c>BatchNormalization</c> on the running statistics, layer norm as <c>LayerNormalization</c>,
    /// activations as their ONNX operators, dropout and noise left out), then the loss's output link, so the model
    /// computes what <see cref="INetwork.Predict(ReadOnlySpan{float}, Span{float}, int)"/> computes. Initializers
    /// carry the state-dict names of <see cref="INetwork.Tensors"/>. The same weights give the same bytes.
    /// </summary>
    /// <param name="network">Any generated network.</param>
    /// <param name="stream">A writable stream; the model is written at its current position and the stream is left open.</param>
    /// <exception cref="InvalidOperationException">The network's operations and tensors do not describe a consistent graph.</exception>
    public static void ExportOnnx(this INetwork network, Stream stream) => ExportOnnx(network, stream, OnnxExportOptions.Default);

    /// <summary>
    /// Writes the network's inference graph as <see cref="ExportOnnx(INetwork, Stream)"/> does, with
    /// <paramref name="options"/> (for instance without the output link, to export logits).
    /// </summary>
    /// <param name="network">Any generated network.</param>
    /// <param name="stream">A writable stream; the model is written at its current position and the stream is left open.</param>
    /// <param name="options">Export choices.</param>
    /// <exception cref="InvalidOperationException">The network's operations and tensors do not describe a consistent graph.</exception>
    public static void ExportOnnx(this INetwork network, Stream stream, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        if (!stream.CanWrite)
            throw new ArgumentException("The stream is not writable.", nameof(stream));

        // Build the whole model before writing a byte, so an inconsistent network leaves the stream untouched.
        OnnxModelBuilder.Build(network, options).WriteTo(stream);
    }
}
