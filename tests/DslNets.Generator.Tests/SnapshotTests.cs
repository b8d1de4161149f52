using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace DslNets.Generator.Tests;

/// <summary>
/// The emitted source of representative networks, compared with approved files in <c>Snapshots/</c>. To approve a
/// change on purpose, run the tests with <c>DSLNETS_APPROVE=1</c> and review the diff of the snapshot files.
/// </summary>
public class SnapshotTests
{
    public const string Xor = """
        using DslNets;

        namespace Samples;

        [Network(InputSize = 2, MaxBatch = 4, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
        public partial class XorNet
        {
            [Dense(8), Tanh]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """;

    public const string FashionMlp = """
        using DslNets;

        namespace Samples;

        [Network(InputSize = 784, MaxBatch = 128, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
        [L2(1e-4)]
        public partial class FashionMlp
        {
            [Dense(256, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(128, Bias = false), BatchNorm(Momentum = 0.05), ReLU, Dropout(0.3)]
            public partial DenseLayer Hidden2 { get; }

            [Dense(10), L2(0)]
            public partial DenseLayer Output { get; }
        }
        """;

    public const string NestedRegression = """
        using DslNets;

        namespace Samples.Regression;

        public static partial class Models
        {
            [Network(InputSize = 5, MaxBatch = 16, Loss = Loss.MeanSquaredError, Seed = 3)]
            [L1(0.001)]
            internal partial class Regressor
            {
                [LayerNorm]
                internal partial DenseLayer Normalize { get; }

                [Dense(16), LeakyReLU(0.1), GaussianDropout(0.2)]
                internal partial DenseLayer Hidden { get; }

                [Dense(8), Sigmoid, Uout(0.1)]
                internal partial DenseLayer Features { get; }

                [Dense(3, Bias = false)]
                internal partial DenseLayer Output { get; }
            }
        }
        """;

    /// <summary>Synchronized batch norm: the collectives field, ISyncBatchNormNetwork and the step without samples.</summary>
    public const string SyncBatchNormMlp = """
        using DslNets;

        namespace Samples;

        [Network(InputSize = 784, MaxBatch = 128, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
        public partial class SyncBatchNormMlp
        {
            [Dense(256, Bias = false), BatchNorm(Sync = true), ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(128, Bias = false), BatchNorm(Sync = true, Momentum = 0.05), ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(10)]
            public partial DenseLayer Output { get; }
        }
        """;

    // Channels 3 (the input is reordered at the entry), a same-padded 3 x 3 convolution without bias folded with its
    // batch norm, max pooling, a strided 5 x 5 convolution, layer norm over [C, H, W], spatial dropout, average
    // pooling with padding (not in place: the spare scratch), a 1 x 1 convolution and a dense layer after an image
    // (implicit flatten in PyTorch's order).
    public const string SmallCnn = """
        using DslNets;

        namespace Samples.Vision;

        [Network(InputShape = new[] { 3, 12, 12 }, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 11)]
        [L2(1e-4)]
        public partial class SmallCnn
        {
            [Conv2D(8, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU, MaxPool2D(2)]
            public partial ConvLayer Block1 { get; }

            [Conv2D(16, 5, Stride = 2, Padding = 2), LayerNorm, ReLU, SpatialDropout(0.1), AvgPool2D(3, Stride = 1, Padding = 1)]
            public partial ConvLayer Block2 { get; }

            [Conv2D(4, 1), ReLU, L1(1e-5)]
            public partial ConvLayer Pointwise { get; }

            [Dense(10)]
            public partial DenseLayer Output { get; }
        }
        """;

    [Theory]
    [InlineData(nameof(Xor), Xor)]
    [InlineData(nameof(SyncBatchNormMlp), SyncBatchNormMlp)]
    [InlineData(nameof(FashionMlp), FashionMlp)]
    [InlineData(nameof(NestedRegression), NestedRegression)]
    [InlineData(nameof(SmallCnn), SmallCnn)]
    public void EmittedSource_MatchesApprovedSnapshot(string name, string source)
    {
        var (result, diagnostics) = GeneratorHarness.Run(source);

        Assert.Empty(diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        GeneratedSourceResult generated = Assert.Single(Assert.Single(result.Results).GeneratedSources);
        string actual = generated.SourceText.ToString();
        string path = Path.Combine(SnapshotDirectory(), name + ".g.cs.txt");
        if (Environment.GetEnvironmentVariable("DSLNETS_APPROVE") == "1")
            File.WriteAllText(path, actual);

        Assert.True(File.Exists(path), $"No approved snapshot at {path}; run with DSLNETS_APPROVE=1 to create it.");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private static string SnapshotDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Snapshots");
}
