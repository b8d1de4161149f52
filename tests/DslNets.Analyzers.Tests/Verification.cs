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

    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);
}
