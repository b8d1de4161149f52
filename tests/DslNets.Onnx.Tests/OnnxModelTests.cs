using System.Buffers.Binary;
using DslNets.Onnx.Protobuf;
using DslNets.Onnx.Tests.Networks;
using DslNets.Testing;

namespace DslNets.Onnx.Tests;

/// <summary>What the exported ModelProto contains, read back with the same schema subset the exporter writes.</summary>
public class OnnxModelTests
{
    [Fact]
    public void Export_WritesIrVersion8_Opset17_Producer_AndNetworkMetadata()
    {
        INetwork network = new EveryOperationNet();

        ModelProto model = Parse(ExportCases.Export(network));

        Assert.Equal(8, model.IrVersion);
        OperatorSetIdProto opset = Assert.Single(model.OpsetImport);
        Assert.Equal(string.Empty, opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal("DslNets", model.ProducerName);
        Assert.Equal(
            [("network", "EveryOperationNet"), ("fingerprint", network.Fingerprint), ("loss", "SoftmaxCrossEntropy"), ("output_link", "softmax")],
            model.MetadataProps.Select(p => (p.Key, p.Value)));
        Assert.Equal("EveryOperationNet", model.Graph.Name);
    }

    [Fact]
    public void Export_DeclaresInputAndOutput_AsFloat_WithASymbolicBatchDimension()
    {
        GraphProto graph = Parse(ExportCases.Export(new MultiLabelNet())).Graph;

        AssertBatchOf(Assert.Single(graph.Input), "input", 5);
        AssertBatchOf(Assert.Single(graph.Output), "output", 3);
    }

    [Theory]
    [MemberData(nameof(OnnxCheckerTests.NetworkNames), MemberType = typeof(OnnxCheckerTests))]
    public void Export_StoresEveryTensor_UnderItsStateDictName_WithTheCurrentWeights(string name)
    {
        INetwork network = ExportCases.CreateTrained(name);

        GraphProto graph = Parse(ExportCases.Export(network)).Graph;

        // Besides the tensors, an image network has one int64 initializer: the [-1, C, H, W] its input is reshaped to.
        Assert.Equal(network.Tensors.Select(t => t.Name).Order(), graph.Initializer.Where(t => t.Name != "input_shape").Select(t => t.Name).Order());
        if (graph.Initializer.SingleOrDefault(t => t.Name == "input_shape") is { } shape)
        {
            Assert.Equal((int)TensorProto.Types.DataType.Int64, shape.DataType);
            byte[] raw = shape.RawData.ToByteArray();
            long[] dims = Enumerable.Range(0, raw.Length / 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i * 8))).ToArray();
            Assert.Equal([-1L, .. network.Operations[0].InputShape.Select(d => (long)d)], dims);
        }

        foreach (TensorInfo info in network.Tensors)
        {
            TensorProto tensor = graph.Initializer.Single(t => t.Name == info.Name);
            Assert.Equal((int)TensorProto.Types.DataType.Float, tensor.DataType);
            Assert.Equal(info.Shape.Select(d => (long)d), tensor.Dims);
            Span<float> buffer = info.IsParameter ? network.Parameters : network.Buffers;
            float[] expected = buffer.Slice(info.Offset, info.Length).ToArray();
            byte[] raw = tensor.RawData.ToByteArray();
            float[] stored = Enumerable.Range(0, raw.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4))).ToArray();
            Assert.Equal(expected, stored);
        }
    }

    [Fact]
    public void Export_MapsEveryOperation_ToItsOnnxNode_AndLeavesNoiseOut()
    {
        GraphProto graph = Parse(ExportCases.Export(new EveryOperationNet())).Graph;

        Assert.Equal(
            [
                ("LayerNormalization", "input", "Normalize/LayerNormalization"),
                ("Gemm", "Normalize/LayerNormalization", "Hidden1/Gemm"),
                ("BatchNormalization", "Hidden1/Gemm", "Hidden1/BatchNormalization"),
                ("Relu", "Hidden1/BatchNormalization", "Hidden1/Relu"),
                ("Gemm", "Hidden1/Relu", "Hidden2/Gemm"),
                ("BatchNormalization", "Hidden2/Gemm", "Hidden2/BatchNormalization"),
                ("LeakyRelu", "Hidden2/BatchNormalization", "Hidden2/LeakyRelu"),
                ("Gemm", "Hidden2/LeakyRelu", "Hidden3/Gemm"),
                ("Tanh", "Hidden3/Gemm", "Hidden3/Tanh"),
                ("Gemm", "Hidden3/Tanh", "Output/Gemm"),
                ("Softmax", "Output/Gemm", "output"),
            ],
            graph.Node.Select(n => (n.OpType, n.Input[0], n.Output.Single())));

        Assert.Equal(["input", "normalize.ln.weight", "normalize.ln.bias"], graph.Node[0].Input);
        Assert.Equal([("axis", -1L), ("epsilon", 1e-4f)], Attributes(graph.Node[0]));
        Assert.Equal(["Normalize/LayerNormalization", "hidden1.weight"], graph.Node[1].Input);
        Assert.Equal([("transB", 1L)], Attributes(graph.Node[1]));
        Assert.Equal(
            ["Hidden1/Gemm", "hidden1.bn.weight", "hidden1.bn.bias", "hidden1.bn.running_mean", "hidden1.bn.running_var"],
            graph.Node[2].Input);
        Assert.Equal([("epsilon", 1e-5f), ("momentum", 1f - 0.3f)], Attributes(graph.Node[2]));
        Assert.Equal([("epsilon", 1e-3f), ("momentum", 1f - 0.1f)], Attributes(graph.Node[5]));
        Assert.Equal([("alpha", 0.1f)], Attributes(graph.Node[6]));
        Assert.Equal(["Hidden3/Tanh", "output.weight", "output.bias"], graph.Node[9].Input);
        Assert.Equal([("axis", -1L)], Attributes(graph.Node[10]));
    }

    [Fact]
    public void WeightAndCosineNormalization_AreDecomposedIntoStandardNodes()
    {
        GraphProto graph = Parse(ExportCases.Export(new NormalizedDenseNet())).Graph;

        Assert.Equal(
            [
                // w = weight_g * weight_v / ||weight_v|| per row, then the plain Gemm and the batch norm.
                "ReduceSumSquare(hidden1.weight_v) -> Hidden1/ReduceSumSquare",
                "Sqrt(Hidden1/ReduceSumSquare) -> Hidden1/Sqrt",
                "Div(hidden1.weight_v, Hidden1/Sqrt) -> Hidden1/Div",
                "Mul(hidden1.weight_g, Hidden1/Div) -> Hidden1/Mul",
                "Gemm(input, Hidden1/Mul, hidden1.bias) -> Hidden1/Gemm",
                "BatchNormalization(Hidden1/Gemm, hidden1.bn.weight, hidden1.bn.bias, hidden1.bn.running_mean, hidden1.bn.running_var) -> Hidden1/BatchNormalization",
                "Tanh(Hidden1/BatchNormalization) -> Hidden1/Tanh",

                // cos(w, x): both sides divided by sqrt(|.|^2 + eps), then the Gemm with the bias.
                "Constant() -> Hidden2/Constant",
                "ReduceSumSquare(hidden2.weight) -> Hidden2/ReduceSumSquare",
                "Add(Hidden2/ReduceSumSquare, Hidden2/Constant) -> Hidden2/Add",
                "Sqrt(Hidden2/Add) -> Hidden2/Sqrt",
                "Div(hidden2.weight, Hidden2/Sqrt) -> Hidden2/Div",
                "ReduceSumSquare(Hidden1/Tanh) -> Hidden2/ReduceSumSquare_2",
                "Add(Hidden2/ReduceSumSquare_2, Hidden2/Constant) -> Hidden2/Add_2",
                "Sqrt(Hidden2/Add_2) -> Hidden2/Sqrt_2",
                "Div(Hidden1/Tanh, Hidden2/Sqrt_2) -> Hidden2/Div_2",
                "Gemm(Hidden2/Div_2, Hidden2/Div, hidden2.bias) -> Hidden2/Gemm",
                "Relu(Hidden2/Gemm) -> Hidden2/Relu",

                // Scaled: the unit weight rows times the learned scale; no bias.
                "Constant() -> Output/Constant",
                "ReduceSumSquare(output.weight) -> Output/ReduceSumSquare",
                "Add(Output/ReduceSumSquare, Output/Constant) -> Output/Add",
                "Sqrt(Output/Add) -> Output/Sqrt",
                "Div(output.weight, Output/Sqrt) -> Output/Div",
                "Mul(output.scale, Output/Div) -> Output/Mul",
                "ReduceSumSquare(Hidden2/Relu) -> Output/ReduceSumSquare_2",
                "Add(Output/ReduceSumSquare_2, Output/Constant) -> Output/Add_2",
                "Sqrt(Output/Add_2) -> Output/Sqrt_2",
                "Div(Hidden2/Relu, Output/Sqrt_2) -> Output/Div_2",
                "Gemm(Output/Div_2, Output/Mul) -> Output/Gemm",
                "Softmax(Output/Gemm) -> output",
            ],
            graph.Node.Select(n => $"{n.OpType}({string.Join(", ", n.Input)}) -> {n.Output.Single()}"));
        Assert.Equal([("value_float", 1e-8f)], Attributes(graph.Node[7]));
        Assert.Equal([("axes", "[1]"), ("keepdims", 1L)], Attributes(graph.Node[0]));
        Assert.Equal([("axes", "[1]"), ("keepdims", 1L)], Attributes(graph.Node[12]));
    }

    [Fact]
    public void TrailingSoftmax_WithSoftmaxCrossEntropy_IsExportedOnce_AsPredictAppliesIt()
    {
        GraphProto graph = Parse(ExportCases.Export(new TrailingSoftmaxNet())).Graph;

        Assert.Equal(["Gemm", "Relu", "Gemm", "Softmax"], graph.Node.Select(n => n.OpType));
    }

    [Fact]
    public void SoftmaxLayer_WithMeanSquaredError_IsExported_WithoutAnOutputLink()
    {
        ModelProto model = Parse(ExportCases.Export(new SoftmaxRegressionNet()));

        Assert.Equal(["Gemm", "Tanh", "Gemm", "Softmax"], model.Graph.Node.Select(n => n.OpType));
        Assert.Equal("none", model.MetadataProps.Single(p => p.Key == "output_link").Value);
    }

    [Fact]
    public void BinaryCrossEntropy_EndsWithASigmoidOutputLink()
    {
        GraphProto graph = Parse(ExportCases.Export(new MultiLabelNet())).Graph;

        Assert.Equal(["Gemm", "Sigmoid", "Gemm", "Sigmoid"], graph.Node.Select(n => n.OpType));
        Assert.Equal("OutputLink/Sigmoid", graph.Node[^1].Name);
    }

    [Fact]
    public void WithoutOutputLink_ATrailingFusedSoftmax_IsLeftOutToo()
    {
        var options = new OnnxExportOptions { IncludeOutputLink = false };

        GraphProto graph = Parse(ExportCases.Export(new TrailingSoftmaxNet(), options)).Graph;

        Assert.Equal(["Gemm", "Relu", "Gemm"], graph.Node.Select(n => n.OpType));
        Assert.Equal("output", graph.Node[^1].Output.Single());
    }

    [Fact]
    public void NetworkOfNoiseOnly_IsASingleIdentity()
    {
        GraphProto graph = Parse(ExportCases.Export(new NoiseOnlyNet())).Graph;

        NodeProto node = Assert.Single(graph.Node);
        Assert.Equal("Identity", node.OpType);
        Assert.Equal(["input"], node.Input);
        Assert.Equal(["output"], node.Output);
        Assert.Empty(graph.Initializer);
    }

    [Fact]
    public void Export_OfTheSameWeights_GivesTheSameBytes()
    {
        INetwork network = ExportCases.CreateTrained(nameof(EveryOperationNet));

        Assert.Equal(ExportCases.Export(network), ExportCases.Export(network));
    }

    [Fact]
    public void Export_ToAReadOnlyStream_Throws()
    {
        using var stream = new MemoryStream([], writable: false);

        ArgumentException error = Assert.Throws<ArgumentException>(() => new MultiLabelNet().ExportOnnx(stream));
        Assert.Equal("stream", error.ParamName);
    }

    [Fact]
    public void Export_OfANetworkMissingATensor_Throws_AndWritesNothing()
    {
        var inner = new RegressionNet();
        var network = new TensorListOverride(inner, [.. inner.Tensors.Where(t => t.Name != "standardize.bn.running_var")]);
        using var stream = new MemoryStream();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => network.ExportOnnx(stream));

        Assert.Equal(
            "Network RegressionNet cannot be exported to ONNX: Standardize BatchNorm needs the tensor 'standardize.bn.running_var', which Tensors does not list.",
            error.Message);
        Assert.Equal(0, stream.Length);
    }

    private static ModelProto Parse(byte[] bytes) => ModelProto.Parser.ParseFrom(bytes);

    private static IEnumerable<(string Name, object Value)> Attributes(NodeProto node) =>
        node.Attribute.Select(a => (a.Name, a.Type switch
        {
            AttributeProto.Types.AttributeType.Int => (object)a.I,
            AttributeProto.Types.AttributeType.Ints => $"[{string.Join(", ", a.Ints)}]",
            _ => a.F,
        }));

    private static void AssertBatchOf(ValueInfoProto value, string name, int features)
    {
        Assert.Equal(name, value.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, value.Type.TensorType.ElemType);
        Assert.Collection(
            value.Type.TensorType.Shape.Dim,
            batch => Assert.Equal("batch", batch.DimParam),
            width => Assert.Equal(features, width.DimValue));
    }
}
