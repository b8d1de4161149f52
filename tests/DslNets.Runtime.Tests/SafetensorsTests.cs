using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using DslNets.Runtime.Tests.Fakes;
using DslNets.Serialization;

namespace DslNets.Runtime.Tests;

public class SafetensorsTests
{
    // The fake network used throughout: 2 inputs, 3 classes -> linear.weight [3, 2], linear.bias [3],
    // linear.bn.running_mean [3], linear.bn.running_var [3].
    private static LinearSoftmaxNetwork NewNetwork(long seed = 1) => new(inputSize: 2, classes: 3, maxBatch: 4, seed);

    // A complete valid header for that network as PyTorch's writer lays it out: compact JSON, __metadata__ first,
    // tensors sorted by name, data offsets back to back in that order.
    private const string ValidTensors =
        "\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}," +
        "\"linear.bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[12,24]}," +
        "\"linear.bn.running_var\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}," +
        "\"linear.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[36,60]}";

    // bias 0.5, -0.25, 1; running_mean 0.1, 0.2, 0.3; running_var 1, 2, 3; weight [[1, 2], [3, 4], [5, 6]]
    private static readonly float[] ValidData = [0.5f, -0.25f, 1f, 0.1f, 0.2f, 0.3f, 1f, 2f, 3f, 1f, 2f, 3f, 4f, 5f, 6f];

    /// <summary>8-byte little-endian header length, the header padded with spaces to a multiple of 8, then the data.</summary>
    private static byte[] Assemble(string header, ReadOnlySpan<byte> data, bool pad = true)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int padding = pad ? (8 - json.Length % 8) % 8 : 0;
        var file = new byte[8 + json.Length + padding + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)(json.Length + padding));
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, padding).Fill((byte)' ');
        data.CopyTo(file.AsSpan(8 + json.Length + padding));
        return file;
    }

    private static byte[] Floats(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static byte[] Snapshot(INetwork network) =>
        [.. MemoryMarshal.AsBytes(network.Parameters), .. MemoryMarshal.AsBytes(network.Buffers)];

    private static byte[] Save(INetwork network)
    {
        var stream = new MemoryStream();
        network.Save(stream);
        return stream.ToArray();
    }

    /// <summary>Loading <paramref name="file"/> throws and leaves the network's weights and change counter as they were.</summary>
    private static SafetensorsFormatException AssertRejected(byte[] file, string? messagePart = null)
    {
        LinearSoftmaxNetwork network = NewNetwork(seed: 42);
        byte[] before = Snapshot(network);
        var error = Assert.Throws<SafetensorsFormatException>(() => network.Load(new MemoryStream(file)));
        Assert.Equal(before, Snapshot(network));
        Assert.Equal(0, network.ParametersChangedCount);
        if (messagePart is not null)
            Assert.Contains(messagePart, error.Message);
        return error;
    }

    [Fact]
    public void SaveThenLoad_RoundTripIsBitExact()
    {
        LinearSoftmaxNetwork source = NewNetwork(seed: 1);
        // Values that a lossy path would change: negative zero, a subnormal, a NaN payload, the largest float.
        source.Parameters[0] = -0f;
        source.Parameters[1] = 1e-45f;
        source.Parameters[2] = BitConverter.Int32BitsToSingle(0x7FC0_1234);
        source.Parameters[3] = float.MaxValue;
        source.Buffers[4] = 123.456f;
        byte[] file = Save(source);

        LinearSoftmaxNetwork target = NewNetwork(seed: 2);
        Assert.NotEqual(Snapshot(source), Snapshot(target));
        target.Load(new MemoryStream(file));

        Assert.Equal(Snapshot(source), Snapshot(target));
        Assert.Equal(1, target.ParametersChangedCount);
    }

    [Fact]
    public void Save_SameWeights_GiveTheSameBytes()
    {
        Assert.Equal(Save(NewNetwork(seed: 5)), Save(NewNetwork(seed: 5)));
        Assert.NotEqual(Save(NewNetwork(seed: 5)), Save(NewNetwork(seed: 6)));
    }

    [Fact]
    public void Save_LaysOutTheFileAsPyTorchsWriterDoes()
    {
        LinearSoftmaxNetwork network = NewNetwork();
        network.Load(new MemoryStream(Assemble("{\"__metadata__\":{\"format\":\"pt\"}," + ValidTensors + "}", Floats(ValidData))));
        string metadata =
            "\"__metadata__\":{\"fingerprint\":\"" + network.Fingerprint + "\",\"format\":\"pt\",\"network\":\"LinearSoftmaxNetwork\"}";
        byte[] expected = Assemble("{" + metadata + "," + ValidTensors + "}", Floats(ValidData));

        byte[] saved = Save(network);

        Assert.Equal(expected, saved);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(saved) % 8);
    }

    [Fact]
    public void Load_FileAssembledByteByByte_GivesTheRightValues()
    {
        // Header order differs from data order on purpose: readers must go by data_offsets.
        string header = "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"linear.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[36,60]}," +
            "\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}," +
            "\"linear.bn.running_var\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}," +
            "\"linear.bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[12,24]}}";
        LinearSoftmaxNetwork network = NewNetwork();

        network.Load(new MemoryStream(Assemble(header, Floats(ValidData))));

        // Parameters: weight [3, 2] row-major, then bias; Buffers: running_mean, then running_var.
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f, 0.5f, -0.25f, 1f], network.Parameters.ToArray());
        Assert.Equal([0.1f, 0.2f, 0.3f, 1f, 2f, 3f], network.Buffers.ToArray());
        Assert.Equal(1, network.ParametersChangedCount);
    }

    [Fact]
    public void Load_PyTorchStateDict_WithNumBatchesTracked_IgnoresTheCounter()
    {
        // torch.save_file(model.state_dict()) of a BatchNorm1d also writes an int64 scalar num_batches_tracked.
        string header = "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}," +
            "\"linear.bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[12,20]}," +
            "\"linear.bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}," +
            "\"linear.bn.running_var\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[32,44]}," +
            "\"linear.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[44,68]}}";
        byte[] data = [.. Floats(0.5f, -0.25f, 1f), .. BitConverter.GetBytes(17L), .. Floats(0.1f, 0.2f, 0.3f, 1f, 2f, 3f, 1f, 2f, 3f, 4f, 5f, 6f)];
        LinearSoftmaxNetwork network = NewNetwork();

        network.Load(new MemoryStream(Assemble(header, data)));

        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f, 0.5f, -0.25f, 1f], network.Parameters.ToArray());
        Assert.Equal([0.1f, 0.2f, 0.3f, 1f, 2f, 3f], network.Buffers.ToArray());
    }

    [Fact]
    public void Load_NumBatchesTracked_WithoutABatchNorm_IsRejected()
    {
        string header = "{\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}," +
            "\"linear.bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[12,24]}," +
            "\"linear.bn.running_var\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}," +
            "\"linear.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[36,60]}," +
            "\"other.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[60,68]}}";
        byte[] data = [.. Floats(ValidData), .. BitConverter.GetBytes(3L)];

        AssertRejected(Assemble(header, data), "Tensor 'other.num_batches_tracked' (I64 []) is not a tensor of");
    }

    [Fact]
    public void Load_WithoutMetadata_Loads()
    {
        LinearSoftmaxNetwork network = NewNetwork();
        network.Load(new MemoryStream(Assemble("{" + ValidTensors + "}", Floats(ValidData))));
        Assert.Equal(6f, network.Parameters[5]);
    }

    [Fact]
    public void Load_EveryTruncation_ThrowsAndLeavesModelUnchanged()
    {
        byte[] file = Save(NewNetwork());
        for (int length = 0; length < file.Length; length++)
            AssertRejected(file[..length]);
    }

    [Fact]
    public void Load_TruncatedInsideTheLengthField_SaysSo()
    {
        AssertRejected([1, 0, 0], "3 bytes long");
    }

    [Fact]
    public void Load_HeaderLengthLargerThanFile_Throws()
    {
        byte[] file = Save(NewNetwork());
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        AssertRejected(file, "header length");
    }

    [Fact]
    public void Load_HeaderLengthAboveTheSanityBound_Throws()
    {
        byte[] file = Save(NewNetwork());
        BinaryPrimitives.WriteUInt64LittleEndian(file, 100_000_001UL);
        AssertRejected(file, "at most 100000000");
    }

    [Fact]
    public void Load_FromNonSeekableStream_ChecksTheSameRules()
    {
        byte[] file = Save(NewNetwork(seed: 3));
        LinearSoftmaxNetwork network = NewNetwork();
        network.Load(new ForwardOnlyStream(file));
        Assert.Equal(Snapshot(NewNetwork(seed: 3)), Snapshot(network));

        byte[] trailing = [.. file, 0];
        Assert.Throws<SafetensorsFormatException>(() => NewNetwork().Load(new ForwardOnlyStream(trailing)));
        Assert.Throws<SafetensorsFormatException>(() => NewNetwork().Load(new ForwardOnlyStream(file[..^1])));
    }

    [Fact]
    public void Load_OverlappingOffsets_ThrowsNamingTheTensor()
    {
        string tensors = ValidTensors.Replace("\"data_offsets\":[12,24]", "\"data_offsets\":[8,20]");
        var error = AssertRejected(Assemble("{" + tensors + "}", Floats(ValidData)), "previous tensor");
        Assert.Equal("linear.bn.running_mean", error.TensorName);
    }

    [Fact]
    public void Load_OffsetsBeyondTheData_Throws()
    {
        string tensors = ValidTensors.Replace("\"data_offsets\":[36,60]", "\"data_offsets\":[36,64]");
        AssertRejected(Assemble("{" + tensors + "}", Floats(ValidData)), "needs 24 bytes");
    }

    [Fact]
    public void Load_LastTensorEndingBeyondTheFile_Throws()
    {
        // Consistent header, but the data section is 4 bytes short.
        AssertRejected(Assemble("{" + ValidTensors + "}", Floats(ValidData[..^1])), "describes 60 data bytes but 56");
    }

    [Fact]
    public void Load_GapBetweenTensors_Throws()
    {
        string tensors = ValidTensors
            .Replace("\"data_offsets\":[36,60]", "\"data_offsets\":[40,64]");
        AssertRejected(Assemble("{" + tensors + "}", Floats([.. ValidData, 0f])), "ends at 36");
    }

    [Fact]
    public void Load_FirstTensorNotAtZero_Throws()
    {
        string tensors = ValidTensors.Replace("\"data_offsets\":[0,12]", "\"data_offsets\":[4,16]");
        AssertRejected(Assemble("{" + tensors + "}", Floats(ValidData)), "must start at 0");
    }

    [Fact]
    public void Load_TrailingBytes_Throws()
    {
        AssertRejected([.. Save(NewNetwork()), 0, 0, 0, 0], "end exactly");
    }

    [Fact]
    public void Load_WrongDtype_ThrowsNamingTensorAndDtypes()
    {
        // F16 with a consistent byte count: the file is valid, but networks hold F32.
        string tensors = ValidTensors
            .Replace("\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}", "\"linear.bias\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]}")
            .Replace("[12,24]", "[6,18]").Replace("[24,36]", "[18,30]").Replace("[36,60]", "[30,54]");
        byte[] data = [.. new byte[6], .. Floats(ValidData[3..])];
        var error = AssertRejected(Assemble("{" + tensors + "}", data), "Tensor 'linear.bias' has dtype F16; expected F32");
        Assert.Equal("linear.bias", error.TensorName);
    }

    [Fact]
    public void Load_UnknownDtype_ThrowsNamingIt()
    {
        AssertRejected(Assemble("{" + ValidTensors.Replace("\"F32\",\"shape\":[3,2]", "\"F33\",\"shape\":[3,2]") + "}", Floats(ValidData)), "unknown dtype 'F33'");
    }

    [Fact]
    public void Load_WrongShape_ThrowsWithExpectedAndFound()
    {
        AssertRejected(
            Assemble("{" + ValidTensors.Replace("\"shape\":[3,2]", "\"shape\":[2,3]") + "}", Floats(ValidData)),
            "Tensor 'linear.weight' has shape [2, 3]; expected [3, 2]");
    }

    [Fact]
    public void Load_MissingTensor_ThrowsNamingIt()
    {
        string tensors = ValidTensors[..ValidTensors.IndexOf(",\"linear.weight\"", StringComparison.Ordinal)];
        AssertRejected(Assemble("{" + tensors + "}", Floats(ValidData[..9])), "Tensor 'linear.weight' is missing: expected F32 [3, 2]");
    }

    [Fact]
    public void Load_UnexpectedTensor_ThrowsNamingIt()
    {
        string tensors = ValidTensors + ",\"extra.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[60,64]}";
        AssertRejected(Assemble("{" + tensors + "}", Floats([.. ValidData, 7f])), "Tensor 'extra.weight' (F32 [1]) is not a tensor of LinearSoftmaxNetwork");
    }

    [Fact]
    public void Load_DuplicateName_Throws()
    {
        string tensors = ValidTensors + ",\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[60,72]}";
        AssertRejected(Assemble("{" + tensors + "}", Floats([.. ValidData, 1f, 2f, 3f])), "'linear.bias' twice");
    }

    [Fact]
    public void Load_NonStringMetadata_Throws()
    {
        AssertRejected(Assemble("{\"__metadata__\":{\"epoch\":3}," + ValidTensors + "}", Floats(ValidData)), "must be a string");
    }

    [Fact]
    public void Load_FingerprintOfAnotherArchitecture_Throws()
    {
        AssertRejected(Assemble("{\"__metadata__\":{\"fingerprint\":\"other\"}," + ValidTensors + "}", Floats(ValidData)), "fingerprint 'other'");
    }

    [Theory]
    [InlineData("[\"linear.bias\"]", "JSON object")]
    [InlineData("{\"a\":", "not valid JSON")]
    [InlineData("{\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12],\"extra\":1}}", "unknown field 'extra'")]
    [InlineData("{\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[-3],\"data_offsets\":[0,12]}}", "non-negative integer")]
    [InlineData("{\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0]}}", "[begin, end]")]
    [InlineData("{\"linear.bias\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,12]}}", "overflows")]
    public void Load_MalformedHeader_ThrowsSayingWhat(string header, string messagePart)
    {
        AssertRejected(Assemble(header, Floats(0f, 0f, 0f)), messagePart);
    }

    [Fact]
    public void Load_HeaderThatIsNotUtf8_Throws()
    {
        byte[] file = Save(NewNetwork());
        file[9] = 0xFF;
        AssertRejected(file, "UTF-8");
    }

    [Fact]
    public void Load_AnySingleBitFlipInTheTensorHeader_ThrowsAndLeavesModelUnchanged()
    {
        // Every bit of the length field and of the header outside __metadata__ (free-form text, where a flip can
        // still spell another valid file; the fingerprint inside it is covered by its own test). Flips in the data
        // section are undetectable by design: safetensors has no checksum.
        byte[] file = Save(NewNetwork());
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, headerEnd - 8);
        int metadataStart = 8 + header.IndexOf("\"__metadata__\"", StringComparison.Ordinal);
        int metadataEnd = 8 + header.IndexOf('}') + 1;
        int flips = 0;
        for (int position = 0; position < headerEnd; position++)
        {
            if (position >= metadataStart && position < metadataEnd)
                continue;
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] corrupt = (byte[])file.Clone();
                corrupt[position] ^= (byte)(1 << bit);
                AssertRejected(corrupt);
                flips++;
            }
        }

        Assert.True(flips > 1000, $"only {flips} flips were tried");
    }

    [Fact]
    public void Load_RandomByteFlipsInTheHeader_ThrowAndLeaveModelUnchanged()
    {
        byte[] file = Save(NewNetwork());
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int metadataEnd = 8 + Encoding.UTF8.GetString(file, 8, headerEnd - 8).IndexOf('}') + 1;
        var random = new SeededRandom(2024);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] corrupt = (byte[])file.Clone();
            int position = metadataEnd + random.NextInt32(headerEnd - metadataEnd);
            byte replacement = (byte)random.NextInt32(256);
            // Skip replacements JSON treats as the same text: a padding space turned into other whitespace.
            if (replacement == corrupt[position] || (corrupt[position] == (byte)' ' && replacement is (byte)'\t' or (byte)'\n' or (byte)'\r'))
                continue;
            corrupt[position] = replacement;
            AssertRejected(corrupt);
        }
    }

    [Fact]
    public void FileApi_RoundTripsMixedDtypes_OrderingBySizeThenName()
    {
        var tensors = new Dictionary<string, SafetensorsTensor>
        {
            ["b"] = SafetensorsTensor.FromSingles([1f, 2f], 2),
            ["a"] = SafetensorsTensor.FromSingles([3f], 1),
            ["steps"] = new SafetensorsTensor(SafetensorsDType.I64, [], Floats(1f, 0f)),
            ["mask"] = new SafetensorsTensor(SafetensorsDType.U8, [3], [1, 0, 1]),
        };
        var stream = new MemoryStream();
        new SafetensorsFile(tensors, new Dictionary<string, string> { ["format"] = "pt" }).Write(stream);
        byte[] bytes = stream.ToArray();

        // I64 first (largest type), then the F32 tensors by name, then U8.
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes)).TrimEnd(' ');
        Assert.Equal(
            "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"steps\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}," +
            "\"mask\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[20,23]}}",
            header);

        SafetensorsFile read = SafetensorsFile.Read(new MemoryStream(bytes));
        Assert.Equal("pt", read.Metadata!["format"]);
        Assert.Equal([1f, 2f], read.Tensors["b"].ToSingles());
        Assert.Equal(new byte[] { 1, 0, 1 }, read.Tensors["mask"].Data);
        Assert.Equal(SafetensorsDType.I64, read.Tensors["steps"].DType);
        Assert.Empty(read.Tensors["steps"].Shape);
    }

    [Fact]
    public void FileApi_EmptyFile_HasNoTensors()
    {
        SafetensorsFile read = SafetensorsFile.Read(new MemoryStream(Assemble("{}", [])));
        Assert.Empty(read.Tensors);
        Assert.Null(read.Metadata);
    }

    /// <summary>A stream that can only be read forward, like a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
