using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using VerifyDsl003 = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.LargeRegularizationAnalyzer>;
using VerifyDsl006 = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.MisplacedSoftmaxAnalyzer>;
using VerifyDsl007 = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.BiasBeforeBatchNormAnalyzer>;
using VerifyDsl008 = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.BatchNormWithSmallBatchAnalyzer>;
using VerifyDsl009 = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.NoiseOnOutputsAnalyzer>;
using VerifyDsl018 = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.GainBeforeBatchNormAnalyzer>;

namespace DslNets.Analyzers.Tests;

/// <summary>The design warnings that do not stop generation: DSL003 (warning), DSL006, DSL007, DSL008, DSL009, DSL018.</summary>
public class DesignWarningTests
{
    [Fact]
    public Task RegularizationOfOneOrMore_IsADsl003Warning_OnTheArgument() => VerifyDsl003.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        [L2({|#0:1|})]
        public partial class Net
        {
            [Dense(8), L1({|#1:alpha: 2.5|})]
            public partial DenseLayer Hidden { get; }

            [Dense(2), L2(0.99), L1(0)]
            public partial DenseLayer Output { get; }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidRegularization).WithSeverity(DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("L2 coefficient on 'Net' is 1; use a finite constant in [0, 1), typically 1e-5 to 1e-2"),
        new DiagnosticResult(DiagnosticDescriptors.InvalidRegularization).WithSeverity(DiagnosticSeverity.Warning).WithLocation(1)
            .WithArguments("Hidden", "L1", "2.5"));

    [Fact]
    public Task RegularizationErrors_AreNotAlsoReportedAsWarnings() => VerifyDsl003.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        [L2(double.PositiveInfinity)]
        public partial class Net
        {
            [Dense(8), L1(-2), L2(double.NaN)]
            public partial DenseLayer Hidden { get; }
        }
        """);

    [Fact]
    public Task Softmax_NotLast_IsDsl006() => VerifyDsl006.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8), {|#0:Softmax|}]
            public partial DenseLayer Hidden { get; }

            [Dense(2), Softmax]
            public partial DenseLayer Output { get; }
        }
        """,
        VerifyDsl006.Diagnostic(DiagnosticDescriptors.MisplacedSoftmax).WithLocation(0)
            .WithMessage("Softmax in layer 'Hidden' is not the last operation of the network; remove it, or move it to the end of the last layer"));

    [Theory]
    [InlineData("MeanSquaredError")]
    [InlineData("BinaryCrossEntropy")]
    public Task Softmax_LastWithALossOtherThanSoftmaxCrossEntropy_IsDsl006(string loss) => VerifyDsl006.Analyzer($$"""
        using DslNets;

        [Network(InputSize = 4, Loss = Loss.{{loss}})]
        public partial class Net
        {
            [Dense(2), {|#0:Softmax|}]
            public partial DenseLayer Output { get; }
        }
        """,
        VerifyDsl006.Diagnostic(DiagnosticDescriptors.MisplacedSoftmax).WithLocation(0)
            .WithMessage($"Softmax in layer 'Output' is followed by the {loss} loss, which expects raw outputs; remove the Softmax or use Loss.SoftmaxCrossEntropy"));

    [Fact]
    public Task Softmax_LastWithSoftmaxCrossEntropy_IsNotReported() => VerifyDsl006.Analyzer("""
        using DslNets;

        [Network(InputSize = 4, Loss = Loss.SoftmaxCrossEntropy)]
        public partial class Net
        {
            [Dense(8), ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2), Softmax]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task DenseWithBias_DirectlyFollowedByBatchNorm_IsDsl007_InTheSameOrTheNextLayer() => VerifyDsl007.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [{|#0:Dense(8)|}, BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [{|#1:Dense(8, Bias = true)|}]
            public partial DenseLayer Hidden2 { get; }

            [BatchNorm, ReLU]
            public partial DenseLayer Norm { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.BiasBeforeBatchNorm).WithLocation(0)
            .WithMessage("The bias of Dense in layer 'Hidden1' is cancelled by the BatchNorm right after it (in layer 'Hidden1'), which subtracts the mean and adds its own shift; set Bias = false"),
        new DiagnosticResult(DiagnosticDescriptors.BiasBeforeBatchNorm).WithLocation(1).WithArguments("Hidden2", "Norm", "Dense"));

    [Fact]
    public Task WeightNormOrScaledCosine_DirectlyFollowedByBatchNorm_IsDsl018_OnTheNormArgument() => VerifyDsl018.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8, Bias = false, {|#0:Norm = DenseNorm.Weight|}), BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, {|#1:Norm = DenseNorm.ScaledCosine|}, Bias = false)]
            public partial DenseLayer Hidden2 { get; }

            [BatchNorm, Tanh]
            public partial DenseLayer Norm { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.GainBeforeBatchNorm).WithLocation(0)
            .WithMessage("The gain weight_g of Dense(Norm = DenseNorm.Weight) in layer 'Hidden1' is cancelled by the BatchNorm right after it (in layer 'Hidden1'), which divides each feature by its batch standard deviation; remove the Norm setting or the BatchNorm"),
        new DiagnosticResult(DiagnosticDescriptors.GainBeforeBatchNorm).WithLocation(1).WithArguments("Hidden2", "Norm", "ScaledCosine", "scale"));

    [Fact]
    public Task PlainCosine_OrANormalizedDenseNotDirectlyBeforeBatchNorm_IsNotDsl018() => VerifyDsl018.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8, Bias = false, Norm = DenseNorm.Cosine), BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Norm = DenseNorm.Weight), ReLU, BatchNorm]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8, Norm = DenseNorm.ScaledCosine), LayerNorm]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2, Norm = DenseNorm.Weight)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task DenseWithoutBias_OrNotDirectlyBeforeBatchNorm_IsNotReported() => VerifyDsl007.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8), ReLU, BatchNorm]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8), LayerNorm]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task BatchNorm_WithMaxBatchBelow8_IsDsl008_OnEachBatchNorm() => VerifyDsl008.Analyzer("""
        using DslNets;

        [Network(InputSize = 4, MaxBatch = 4)]
        public partial class Net
        {
            [Dense(8, Bias = false), {|#0:BatchNorm|}, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false), {|#1:BatchNorm(Momentum = 0.01)|}, ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2), LayerNorm]
            public partial DenseLayer Output { get; }
        }
        """,
        VerifyDsl008.Diagnostic(DiagnosticDescriptors.BatchNormWithSmallBatch).WithLocation(0)
            .WithMessage("BatchNorm in layer 'Hidden1' computes its statistics over at most 4 samples (MaxBatch = 4), which is noise; use LayerNorm or raise MaxBatch to at least 8"),
        VerifyDsl008.Diagnostic(DiagnosticDescriptors.BatchNormWithSmallBatch).WithLocation(1).WithArguments("Hidden2", "4"));

    [Theory]
    [InlineData("MaxBatch = 8")]
    [InlineData("MaxBatch = 0")] // DSL005's error, not this warning
    public Task BatchNorm_WithMaxBatch8OrInvalid_IsNotReported(string maxBatch) => VerifyDsl008.Analyzer($$"""
        using DslNets;

        [Network(InputSize = 4, {{maxBatch}})]
        public partial class Net
        {
            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task LayerNorm_WithSmallMaxBatch_IsNotReported() => VerifyDsl008.Analyzer("""
        using DslNets;

        [Network(InputSize = 4, MaxBatch = 1)]
        public partial class Net
        {
            [Dense(8), LayerNorm, ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task Conv2DWithBias_DirectlyFollowedByBatchNorm_IsDsl007_ButNotThroughAPool() => VerifyDsl007.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 12, 12 })]
        public partial class Cnn
        {
            [{|#0:Conv2D(8, 3, Stride = 1)|}, BatchNorm, ReLU]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(8, 3, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Conv2 { get; }

            [Conv2D(8, 3), MaxPool2D(2), BatchNorm]
            public partial DenseLayer Conv3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.BiasBeforeBatchNorm).WithLocation(0)
            .WithMessage("The bias of Conv2D in layer 'Conv1' is cancelled by the BatchNorm right after it (in layer 'Conv1'), which subtracts the mean and adds its own shift; set Bias = false"));

    [Fact]
    public Task Noise_AfterTheLastConv2D_OfANetworkWithoutDense_IsDsl009() => VerifyDsl009.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 }, Loss = Loss.MeanSquaredError)]
        public partial class Net
        {
            [Conv2D(4, 3), ReLU, SpatialDropout(0.1)]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(2, 3), {|#0:SpatialDropout(0.1)|}, GlobalAvgPool2D]
            public partial DenseLayer Conv2 { get; }
        }
        """,
        VerifyDsl009.Diagnostic(DiagnosticDescriptors.NoiseOnOutputs).WithLocation(0)
            .WithMessage("SpatialDropout in layer 'Conv2' runs after the last Conv2D (in layer 'Conv2') and perturbs the network's outputs; remove it or move it before the last Conv2D"));

    [Fact]
    public Task Noise_AfterTheLastDense_IsDsl009() => VerifyDsl009.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8), ReLU, Dropout(0.5)]
            public partial DenseLayer Hidden { get; }

            [Dense(2), {|#0:Dropout(0.1)|}, {|#1:GaussianDropout(0.1)|}]
            public partial DenseLayer Output { get; }

            [{|#2:Uout(0.1)|}]
            public partial DenseLayer Jitter { get; }
        }
        """,
        VerifyDsl009.Diagnostic(DiagnosticDescriptors.NoiseOnOutputs).WithLocation(0)
            .WithMessage("Dropout in layer 'Output' runs after the last Dense (in layer 'Output') and perturbs the network's outputs; remove it or move it before the last Dense"),
        VerifyDsl009.Diagnostic(DiagnosticDescriptors.NoiseOnOutputs).WithLocation(1).WithArguments("Output", "GaussianDropout", "Output", "Dense"),
        VerifyDsl009.Diagnostic(DiagnosticDescriptors.NoiseOnOutputs).WithLocation(2).WithArguments("Jitter", "Uout", "Output", "Dense"));

    [Fact]
    public Task Noise_BeforeTheLastDense_IsNotReported() => VerifyDsl009.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dropout(0.2)]
            public partial DenseLayer InputNoise { get; }

            [Dense(8), ReLU, Uout(0.3)]
            public partial DenseLayer Hidden { get; }

            [Dense(2), Softmax]
            public partial DenseLayer Output { get; }
        }
        """);
}
