using System.Buffers.Binary;
using System.Text.Json;
using DslNets.Package.Tests;
using DslNets.Serialization;

namespace DslNets.Reference.Tests;

/// <summary>
/// The two files tools/reference/make_fixtures.py writes per network: <c>&lt;Name&gt;.weights.safetensors</c> (the
/// PyTorch state dict) and <c>&lt;Name&gt;.expected.safetensors</c> (what PyTorch computed from it), read from the
/// source tree with the runtime's own safetensors reader.
/// </summary>
internal sealed class Fixture
{
    public static string RepositoryRoot => ProcessRunner.RepositoryRoot;

    public static string Directory { get; } = Path.Combine(RepositoryRoot, "tests", "DslNets.Reference.Tests", "Fixtures");

    public static string Script { get; } = Path.Combine(RepositoryRoot, "tools", "reference", "make_fixtures.py");

    private static readonly Dictionary<string, Fixture> s_cache = new(StringComparer.Ordinal);

    private readonly SafetensorsFile _expected;

    private Fixture(string network)
    {
        Network = network;
        WeightsPath = Path.Combine(Directory, network + ".weights.safetensors");
        using FileStream stream = File.OpenRead(Path.Combine(Directory, network + ".expected.safetensors"));
        _expected = SafetensorsFile.Read(stream);
    }

    public string Network { get; }

    public string WeightsPath { get; }

    public static Fixture Open(string network)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(network, out Fixture? fixture))
                s_cache[network] = fixture = new Fixture(network);
            return fixture;
        }
    }

    public string Metadata(string key) =>
        _expected.Metadata is { } metadata && metadata.TryGetValue(key, out string? value)
            ? value
            : throw new KeyNotFoundException($"{Network}: the fixture has no metadata '{key}'; regenerate it with {Script}.");

    public JsonElement MetadataJson(string key) => JsonDocument.Parse(Metadata(key)).RootElement;

    public int[] BatchSizes => MetadataJson("batch_sizes").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public bool Has(string name) => _expected.Tensors.ContainsKey(name);

    public SafetensorsTensor Tensor(string name) =>
        _expected.Tensors.TryGetValue(name, out SafetensorsTensor? tensor)
            ? tensor
            : throw new KeyNotFoundException($"{Network}: the fixture has no tensor '{name}'; regenerate it with {Script}.");

    public float[] Floats(string name) => Tensor(name).ToSingles();

    /// <summary>Rows <c>[index]</c> of a tensor stacked along its first axis (a trace's steps).</summary>
    public float[] Floats(string name, int index)
    {
        SafetensorsTensor tensor = Tensor(name);
        float[] all = tensor.ToSingles();
        int length = all.Length / (int)tensor.Shape[0];
        return all.AsSpan(index * length, length).ToArray();
    }

    public float Scalar(string name) => Floats(name).Single();

    /// <summary>Class labels, stored as PyTorch's int64.</summary>
    public int[] Labels(string name, int index = -1)
    {
        SafetensorsTensor tensor = Tensor(name);
        long[] all = new long[tensor.Data.Length / sizeof(long)];
        for (int i = 0; i < all.Length; i++)
            all[i] = BinaryPrimitives.ReadInt64LittleEndian(tensor.Data.AsSpan(i * sizeof(long)));
        int[] labels = all.Select(v => checked((int)v)).ToArray();
        if (index < 0)
            return labels;
        int length = labels.Length / (int)tensor.Shape[0];
        return labels.AsSpan(index * length, length).ToArray();
    }

    public uint[] UInts(string name)
    {
        byte[] data = Tensor(name).Data;
        uint[] values = new uint[data.Length / sizeof(uint)];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(i * sizeof(uint)));
        return values;
    }
}
