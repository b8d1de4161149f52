using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers.Tests;

/// <summary>Runs every DslNets analyzer over plain sources, outside the testing framework, recording analyzer exceptions.</summary>
internal static class AnalyzerRunner
{
    /// <summary>Every <see cref="DiagnosticAnalyzer"/> the analyzer assembly exports.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } = typeof(NetworkAnalyzer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public sealed record Result(ImmutableArray<Diagnostic> AnalyzerDiagnostics, ImmutableArray<Exception> Exceptions);

    public static Task<Result> RunAsync(IEnumerable<(string Path, string Text)> sources) => RunAsync(sources, AllAnalyzers);

    public static async Task<Result> RunAsync(IEnumerable<(string Path, string Text)> sources, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, TestEnvironment.ParseOptions, s.Path)).ToList();
        var compilation = CSharpCompilation.Create(
            "Networks",
            trees,
            TestEnvironment.AdditionalReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) exceptions.Add(exception); },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
        return new Result(diagnostics, exceptions.ToImmutableArray());
    }
}
