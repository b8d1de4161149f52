using DslNets.Onnx.Tests.Networks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DslNets.Onnx.Tests;

/// <summary>The exported graph, run by ONNX Runtime, computes what <see cref="INetwork.Predict(ReadOnlySpan{float}, Span{float}, int)"/> computes.</summary>
public class OnnxRuntimeTests
{
    // Tolerance: |onnx - predict| <= 1e-5 * |predict| + 1e-6. ONNX Runtime's Gemm sums in another order than the
    // DslNets kernels, so results agree to float rounding, not bit for bit; the absolute floor covers outputs near
    // zero, where a relative bound alone would demand more digits than float has.
    private const double RelativeTolerance = 1e-5;
    private const double AbsoluteTolerance = 1e-6;

    public static TheoryData<string, int> NetworksAndBatchSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in ExportCases.Names)
        {
            data.Add(name, 1);
            data.Add(name, 64);
        }

        return data;
    }

    public static TheoryData<string> Networks() => new(ExportCases.Names);

    [Theory]
    [MemberData(nameof(NetworksAndBatchSizes))]
    public void Export_RunInOnnxRuntime_MatchesPredict(string name, int batchSize)
    {
        INetwork network = ExportCases.CreateTrained(name);
        (InferenceSession session, _) = OnnxRuntimeHost.Load(ExportCases.Export(network));
        using (session)
        {
            float[] inputs = ExportCases.Inputs(batchSize, network.InputSize, seed: 1000 + batchSize);
            float[] expected = new float[batchSize * network.OutputSize];
            network.Predict(inputs, expected, batchSize);

            float[] actual = OnnxRuntimeHost.Run(session, inputs, batchSize, network.InputSize);

            AssertClose(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Export_LoadsInOnnxRuntime_WithoutWarnings_AndWithASymbolicBatch(string name)
    {
        INetwork network = ExportCases.CreateTrained(name);
        (InferenceSession session, IReadOnlyList<string> warnings) = OnnxRuntimeHost.Load(ExportCases.Export(network));
        using (session)
        {
            Assert.Empty(warnings);

            NodeMetadata input = Assert.Single(session.InputMetadata, m => m.Key == "input").Value;
            Assert.Equal(typeof(float), input.ElementType);
            Assert.Equal([-1, network.InputSize], input.Dimensions);
            Assert.Equal("batch", input.SymbolicDimensions[0]);

            NodeMetadata output = Assert.Single(session.OutputMetadata, m => m.Key == "output").Value;
            Assert.Equal(typeof(float), output.ElementType);
            Assert.Equal([-1, network.OutputSize], output.Dimensions);
            Assert.Equal("batch", output.SymbolicDimensions[0]);

            Assert.Equal("DslNets", session.ModelMetadata.ProducerName);
            Assert.Equal(network.Name, session.ModelMetadata.CustomMetadataMap["network"]);
            Assert.Equal(network.Fingerprint, session.ModelMetadata.CustomMetadataMap["fingerprint"]);
        }
    }

    [Fact]
    public void Training_MovedBatchNormRunningStatistics_AwayFromTheirInitialValues()
    {
        // Without this the comparison above could pass with an export that ignored the running statistics.
        foreach (INetwork network in new[] { ExportCases.CreateTrained(nameof(EveryOperationNet)), ExportCases.CreateTrained(nameof(RegressionNet)) })
        {
            foreach (TensorInfo tensor in network.Tensors.Where(t => !t.IsParameter))
            {
                float[] values = network.Buffers.Slice(tensor.Offset, tensor.Length).ToArray();
                float initial = tensor.Role == TensorRole.RunningMean ? 0f : 1f;
                Assert.True(values.Max(v => Math.Abs(v - initial)) > 0.05f, $"{network.Name} {tensor.Name} stayed near {initial}.");
            }
        }
    }

    [Fact]
    public void ExportWithoutOutputLink_GivesTheLogits_ThatSoftmaxTurnsIntoPredict()
    {
        INetwork network = ExportCases.CreateTrained(nameof(EveryOperationNet));
        const int batchSize = 16;
        float[] inputs = ExportCases.Inputs(batchSize, network.InputSize, seed: 5);
        float[] expected = new float[batchSize * network.OutputSize];
        network.Predict(inputs, expected, batchSize);

        (InferenceSession session, _) = OnnxRuntimeHost.Load(ExportCases.Export(network, new OnnxExportOptions { IncludeOutputLink = false }));
        using (session)
        {
            float[] logits = OnnxRuntimeHost.Run(session, inputs, batchSize, network.InputSize);
            float[] probabilities = new float[logits.Length];
            for (int row = 0; row < batchSize; row++)
            {
                Span<float> x = logits.AsSpan(row * network.OutputSize, network.OutputSize);
                double max = x.ToArray().Max();
                double sum = 0;
                foreach (float value in x)
                    sum += Math.Exp(value - max);
                for (int j = 0; j < x.Length; j++)
                    probabilities[(row * network.OutputSize) + j] = (float)(Math.Exp(x[j] - max) / sum);
            }

            Assert.Contains(logits, value => value is < 0f or > 1f);
            AssertClose(expected, probabilities);
        }
    }

    [Fact]
    public void ExportWithoutOutputLink_GivesTheLogits_ThatSigmoidTurnsIntoPredict()
    {
        INetwork network = ExportCases.CreateTrained(nameof(MultiLabelNet));
        const int batchSize = 16;
        float[] inputs = ExportCases.Inputs(batchSize, network.InputSize, seed: 6);
        float[] expected = new float[batchSize * network.OutputSize];
        network.Predict(inputs, expected, batchSize);

        (InferenceSession session, _) = OnnxRuntimeHost.Load(ExportCases.Export(network, new OnnxExportOptions { IncludeOutputLink = false }));
        using (session)
        {
            float[] logits = OnnxRuntimeHost.Run(session, inputs, batchSize, network.InputSize);
            float[] probabilities = logits.Select(z => (float)(1.0 / (1.0 + Math.Exp(-z)))).ToArray();

            AssertClose(expected, probabilities);
        }
    }

    [Fact]
    public void DocsExample_WithDenseTensorAndNamedOnnxValue_GivesWhatPredictGives()
    {
        // The second snippet of docs/onnx.md, kept compiling and correct here.
        INetwork network = ExportCases.CreateTrained(nameof(RegressionNet));
        const int batchSize = 3;
        float[] inputs = ExportCases.Inputs(batchSize, network.InputSize, seed: 9);
        float[] expected = new float[batchSize * network.OutputSize];
        network.Predict(inputs, expected, batchSize);

        OnnxRuntimeHost.EnsureEnvironment();
        using var session = new InferenceSession(ExportCases.Export(network));
        var tensor = new DenseTensor<float>(inputs, [batchSize, network.InputSize]);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        Tensor<float> output = results.Single(r => r.Name == "output").AsTensor<float>();

        Assert.Equal([batchSize, network.OutputSize], output.Dimensions.ToArray());
        AssertClose(expected, output.ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)actual[i] - expected[i]);
            double allowed = (RelativeTolerance * Math.Abs(expected[i])) + AbsoluteTolerance;
            Assert.True(
                difference <= allowed,
                $"Output {i}: ONNX Runtime gave {actual[i]:R}, Predict {expected[i]:R} (difference {difference:G3}, allowed {allowed:G3}).");
        }
    }
}
