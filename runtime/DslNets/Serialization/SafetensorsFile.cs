using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DslNets.Serialization;

/// <summary>
/// Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian header length
/// <c>N</c>, <c>N</c> bytes of UTF-8 JSON mapping tensor names to <c>{"dtype", "shape", "data_offsets"}</c> (plus an
/// optional <c>__metadata__</c> object of strings), then the tensor bytes, whose offsets are relative to the end of
/// the header.
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>The largest header the reader accepts, as in the reference implementation.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The key of the metadata entry in the header.</summary>
    public const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Creates a file model from tensors and optional metadata.</summary>
    public SafetensorsFile(IReadOnlyDictionary<string, SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries, or null when the header has none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; }

    /// <summary>
    /// Reads a whole safetensors file from the current position of <paramref name="stream"/> to its end and checks
    /// every rule of the format: at least 8 bytes; header length at most <see cref="MaxHeaderLength"/> and inside the
    /// file; the header is UTF-8 JSON, an object starting with <c>{</c>, without duplicate names; <c>__metadata__</c>
    /// maps strings to strings; every tensor entry has exactly a known <c>dtype</c>, a <c>shape</c> of non-negative
    /// integers and two <c>data_offsets</c>; in offset order the tensors start at 0 and each starts where the
    /// previous ended; <c>end - begin == elements * dtype size</c> (overflow-checked); and the data ends exactly at
    /// the end of the file.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The first rule the file breaks, naming the tensor when there is one.</exception>
    public static SafetensorsFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;

        byte[] prefix = StreamBytes.ReadUpTo(stream, 8);
        if (prefix.Length < 8)
            throw new SafetensorsFormatException($"The file is {prefix.Length} bytes long; a safetensors file starts with an 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
            throw new SafetensorsFormatException($"The header length is {headerLength} bytes; at most {MaxHeaderLength} is accepted.");
        if (available is { } total && headerLength > (ulong)(total - 8))
            throw new SafetensorsFormatException($"The header length is {headerLength} bytes but only {total - 8} bytes follow the length field.");
        byte[] header = StreamBytes.ReadUpTo(stream, (long)headerLength);
        if ((ulong)header.Length != headerLength)
            throw new SafetensorsFormatException($"The header length is {headerLength} bytes but only {header.Length} bytes follow the length field.");

        (Dictionary<string, string>? metadata, List<Entry> entries) = ParseHeader(header);
        ulong dataLength = ValidateLayout(entries);

        if (available is { } size && (ulong)(size - 8 - (long)headerLength) != dataLength)
        {
            throw new SafetensorsFormatException(
                $"The header describes {dataLength} data bytes but {size - 8 - (long)headerLength} bytes follow it; the file must end exactly where the last tensor does.");
        }

        if (dataLength > (ulong)Array.MaxLength)
            throw new SafetensorsFormatException($"The tensors take {dataLength} bytes, more than can be loaded into memory.");
        byte[] data = StreamBytes.ReadUpTo(stream, (long)dataLength);
        if ((ulong)data.Length != dataLength)
            throw new SafetensorsFormatException($"The header describes {dataLength} data bytes but the file ends after {data.Length}: the file is truncated.");
        if (!stream.CanSeek && StreamBytes.HasMore(stream))
            throw new SafetensorsFormatException($"The file continues after the {dataLength} data bytes the header describes; the file must end exactly where the last tensor does.");

        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (Entry entry in entries)
        {
            byte[] bytes = data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin)).ToArray();
            tensors.Add(entry.Name, new SafetensorsTensor(entry.DType, entry.Shape, bytes));
        }

        return new SafetensorsFile(tensors, metadata);
    }

    /// <summary>
    /// Writes the tensors as the reference writer lays them out: tensors sorted by dtype (larger types first; all
    /// F32 in a network) and then by name (ordinal), the header as compact JSON with <c>__metadata__</c> first (keys
    /// sorted), padded with spaces to a multiple of 8 bytes, then the data back to back. The same input always
    /// gives the same bytes.
    /// </summary>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<KeyValuePair<string, SafetensorsTensor>> ordered = Tensors
            .OrderByDescending(pair => pair.Value.DType)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .ToList();

        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (Metadata is not null)
            {
                writer.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> pair in Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                    writer.WriteString(pair.Key, pair.Value);
                writer.WriteEndObject();
            }

            long offset = 0;
            foreach ((string name, SafetensorsTensor tensor) in ordered)
            {
                if (name.Length == 0 || name == MetadataKey)
                    throw new ArgumentException($"'{name}' cannot be a tensor name.", nameof(Tensors));
                writer.WriteStartObject(name);
                writer.WriteString("dtype", tensor.DType.ToString());
                writer.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                    writer.WriteNumberValue(dimension);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        int padding = (8 - json.WrittenCount % 8) % 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.WrittenCount + padding));
        stream.Write(prefix);
        stream.Write(json.WrittenSpan);
        for (int i = 0; i < padding; i++)
            stream.WriteByte((byte)' ');
        foreach ((_, SafetensorsTensor tensor) in ordered)
            stream.Write(tensor.Data);
    }

    private static (Dictionary<string, string>? Metadata, List<Entry> Entries) ParseHeader(byte[] header)
    {
        try
        {
            StrictUtf8.GetCharCount(header);
        }
        catch (DecoderFallbackException e)
        {
            throw new SafetensorsFormatException($"The header is not valid UTF-8 (at byte {e.Index}).", innerException: e);
        }

        if (header.Length == 0 || header[0] != (byte)'{')
            throw new SafetensorsFormatException("The header must be a JSON object starting with '{'.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException($"The header is not valid JSON: {e.Message}", innerException: e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException($"The header must be a JSON object, found {root.ValueKind}.");

            Dictionary<string, string>? metadata = null;
            var entries = new List<Entry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new SafetensorsFormatException($"The header names '{property.Name}' twice.", property.Name);
                if (property.Name == MetadataKey)
                    metadata = ParseMetadata(property.Value);
                else
                    entries.Add(ParseEntry(property.Name, property.Value));
            }

            return (metadata, entries);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException($"{MetadataKey} must be an object of strings, found {value.ValueKind}.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException($"{MetadataKey}['{property.Name}'] must be a string, found {property.Value.ValueKind}.");
            if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
                throw new SafetensorsFormatException($"{MetadataKey} names '{property.Name}' twice.");
        }

        return metadata;
    }

    private static Entry ParseEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException($"Tensor '{name}' must be described by an object, found {value.ValueKind}.", name);
        string? dtypeText = null;
        long[]? shape = null;
        ulong[]? offsets = null;
        foreach (JsonProperty property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "dtype" when dtypeText is null:
                    if (property.Value.ValueKind != JsonValueKind.String)
                        throw new SafetensorsFormatException($"Tensor '{name}': dtype must be a string, found {property.Value.ValueKind}.", name);
                    dtypeText = property.Value.GetString()!;
                    break;
                case "shape" when shape is null:
                    ulong[] dimensions = ParseIntegers(name, "shape", property.Value);
                    shape = new long[dimensions.Length];
                    for (int i = 0; i < dimensions.Length; i++)
                    {
                        if (dimensions[i] > long.MaxValue)
                            throw new SafetensorsFormatException($"Tensor '{name}': dimension {dimensions[i]} is too large.", name);
                        shape[i] = (long)dimensions[i];
                    }

                    break;
                case "data_offsets" when offsets is null:
                    offsets = ParseIntegers(name, "data_offsets", property.Value);
                    if (offsets.Length != 2)
                        throw new SafetensorsFormatException($"Tensor '{name}': data_offsets must be [begin, end], found {offsets.Length} numbers.", name);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new SafetensorsFormatException($"Tensor '{name}' gives '{property.Name}' twice.", name);
                default:
                    throw new SafetensorsFormatException($"Tensor '{name}' has an unknown field '{property.Name}'; expected dtype, shape and data_offsets.", name);
            }
        }

        if (dtypeText is null || shape is null || offsets is null)
        {
            string missing = dtypeText is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new SafetensorsFormatException($"Tensor '{name}' has no '{missing}'.", name);
        }

        if (!SafetensorsDTypes.TryParse(dtypeText, out SafetensorsDType dtype))
            throw new SafetensorsFormatException($"Tensor '{name}' has unknown dtype '{dtypeText}'.", name);
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static ulong[] ParseIntegers(string name, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException($"Tensor '{name}': {field} must be an array of non-negative integers, found {value.ValueKind}.", name);
        var numbers = new ulong[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetUInt64(out numbers[i]))
                throw new SafetensorsFormatException($"Tensor '{name}': {field}[{i}] must be a non-negative integer, found {element.GetRawText()}.", name);
            i++;
        }

        return numbers;
    }

    // Orders the entries by data_offsets and checks they tile [0, end) exactly; returns end.
    private static ulong ValidateLayout(List<Entry> entries)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        ulong position = 0;
        string? previous = null;
        foreach (Entry entry in entries)
        {
            if (entry.Begin != position)
            {
                string where = previous is null
                    ? "the first tensor in data order must start at 0"
                    : $"the previous tensor in data order ('{previous}') ends at {position}; tensors must follow each other without gaps or overlaps";
                throw new SafetensorsFormatException(
                    $"Tensor '{entry.Name}' has data_offsets [{entry.Begin}, {entry.End}]: {where}.", entry.Name);
            }

            if (entry.End < entry.Begin)
                throw new SafetensorsFormatException($"Tensor '{entry.Name}' has data_offsets [{entry.Begin}, {entry.End}]: the end is before the begin.", entry.Name);

            ulong bytes;
            try
            {
                ulong elements = 1;
                foreach (long dimension in entry.Shape)
                    elements = checked(elements * (ulong)dimension);
                bytes = checked(elements * (ulong)entry.DType.Size());
            }
            catch (OverflowException e)
            {
                throw new SafetensorsFormatException(
                    $"Tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}], whose size in bytes overflows.", entry.Name, e);
            }

            if (entry.End - entry.Begin != bytes)
            {
                throw new SafetensorsFormatException(
                    $"Tensor '{entry.Name}' ({entry.DType} [{string.Join(", ", entry.Shape)}]) needs {bytes} bytes but its data_offsets [{entry.Begin}, {entry.End}] span {entry.End - entry.Begin}.",
                    entry.Name);
            }

            position = entry.End;
            previous = entry.Name;
        }

        return position;
    }

    private sealed record Entry(string Name, SafetensorsDType DType, long[] Shape, ulong Begin, ulong End);
}
