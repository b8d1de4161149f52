using System.Collections.Immutable;
using System.Reflection;
using DslNets.Declarations;
using DslNets.Onnx;
using DslNets.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;

namespace DslNets.Generator.Tests;

/// <summary>
/// Every activation of the catalog (<see cref="Activations"/>) in a network the generator writes here, from source
/// text: compiled and loaded in memory, its gradients checked against finite differences (the generator's forward
/// and backward lines for the activation, including which value backward reads), and its ONNX export run in ONNX
/// Runtime against <c>Predict</c> (the catalog's ONNX decomposition, and the inference lines). A new activation is
/// covered by its catalog entry alone.
/// </summary>
public class ActivationNetworkTests
{
    // ONNX Runtime against Predict: |onnx - predict| <= 1e-5 * |predict| + 1e-6, as OnnxRuntimeTests (float rounding
    // of sums taken in another order, and of the activation's own formula).
    private const double RelativeTolerance = 1e-5;
    private const double AbsoluteTolerance = 1e-6;
    private const int BatchSize = 7;

    public static TheoryData<string> Names() => new(Activations.All.Select(a => a.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void GeneratedNetwork_GradientsMatchFiniteDifferences(string name)
    {
        INetwork<float> network = CreateNetwork(name);
        float[] inputs = Uniform(BatchSize * network.InputSize, seed: 1, scale: 2f);
        float[] targets = Uniform(BatchSize * network.OutputSize, seed: 2, scale: 1f);
        GradientCheck.AssertGradientsMatch(network, inputs, targets, BatchSize);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GeneratedNetwork_ExportedToOnnx_RunsInOnnxRuntime_AsPredict(string name)
    {
        INetwork<float> network = CreateNetwork(name);
        Assert.Contains(network.Operations, op => op.Kind.ToString() == name);
        using var stream = new MemoryStream();
        network.ExportOnnx(stream);

        foreach (int batchSize in new[] { 1, BatchSize })
        {
            float[] inputs = Uniform(batchSize * network.InputSize, seed: 10 + batchSize, scale: 3f);
            float[] expected = new float[batchSize * network.OutputSize];
            network.Predict(inputs, expected, batchSize);

            using var session = new InferenceSession(stream.ToArray());
            using var input = OrtValue.CreateTensorValueFromMemory(inputs, [batchSize, network.InputSize]);
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results =
                session.Run(runOptions, [OnnxNetworkExtensions.InputName], [input], [OnnxNetworkExtensions.OutputName]);
            float[] actual = results[0].GetTensorDataAsSpan<float>().ToArray();

            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(
                    Math.Abs(actual[i] - expected[i]) <= (RelativeTolerance * Math.Abs(expected[i])) + AbsoluteTolerance,
                    $"{name}, batch {batchSize}, output {i}: ONNX Runtime {actual[i]:R}, Predict {expected[i]:R}.");
            }
        }
    }

    /// <summary>
    /// <c>[Dense(5), Activation] -&gt; [Dense(3)]</c> with mean squared error: the activation sits between two weight
    /// layers, so both its derivative and its value reach every gradient and every output. An activation with a slope
    /// gets a non-default one.
    /// </summary>
    private static INetwork<float> CreateNetwork(string name)
    {
        Activation activation = Activations.Find(name)!;
        string attribute = activation.HasSlope ? $"{name}(0.2)" : name;
        string source = $$"""
            using DslNets;

            [Network(InputSize = 4, MaxBatch = 8, Loss = Loss.MeanSquaredError, Seed = 3)]
            public partial class {{name}}Net
            {
                [Dense(5), {{attribute}}]
                public partial DenseLayer Hidden { get; }

                [Dense(3)]
                public partial DenseLayer Output { get; }
            }
            """;
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(
            GeneratorHarness.Compile(source), out Compilation compilation, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));

        Assembly assembly = Assembly.Load(image.ToArray());
        Type type = assembly.GetType(name + "Net", throwOnError: true)!;
        return (INetwork<float>)Activator.CreateInstance(type)!;
    }

    private static float[] Uniform(int count, int seed, float scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();
    }
}
