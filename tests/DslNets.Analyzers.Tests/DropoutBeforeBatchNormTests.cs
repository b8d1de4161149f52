using DslNets.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using VerifyDsl001 = DslNets.Analyzers.Tests.Verify<DslNets.Analyzers.DropoutBeforeBatchNormAnalyzer>;
using VerifyDsl001Fix = DslNets.Analyzers.Tests.VerifyFix<DslNets.Analyzers.DropoutBeforeBatchNormAnalyzer, DslNets.CodeFixes.DropoutBeforeBatchNormCodeFix>;

namespace DslNets.Analyzers.Tests;

public class DropoutBeforeBatchNormTests
{
    [Fact]
    public Task Dropout_BeforeBatchNorm_InSameLayer_IsReportedOnTheDropoutAttribute() => VerifyDsl001.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8), {|#0:Dropout(0.5)|}, BatchNorm, ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        VerifyDsl001.Diagnostic(DiagnosticDescriptors.DropoutBeforeBatchNorm).WithLocation(0)
            .WithMessage("Dropout in layer 'Hidden' runs before the BatchNorm in layer 'Hidden', so the variance BatchNorm sees in training will not match inference; move the Dropout after the last BatchNorm or use GaussianDropout or Uout"));

    [Fact]
    public Task Dropout_BeforeBatchNormInLaterLayer_NamesTheFirstLaterBatchNorm() => VerifyDsl001.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, {|#0:Dropout(0.3)|}]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8), ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8), BatchNorm, ReLU]
            public partial DenseLayer Hidden3 { get; }

            [Dense(8), BatchNorm, ReLU]
            public partial DenseLayer Hidden4 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        VerifyDsl001.Diagnostic(DiagnosticDescriptors.DropoutBeforeBatchNorm).WithLocation(0).WithArguments("Hidden1", "Hidden3", "Dropout"));

    [Fact]
    public Task EveryDropout_BeforeABatchNorm_IsReported_InEveryWrittenForm() => VerifyDsl001.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16)]
            [{|#0:DslNets.Dropout(0.3)|}]
            public partial DenseLayer Hidden1 { get; }

            [Dense(16), {|#1:DropoutAttribute(p: 0.2)|}]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8), BatchNorm]
            [ReLU, Dropout(0.1)]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        VerifyDsl001.Diagnostic(DiagnosticDescriptors.DropoutBeforeBatchNorm).WithLocation(0).WithArguments("Hidden1", "Hidden3", "Dropout"),
        VerifyDsl001.Diagnostic(DiagnosticDescriptors.DropoutBeforeBatchNorm).WithLocation(1).WithArguments("Hidden2", "Hidden3", "Dropout"));

    [Fact]
    public Task Dropout_AfterTheLastBatchNorm_IsNotReported() => VerifyDsl001.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false), BatchNorm, Dropout(0.5), ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8), ReLU, Dropout(0.5)]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task GaussianDropoutAndUout_BeforeBatchNorm_AreNotReported() => VerifyDsl001.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, GaussianDropout(0.3)]
            public partial DenseLayer Hidden1 { get; }

            [Dense(16), Uout(0.2), BatchNorm, ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task Dropout_InNetworkWithoutBatchNorm_IsNotReported() => VerifyDsl001.Analyzer("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, Dropout(0.3)]
            public partial DenseLayer Hidden1 { get; }

            [Dense(16), LayerNorm, ReLU, Dropout(0.3)]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """);

    [Fact]
    public Task Attributes_OutsideANetworkOrNamespace_AreNotReported() => VerifyDsl001.Analyzer("""
        namespace Other
        {
            [System.AttributeUsage(System.AttributeTargets.Property, AllowMultiple = true)]
            public sealed class DropoutAttribute : System.Attribute
            {
                public DropoutAttribute(double p) { }
            }

            [DslNets.Network(InputSize = 4)]
            public partial class Net
            {
                [DslNets.Dense(8), Dropout(0.5), DslNets.BatchNorm]
                public partial DslNets.DenseLayer Hidden { get; }
            }

            public class NotANetwork
            {
                [DslNets.Dense(8), DslNets.Dropout(0.5), DslNets.BatchNorm]
                public DslNets.DenseLayer Hidden { get; }
            }
        }
        """);

    private const string LaterLayerSource = """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, {|DSL001:Dropout(0.3)|}]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """;

    [Fact]
    public Task Move_PutsTheDropoutDirectlyAfterTheLastBatchNorm_InItsAttributeList() => VerifyDsl001Fix.CodeFix(LaterLayerSource, """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8, Bias = false), BatchNorm, Dropout(0.3), ReLU]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, DropoutBeforeBatchNormCodeFix.MoveKey);

    [Fact]
    public Task Move_RemovesAnAttributeListLeftEmpty_AndKeepsTheArgumentText() => VerifyDsl001Fix.CodeFix("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU]
            [{|DSL001:Dropout(p: 0.25 /* tuned */)|}]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false)]
            [BatchNorm(Momentum = 0.05)]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false)]
            [BatchNorm(Momentum = 0.05), Dropout(p: 0.25 /* tuned */)]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, DropoutBeforeBatchNormCodeFix.MoveKey);

    [Fact]
    public Task Move_WithinOneLayer_SwapsDropoutAndBatchNorm() => VerifyDsl001Fix.CodeFix("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8, Bias = false), {|DSL001:Dropout(0.5)|}, BatchNorm, ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8, Bias = false), BatchNorm, Dropout(0.5), ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, DropoutBeforeBatchNormCodeFix.MoveKey);

    [Fact]
    public Task Move_IsNotOffered_WhenTheDropoutWouldLandOnTheOutputs()
    {
        // The last BatchNorm normalizes the outputs: a dropout after it would be noise on the predictions (DSL009).
        const string source = """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class Net
            {
                [Dense(16), ReLU, {|DSL001:Dropout(0.3)|}]
                public partial DenseLayer Hidden { get; }

                [Dense(2, Bias = false), BatchNorm]
                public partial DenseLayer Output { get; }
            }
            """;
        return VerifyDsl001Fix.CodeFix(source, source, DropoutBeforeBatchNormCodeFix.MoveKey);
    }

    [Fact]
    public Task Move_IsNotOffered_WhenTheLastBatchNormsLayerAlreadyHasADropout()
    {
        // Layer attributes are single-use: a second Dropout in Hidden2 would not compile.
        const string source = """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class Net
            {
                [Dense(16), ReLU, {|DSL001:Dropout(0.3)|}]
                public partial DenseLayer Hidden1 { get; }

                [Dense(8, Bias = false), BatchNorm, ReLU, Dropout(0.1)]
                public partial DenseLayer Hidden2 { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }
            """;
        return VerifyDsl001Fix.CodeFix(source, source, DropoutBeforeBatchNormCodeFix.MoveKey);
    }

    [Fact]
    public Task UseGaussianDropout_KeepsTheRateAndTheWrittenForm() => VerifyDsl001Fix.CodeFix("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, {|DSL001:Dropout(0.3)|}]
            public partial DenseLayer Hidden1 { get; }

            [Dense(16), {|DSL001:DslNets.DropoutAttribute(p: 0.2)|}]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, GaussianDropout(0.3)]
            public partial DenseLayer Hidden1 { get; }

            [Dense(16), DslNets.GaussianDropoutAttribute(p: 0.2)]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, DropoutBeforeBatchNormCodeFix.GaussianDropoutKey);

    [Fact]
    public Task UseUout_KeepsTheNumberAsBeta() => VerifyDsl001Fix.CodeFix("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, {|DSL001:Dropout(p: 0.3)|}]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), ReLU, Uout(beta: 0.3)]
            public partial DenseLayer Hidden1 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, DropoutBeforeBatchNormCodeFix.UoutKey);

    [Fact]
    public Task UseUout_IsNotOffered_ForARateOfZero()
    {
        // Uout's beta must be in (0, 1]: Uout(0) would be a DSL002 error.
        const string source = """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class Net
            {
                [Dense(16), ReLU, {|DSL001:Dropout(0)|}]
                public partial DenseLayer Hidden1 { get; }

                [Dense(8, Bias = false), BatchNorm, ReLU]
                public partial DenseLayer Hidden2 { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }
            """;
        return VerifyDsl001Fix.CodeFix(source, source, DropoutBeforeBatchNormCodeFix.UoutKey);
    }

    [Fact]
    public async Task Move_FixAll_FixesEveryNetworkInTheDocumentAndProject()
    {
        const string first = """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class First
            {
                [Dense(16), {|DSL001:Dropout(0.3)|}]
                public partial DenseLayer Hidden1 { get; }

                [Dense(8, Bias = false), BatchNorm, ReLU]
                public partial DenseLayer Hidden2 { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }

            [Network(InputSize = 4)]
            public partial class Second
            {
                [Dense(16), {|DSL001:Dropout(0.4)|}, BatchNorm]
                public partial DenseLayer Hidden { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }
            """;
        const string second = """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class Third
            {
                [Dense(16), ReLU, {|DSL001:Dropout(0.5)|}]
                public partial DenseLayer Hidden1 { get; }

                [Dense(8), BatchNorm]
                public partial DenseLayer Hidden2 { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }
            """;
        var test = new CodeFixTest<DropoutBeforeBatchNormAnalyzer, DropoutBeforeBatchNormCodeFix>
        {
            CodeActionEquivalenceKey = DropoutBeforeBatchNormCodeFix.MoveKey,
            NumberOfFixAllIterations = 1,
            NumberOfFixAllInDocumentIterations = 2, // one Fix All per document
        };
        test.TestState.Sources.Add(("First.cs", first));
        test.TestState.Sources.Add(("Second.cs", second));
        test.FixedState.Sources.Add(("First.cs", """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class First
            {
                [Dense(16)]
                public partial DenseLayer Hidden1 { get; }

                [Dense(8, Bias = false), BatchNorm, Dropout(0.3), ReLU]
                public partial DenseLayer Hidden2 { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }

            [Network(InputSize = 4)]
            public partial class Second
            {
                [Dense(16), BatchNorm, Dropout(0.4)]
                public partial DenseLayer Hidden { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }
            """));
        test.FixedState.Sources.Add(("Second.cs", """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class Third
            {
                [Dense(16), ReLU]
                public partial DenseLayer Hidden1 { get; }

                [Dense(8), BatchNorm, Dropout(0.5)]
                public partial DenseLayer Hidden2 { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }
            """));
        await test.RunAsync();
    }

    [Fact]
    public Task Move_OfTwoDropoutsBeforeOneTarget_MovesOnlyOne_EvenInFixAll() => VerifyDsl001Fix.CodeFix("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16), {|DSL001:Dropout(0.3)|}]
            public partial DenseLayer Hidden1 { get; }

            [Dense(16), {|DSL001:Dropout(0.2)|}]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(16)]
            public partial DenseLayer Hidden1 { get; }

            [Dense(16), {|DSL001:Dropout(0.2)|}]
            public partial DenseLayer Hidden2 { get; }

            [Dense(8, Bias = false), BatchNorm, Dropout(0.3), ReLU]
            public partial DenseLayer Hidden3 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, DropoutBeforeBatchNormCodeFix.MoveKey);

    [Fact]
    public Task SpatialDropoutAndDropout_BeforeABatchNorm_AreReported_ThroughConvolutionsAndPooling() => VerifyDsl001.Analyzer("""
        using DslNets;

        [Network(InputShape = new[] { 1, 12, 12 })]
        public partial class Cnn
        {
            [Conv2D(8, 3), ReLU, {|#0:SpatialDropout(0.1)|}, MaxPool2D(2)]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(8, 3, Bias = false), BatchNorm, ReLU, AvgPool2D(2)]
            public partial DenseLayer Conv2 { get; }

            [Flatten, {|#1:Dropout(0.2)|}, Dense(16, Bias = false), BatchNorm, ReLU, SpatialDropout(0.5)]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """,
        VerifyDsl001.Diagnostic(DiagnosticDescriptors.DropoutBeforeBatchNorm).WithLocation(0)
            .WithMessage("SpatialDropout in layer 'Conv1' runs before the BatchNorm in layer 'Conv2', so the variance BatchNorm sees in training will not match inference; move the SpatialDropout after the last BatchNorm or use GaussianDropout or Uout"),
        VerifyDsl001.Diagnostic(DiagnosticDescriptors.DropoutBeforeBatchNorm).WithLocation(1).WithArguments("Hidden", "Hidden", "Dropout"));

    [Fact]
    public Task Move_PutsASpatialDropoutAfterTheLastBatchNorm_OfAConvolution() => VerifyDsl001Fix.CodeFix("""
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class Cnn
        {
            [Conv2D(8, 3), ReLU, {|DSL001:SpatialDropout(0.1)|}]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(8, 3, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Conv2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class Cnn
        {
            [Conv2D(8, 3), ReLU]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(8, 3, Bias = false), BatchNorm, SpatialDropout(0.1), ReLU]
            public partial DenseLayer Conv2 { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, DropoutBeforeBatchNormCodeFix.MoveKey);

    private const string SpatialDropoutBeforeAFlatBatchNorm = """
        using DslNets;

        [Network(InputShape = new[] { 1, 8, 8 })]
        public partial class Cnn
        {
            [Conv2D(8, 3), ReLU, {|DSL001:SpatialDropout(0.1)|}]
            public partial DenseLayer Conv1 { get; }

            [Dense(16, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """;

    /// <summary>After the Dense the BatchNorm's output is flat: moving the SpatialDropout there would be the error DSL022.</summary>
    [Fact]
    public Task Move_IsNotOffered_ForASpatialDropout_WhenTheLastBatchNormIsFlat() =>
        VerifyDsl001Fix.CodeFix(SpatialDropoutBeforeAFlatBatchNorm, SpatialDropoutBeforeAFlatBatchNorm, DropoutBeforeBatchNormCodeFix.MoveKey);

    /// <summary>GaussianDropout and Uout perturb single values: not the same regularizer as dropping channels.</summary>
    [Theory]
    [InlineData(DropoutBeforeBatchNormCodeFix.GaussianDropoutKey)]
    [InlineData(DropoutBeforeBatchNormCodeFix.UoutKey)]
    public Task Replacements_AreNotOffered_ForASpatialDropout(string key) =>
        VerifyDsl001Fix.CodeFix(SpatialDropoutBeforeAFlatBatchNorm, SpatialDropoutBeforeAFlatBatchNorm, key);
}
