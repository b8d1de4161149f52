using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DslNets.Analyzers.Tests;

/// <summary>The analyzers run on every keystroke: half-typed declarations must never make one throw (AD0001).</summary>
public class IncompleteCodeTests
{
    public static TheoryData<string> HalfTyped => new()
    {
        // Missing and broken arguments.
        "[Network(InputSize = 4)] public partial class N { [Dense(] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense()] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(8), Dropout] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(8), Dropout(), BatchNorm(] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(8), Uout(, BatchNorm(Momentum = )] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(8), LeakyReLU(\"x\")] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(8, Bias = )] public partial DenseLayer A { get; } }",
        // Non-constant arguments.
        "[Network(InputSize = 4)] public partial class N { static int u = 3; [Dense(u), Dropout(u * 0.1)] public partial DenseLayer A { get; } }",
        "[Network(InputSize = System.Environment.ProcessorCount)] public partial class N { [Dense(2)] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4, Loss = (Loss)42)] [L2(System.Math.PI * System.DateTime.Now.Second)] public partial class N { [Dense(2), Softmax] public partial DenseLayer A { get; } }",
        // Missing InputSize, unknown names, wrong targets.
        "[Network] public partial class N { [Dense(2)] public partial DenseLayer A { get; } }",
        "[Network(] public partial class N { [Dense(2)] public partial DenseLayer A { get; } }",
        "[Network(Inputsize = 4)] public partial class N { [Dense(2), Relu, Dropuot(0.5), BatchNorm] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(2), BatchNorm] public partial UnknownLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(2), BatchNorm] public partial DenseLayer A { get; } [Dense(2)] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial class N { [Dense(2), Dropout(0.5)] public DenseLayer A => default; [BatchNorm] int B; }",
        "[Network(InputSize = 4)] public partial class N { [Dense(2), Dropout(0.5), BatchNorm] public partial DenseLayer",
        "[Network(InputSize = 4)] public partial class N { [Dense(2), Dropout(0.5), BatchNorm] public partial DenseLayer A { get; ",
        "[Network(InputSize = 4)] public partial class N<T> where T : struct { [Dense(2), Dropout(0.5), BatchNorm] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial struct S { [Dense(2)] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] public partial record R(int X) { [Dense(2), Dropout(0.5)] public partial DenseLayer A { get; } }",
        "[Network(InputSize = 4)] [Network(InputSize = 8)] public partial class N { [Dense(2), Dense(3)] public partial DenseLayer A { get; } }",
        "public partial class Outer { [Network(InputSize = 4)] class N { [Dense(2), Dropout(0.5), BatchNorm] DenseLayer A { get; } } }",
        "[Network(InputSize = 4)] public partial class N { }",
        "[Network(InputSize = 4)] public partial class",
        "[Network(InputSize = 4)]",
    };

    [Theory]
    [MemberData(nameof(HalfTyped))]
    public async Task HalfTypedDeclaration_NeverThrows(string declaration)
    {
        AnalyzerRunner.Result result = await AnalyzerRunner.RunAsync(new[] { ("Half.cs", "using DslNets;\n" + declaration) });

        Assert.Empty(result.Exceptions);
        Assert.DoesNotContain(result.AnalyzerDiagnostics, d => d.Id == "AD0001");
    }

    [Theory]
    [MemberData(nameof(HalfTyped))]
    public async Task HalfTypedDeclaration_PassesTheTestingFrameworksAnalyzerExceptionCheck(string declaration)
    {
        // The framework fails on AD0001 itself; compiler errors are expected in half-typed code and not compared.
        foreach (DiagnosticAnalyzer analyzer in AnalyzerRunner.AllAnalyzers)
        {
            var test = new AnyAnalyzerTest(analyzer)
            {
                TestCode = "using DslNets;\n" + declaration,
                CompilerDiagnostics = CompilerDiagnostics.None,
            };
            test.TestBehaviors |= TestBehaviors.SkipGeneratedCodeCheck | TestBehaviors.SkipSuppressionCheck;
            test.DiagnosticFilter = d => d.Id == "AD0001";
            await test.RunAsync();
        }
    }

    [Fact]
    public async Task Runner_SeesAnAnalyzerException()
    {
        // Self-check: the runner used above does catch an analyzer that throws.
        AnalyzerRunner.Result result = await AnalyzerRunner.RunAsync(
            new[] { ("Net.cs", "using DslNets;\n[Network(InputSize = 4)] public partial class N { [Dense(2)] public partial DenseLayer A { get; } }") },
            ImmutableArray.Create<DiagnosticAnalyzer>(new ThrowingAnalyzer()));

        Assert.NotEmpty(result.Exceptions);
    }

// Test-only analyzers, created directly by the tests and never loaded by a compiler: the rules for shipped
// analyzer assemblies (netstandard2.0, no Workspaces, release tracking) do not apply.
#pragma warning disable RS1001, RS1026, RS1036, RS1038, RS1041, RS2008
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Never = new("TEST001", "t", "t", "t", DiagnosticSeverity.Warning, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Never);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSymbolAction(_ => throw new InvalidOperationException("thrown on purpose"), SymbolKind.NamedType);
        }
    }
}
