using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DslNets.Analyzers.Tests;

/// <summary>
/// What every DslNets analyzer test compiles against: the .NET 10 reference assemblies shipped in
/// Basic.Reference.Assemblies (no NuGet download at test time), the real runtime assembly with the DSL attributes,
/// and C# 13 (partial properties).
/// </summary>
internal static class TestEnvironment
{
    /// <summary>No reference package: the references come from <see cref="AdditionalReferences"/> instead.</summary>
    public static readonly ReferenceAssemblies NoPackage = new("net10.0");

    public static readonly ImmutableArray<MetadataReference> AdditionalReferences = ImmutableArray.CreateRange(
        Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location)));

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp13);

    /// <summary>
    /// A partial layer property has no implementation part until the generator runs; the analyzer tests do not run
    /// it, so the compiler's "partial property must have an implementation part" error is expected.
    /// </summary>
    public const string MissingPartialImplementation = "CS9248";

    public static void Configure(ProjectState state, List<Func<Solution, ProjectId, Solution>> solutionTransforms)
    {
        state.AdditionalReferences.AddRange(AdditionalReferences);
        solutionTransforms.Add((solution, projectId) =>
        {
            Project project = solution.GetProject(projectId)!;
            return solution.WithProjectParseOptions(projectId, ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.CSharp13));
        });
    }
}

/// <summary>An analyzer test with the DslNets environment.</summary>
public sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public AnalyzerTest()
    {
        ReferenceAssemblies = TestEnvironment.NoPackage;
        TestEnvironment.Configure(TestState, SolutionTransforms);
    }

    protected override bool IsCompilerDiagnosticIncluded(Diagnostic diagnostic, CompilerDiagnostics compilerDiagnostics) =>
        diagnostic.Id != TestEnvironment.MissingPartialImplementation && base.IsCompilerDiagnosticIncluded(diagnostic, compilerDiagnostics);
}

/// <summary>An analyzer test for an analyzer instance chosen at run time, comparing only the diagnostics <see cref="DiagnosticFilter"/> keeps.</summary>
public sealed class AnyAnalyzerTest : CSharpAnalyzerTest<EmptyAnalyzer, DefaultVerifier>
{
    private readonly DiagnosticAnalyzer _analyzer;

    public AnyAnalyzerTest(DiagnosticAnalyzer analyzer)
    {
        _analyzer = analyzer;
        ReferenceAssemblies = TestEnvironment.NoPackage;
        TestEnvironment.Configure(TestState, SolutionTransforms);
    }

    public Func<Diagnostic, bool> DiagnosticFilter { get; set; } = _ => true;

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => new[] { _analyzer };

    protected override ImmutableArray<(Project project, Diagnostic diagnostic)> FilterDiagnostics(ImmutableArray<(Project project, Diagnostic diagnostic)> diagnostics) =>
        base.FilterDiagnostics(diagnostics).Where(d => DiagnosticFilter(d.diagnostic)).ToImmutableArray();
}

// Test-only analyzers, created directly by the tests and never loaded by a compiler: the rules for shipped
// analyzer assemblies (netstandard2.0, no Workspaces, release tracking) do not apply.
#pragma warning disable RS1001, RS1026, RS1036, RS1038, RS1041, RS2008
/// <summary>A placeholder type argument for <see cref="AnyAnalyzerTest"/>.</summary>
public sealed class EmptyAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray<DiagnosticDescriptor>.Empty;

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
    }
}

/// <summary>A code fix test with the DslNets environment.</summary>
public sealed class CodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public CodeFixTest()
    {
        ReferenceAssemblies = TestEnvironment.NoPackage;
        TestEnvironment.Configure(TestState, SolutionTransforms);
        TestEnvironment.Configure(FixedState, SolutionTransforms);
    }

    protected override bool IsCompilerDiagnosticIncluded(Diagnostic diagnostic, CompilerDiagnostics compilerDiagnostics) =>
        diagnostic.Id != TestEnvironment.MissingPartialImplementation && base.IsCompilerDiagnosticIncluded(diagnostic, compilerDiagnostics);
}

/// <summary>Shorthands: <c>await Verify&lt;DropoutBeforeBatchNormAnalyzer&gt;.Analyzer(source)</c>.</summary>
public static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    /// <summary>Runs the analyzer on <paramref name="source"/> and checks exactly the diagnostics marked in it plus <paramref name="expected"/>.</summary>
    public static Task Analyzer(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest<TAnalyzer> { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>An expected diagnostic with the descriptor's ID and default severity.</summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);
}

/// <summary>Shorthands for code fix tests.</summary>
public static class VerifyFix<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>Applies the fix registered under <paramref name="equivalenceKey"/> (one at a time and as Fix All) and compares with <paramref name="fixedSource"/>.</summary>
    public static Task CodeFix(string source, string fixedSource, string equivalenceKey)
    {
        var test = new CodeFixTest<TAnalyzer, TCodeFix>
        {
            TestCode = source,
            FixedCode = fixedSource,
            BatchFixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };

        // Markup in the fixed source states the diagnostics that must remain (by default fixable ones are ignored there).
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        test.BatchFixedState.MarkupHandling = MarkupMode.Allow;
        return test.RunAsync();
    }
}
