using DslNets.Onnx.Protobuf;
using Google.Protobuf;
using DslNets.Onnx.Tests.Networks;
using Microsoft.ML.OnnxRuntime;

namespace DslNets.Onnx.Tests;

/// <summary>
/// The ONNX reference checker, with full shape inference, accepts every export, and rejects a tampered one (so
/// the acceptance is not vacuous); ONNX Runtime's load-time warnings are really captured.
/// </summary>
public class OnnxCheckerTests
{
    public static TheoryData<string> NetworkNames() => new(ExportCases.Names);

    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void Export_PassesTheOnnxChecker_WithFullShapeInference(string name)
    {
        INetwork network = ExportCases.CreateTrained(name);

        (int exitCode, string error) = OnnxChecker.Check(ExportCases.Export(network));

        Assert.True(exitCode == 0, $"The ONNX checker rejected {name} (exit code {exitCode}):\n{error}");
    }

    [Fact]
    public void Checker_RejectsAModel_WhoseNodeReadsATensorThatDoesNotExist()
    {
        ModelProto model = Parse(ExportCases.Export(ExportCases.CreateTrained(nameof(EveryOperationNet))));
        NodeProto gemm = model.Graph.Node.First(n => n.OpType == "Gemm");
        gemm.Input[1] = "hidden1.no_such_weight";

        (int exitCode, string error) = OnnxChecker.Check(model.ToByteArray());

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ValidationError", error, StringComparison.Ordinal);
        Assert.Contains("hidden1.no_such_weight", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Checker_RejectsAModel_WhoseWeightShapeDoesNotFitTheGraph()
    {
        ModelProto model = Parse(ExportCases.Export(ExportCases.CreateTrained(nameof(RegressionNet))));
        TensorProto weight = model.Graph.Initializer.Single(t => t.Name == "output.weight");

        // [2, 9] read as [2, 3, 3]: the same bytes, but Gemm needs a matrix, which only shape inference notices.
        weight.Dims.Clear();
        weight.Dims.AddRange([2, 3, 3]);

        (int exitCode, string error) = OnnxChecker.Check(model.ToByteArray());

        Assert.NotEqual(0, exitCode);
        Assert.Contains("InferenceError", error, StringComparison.Ordinal);
    }

    [Fact]
    public void OnnxRuntimeHost_CapturesLoadWarnings_SoTheirAbsenceMeansSomething()
    {
        ModelProto model = Parse(ExportCases.Export(ExportCases.CreateTrained(nameof(MultiLabelNet))));
        model.Graph.Initializer.Add(new TensorProto { Name = "unused", DataType = 1, Dims = { 1 }, RawData = ByteString.CopyFrom(new byte[4]) });

        (InferenceSession session, IReadOnlyList<string> warnings) = OnnxRuntimeHost.Load(model.ToByteArray());
        session.Dispose();

        Assert.Contains(warnings, w => w.Contains("unused", StringComparison.Ordinal));
    }

    private static ModelProto Parse(byte[] bytes) => ModelProto.Parser.ParseFrom(bytes);
}
