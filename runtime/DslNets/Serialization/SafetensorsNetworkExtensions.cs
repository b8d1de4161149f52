using System;
using System.Collections.Generic;
using System.IO;
using DslNets.Serialization;

namespace DslNets;

/// <summary>
/// <c>network.Save(stream)</c> and <c>network.Load(stream)</c> for every network: weights in safetensors format
/// under PyTorch state-dict names, so they move to and from <c>torch.nn.Module.state_dict()</c> with
/// <c>safetensors.torch.save_file</c> / <c>load_file</c>.
/// </summary>
public static class SafetensorsNetworkExtensions
{
    /// <summary>Metadata key holding the network's class name (<see cref="NetworkMetadata.NetworkKey"/>).</summary>
    public const string NetworkKey = NetworkMetadata.NetworkKey;

    /// <summary>Metadata key holding the network's <see cref="INetwork.Fingerprint"/> (<see cref="NetworkMetadata.FingerprintKey"/>).</summary>
    public const string FingerprintKey = NetworkMetadata.FingerprintKey;

    /// <summary>Metadata key holding the tensor layout convention (<c>pt</c>, as PyTorch writes it).</summary>
    public const string FormatKey = "format";

    /// <summary>
    /// Writes every tensor of <see cref="INetwork.Tensors"/> (parameters from <see cref="INetwork.Parameters"/>,
    /// running statistics from <see cref="INetwork.Buffers"/>) as little-endian F32 under its state-dict name, with
    /// <c>__metadata__ = {"fingerprint": ..., "format": "pt", "network": ...}</c>. Same weights, same bytes.
    /// </summary>
    public static void Save(this INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        ReadOnlySpan<float> parameters = network.Parameters;
        ReadOnlySpan<float> buffers = network.Buffers;
        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (TensorInfo info in network.Tensors)
        {
            ReadOnlySpan<float> buffer = info.IsParameter ? parameters : buffers;
            ReadOnlySpan<float> values = buffer[Locate(info, buffer.Length, network)];
            if (!tensors.TryAdd(info.Name, SafetensorsTensor.FromSingles(values, ToLongs(info.Shape))))
                throw new InvalidOperationException($"Network {network.Name} lists the tensor '{info.Name}' twice.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = "pt",
            [NetworkKey] = network.Name,
            [FingerprintKey] = network.Fingerprint,
        };
        new SafetensorsFile(tensors, metadata).Write(stream);
    }

    /// <summary>
    /// Writes the weights as <see cref="Save(INetwork, Stream)"/> does, to the file <paramref name="path"/>, so that a
    /// failed save never leaves a half-written weights file: the bytes go to a new temporary file in the same folder
    /// (<c>path.random.tmp</c>), are flushed to disk, and only then is the temporary file renamed over
    /// <paramref name="path"/> (a rename within one file system replaces the file in one step). If anything fails
    /// the temporary file is removed and <paramref name="path"/> is as it was (the previous weights, or no file).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">The folder is not writable, the disk is full, ...</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to create files in the folder.</exception>
    public static void Save(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(fullPath);
        if (directory is not null && !Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save the weights to '{path}': the folder '{directory}' does not exist.");
        string temporary = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                network.Save(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            // The original error is what the caller needs; a temporary file that cannot be removed must not hide it.
            if (File.Exists(temporary))
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            throw;
        }
    }

    /// <summary>Reads weights from the file <paramref name="path"/>, as <see cref="Load(INetwork, Stream)"/> does (a failed load changes nothing).</summary>
    public static void Load(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using FileStream stream = File.OpenRead(path);
        network.Load(stream);
    }

    /// <summary>
    /// Reads weights written by <see cref="Save(INetwork, Stream)"/> or by PyTorch (<c>safetensors.torch.save_file(model.state_dict(), path)</c>).
    /// The whole file is validated first (see <see cref="SafetensorsFile.Read"/>), then checked against the network:
    /// every tensor of <see cref="INetwork.Tensors"/> present as F32 with exactly its shape, no other tensors,
    /// <c>format</c> (when present) is <c>pt</c> and <c>fingerprint</c> (when present) equals
    /// <see cref="INetwork.Fingerprint"/>. The network's class name is informational and not compared, so a renamed
    /// class still loads its weights. Only then are <see cref="INetwork.Parameters"/> and
    /// <see cref="INetwork.Buffers"/> overwritten and <see cref="INetwork.OnParametersChanged"/> called; on any
    /// failure the network keeps its previous weights.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">What is wrong, naming the tensor and the expected and found values.</exception>
    public static void Load(this INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        SafetensorsFile file = SafetensorsFile.Read(stream);

        if (file.Metadata is { } metadata)
        {
            if (metadata.TryGetValue(FormatKey, out string? format) && format != "pt")
            {
                throw new SafetensorsFormatException(
                    $"The file's format is '{format}'; only 'pt' (PyTorch layout, dense weights [out, in]) can be loaded.");
            }

            if (metadata.TryGetValue(FingerprintKey, out string? fingerprint) && fingerprint != network.Fingerprint)
            {
                throw new SafetensorsFormatException(
                    $"The file was saved from a network with fingerprint '{fingerprint}'; {network.Name} has '{network.Fingerprint}'.");
            }
        }

        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorInfo info in network.Tensors)
        {
            expected.Add(info.Name);
            string expectedShape = FormatShape(ToLongs(info.Shape));
            if (!file.Tensors.TryGetValue(info.Name, out SafetensorsTensor? tensor))
                throw new SafetensorsFormatException($"Tensor '{info.Name}' is missing: expected F32 {expectedShape}.", info.Name);
            if (tensor.DType != SafetensorsDType.F32)
                throw new SafetensorsFormatException($"Tensor '{info.Name}' has dtype {tensor.DType}; expected F32.", info.Name);
            if (!ShapeEquals(tensor.Shape, info.Shape))
                throw new SafetensorsFormatException($"Tensor '{info.Name}' has shape {FormatShape(tensor.Shape)}; expected {expectedShape}.", info.Name);
        }

        foreach ((string name, SafetensorsTensor tensor) in file.Tensors)
        {
            if (IsPyTorchBatchCounter(name, tensor, expected))
                continue;
            if (!expected.Contains(name))
                throw new SafetensorsFormatException($"Tensor '{name}' ({tensor.DType} {FormatShape(tensor.Shape)}) is not a tensor of {network.Name}.", name);
        }

        // Decode into scratch copies first; the network's buffers change only after everything succeeded.
        float[] parameters = network.Parameters.ToArray();
        float[] buffers = network.Buffers.ToArray();
        foreach (TensorInfo info in network.Tensors)
        {
            Span<float> destination = info.IsParameter ? parameters : buffers;
            SafetensorsTensor.ReadSingles(file.Tensors[info.Name].Data, destination[Locate(info, destination.Length, network)]);
        }

        parameters.CopyTo(network.Parameters);
        buffers.CopyTo(network.Buffers);
        network.OnParametersChanged();
    }

    /// <summary>
    /// PyTorch's BatchNorm keeps an int64 scalar <c>num_batches_tracked</c> next to its running statistics. DslNets
    /// uses a fixed momentum and has no such counter, so a state dict saved by PyTorch loads with it ignored.
    /// </summary>
    private static bool IsPyTorchBatchCounter(string name, SafetensorsTensor tensor, HashSet<string> expected)
    {
        const string Suffix = ".num_batches_tracked";
        return name.EndsWith(Suffix, StringComparison.Ordinal)
            && tensor.DType == SafetensorsDType.I64
            && tensor.Shape.Length == 0
            && expected.Contains(name[..^Suffix.Length] + ".running_mean");
    }

    // A tensor outside its buffer is a bug in the network's description, not in the file.
    private static Range Locate(TensorInfo info, int bufferLength, INetwork network)
    {
        if (info.Offset < 0 || info.Length < 0 || info.Offset > bufferLength - info.Length)
        {
            throw new InvalidOperationException(
                $"Network {network.Name} describes tensor '{info.Name}' at [{info.Offset}, {info.Offset + info.Length}) outside its {(info.IsParameter ? "parameter" : "buffer")} span of {bufferLength}.");
        }

        return new Range(info.Offset, info.Offset + info.Length);
    }

    private static long[] ToLongs(int[] shape) => Array.ConvertAll(shape, dimension => (long)dimension);

    private static bool ShapeEquals(long[] found, int[] expected)
    {
        if (found.Length != expected.Length)
            return false;
        for (int i = 0; i < found.Length; i++)
        {
            if (found[i] != expected[i])
                return false;
        }

        return true;
    }

    private static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
