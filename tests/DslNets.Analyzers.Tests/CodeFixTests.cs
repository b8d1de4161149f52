using DslNets.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using VerifyDsl004Fix = DslNets.Analyzers.Tests.VerifyFix<DslNets.Analyzers.DeclarationErrorAnalyzer, DslNets.CodeFixes.NotPartialCodeFix>;
using VerifyDsl007Fix = DslNets.Analyzers.Tests.VerifyFix<DslNets.Analyzers.BiasBeforeBatchNormAnalyzer, DslNets.CodeFixes.BiasBeforeBatchNormCodeFix>;

namespace DslNets.Analyzers.Tests;

/// <summary>DSL004 (add partial) and DSL007 (Bias = false), one at a time and as Fix All.</summary>
public class CodeFixTests
{
    [Fact]
    public Task AddPartial_FixesClassContainingTypeAndProperties() => VerifyDsl004Fix.CodeFix("""
        using DslNets;

        class {|DSL004:Outer|}
        {
            [Network(InputSize = 4)]
            public sealed class {|DSL004:Net|}
            {
                [Dense(8)]
                DenseLayer {|DSL004:Hidden|} { get; }

                [Dense(2)]
                public DenseLayer {|DSL004:Output|} { get; }
            }
        }
        """, """
        using DslNets;

        partial class Outer
        {
            [Network(InputSize = 4)]
            public sealed partial class Net
            {
                [Dense(8)]
                partial DenseLayer Hidden { get; }

                [Dense(2)]
                public partial DenseLayer Output { get; }
            }
        }
        """, NotPartialCodeFix.AddPartialKey);

    [Fact]
    public Task AddPartial_KeepsCommentsAndIndentationBeforeAModifierlessClass() => VerifyDsl004Fix.CodeFix("""
        using DslNets;

        [Network(InputSize = 4)]
        // The model.
        class {|DSL004:Net|}
        {
            [Dense(2)]
            public partial DenseLayer {|CS0751:Output|} { get; }
        }
        """, """
        using DslNets;

        [Network(InputSize = 4)]
        // The model.
        partial class Net
        {
            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, NotPartialCodeFix.AddPartialKey);

    [Fact]
    public Task SetBiasFalse_AddsOrRewritesTheNamedArgument_InEveryDense() => VerifyDsl007Fix.CodeFix("""
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [{|DSL007:Dense(8)|}, BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [{|DSL007:Dense(units: 8, Bias = true)|}, BatchNorm]
            public partial DenseLayer Hidden2 { get; }

            [{|DSL007:DslNets.DenseAttribute(8)|}]
            public partial DenseLayer Hidden3 { get; }

            [BatchNorm, ReLU]
            public partial DenseLayer Norm { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Hidden1 { get; }

            [Dense(units: 8, Bias = false), BatchNorm]
            public partial DenseLayer Hidden2 { get; }

            [DslNets.DenseAttribute(8, Bias = false)]
            public partial DenseLayer Hidden3 { get; }

            [BatchNorm, ReLU]
            public partial DenseLayer Norm { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, BiasBeforeBatchNormCodeFix.RemoveBiasKey);

    [Fact]
    public async Task SetBiasFalse_FixAllInProject_FixesEveryDocument()
    {
        const string network = """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class {0}
            {{
                [{{|DSL007:Dense(8)|}}, BatchNorm, ReLU]
                public partial DenseLayer Hidden {{ get; }}

                [Dense(2)]
                public partial DenseLayer Output {{ get; }}
            }}
            """;
        const string fixedNetwork = """
            using DslNets;

            [Network(InputSize = 4)]
            public partial class {0}
            {{
                [Dense(8, Bias = false), BatchNorm, ReLU]
                public partial DenseLayer Hidden {{ get; }}

                [Dense(2)]
                public partial DenseLayer Output {{ get; }}
            }}
            """;
        var test = new CodeFixTest<BiasBeforeBatchNormAnalyzer, BiasBeforeBatchNormCodeFix>
        {
            CodeActionEquivalenceKey = BiasBeforeBatchNormCodeFix.RemoveBiasKey,
            NumberOfFixAllInDocumentIterations = 2,
            NumberOfFixAllIterations = 1,
        };
        test.TestState.Sources.Add(("A.cs", string.Format(network, "A")));
        test.TestState.Sources.Add(("B.cs", string.Format(network, "B")));
        test.FixedState.Sources.Add(("A.cs", string.Format(fixedNetwork, "A")));
        test.FixedState.Sources.Add(("B.cs", string.Format(fixedNetwork, "B")));
        await test.RunAsync();
    }

    [Fact]
    public Task SetBiasFalse_OnAConv2D_KeepsItsOtherArguments() => VerifyDsl007Fix.CodeFix("""
        using DslNets;

        [Network(InputShape = new[] { 3, 16, 16 })]
        public partial class Cnn
        {
            [{|DSL007:Conv2D(16, 3, Stride = 2, PaddingMode = PaddingMode.Same)|}, BatchNorm, ReLU]
            public partial DenseLayer Conv1 { get; }

            [{|DSL007:Conv2D(16, 3, Bias = true)|}]
            public partial DenseLayer Conv2 { get; }

            [BatchNorm, ReLU, GlobalAvgPool2D]
            public partial DenseLayer Norm { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, """
        using DslNets;

        [Network(InputShape = new[] { 3, 16, 16 })]
        public partial class Cnn
        {
            [Conv2D(16, 3, Stride = 2, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU]
            public partial DenseLayer Conv1 { get; }

            [Conv2D(16, 3, Bias = false)]
            public partial DenseLayer Conv2 { get; }

            [BatchNorm, ReLU, GlobalAvgPool2D]
            public partial DenseLayer Norm { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """, BiasBeforeBatchNormCodeFix.RemoveBiasKey);
}
