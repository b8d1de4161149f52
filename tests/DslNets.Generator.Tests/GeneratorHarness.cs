using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using DslNets.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslNets.Generator.Tests;

/// <summary>Runs the generator on source text the way the compiler does, against .NET 10 and the DslNets runtime.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp13);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "GeneratorTests",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            Net100.References.All.Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator and returns its output and the compiler's diagnostics on the result.</summary>
    public static (GeneratorDriverRunResult Result, ImmutableArray<Diagnostic> Diagnostics) Run(params string[] sources)
    {
        var (result, diagnostics, generatorDiagnostics) = RunReportingErrors(sources);
        Assert.Empty(generatorDiagnostics);
        return (result, diagnostics);
    }

    /// <summary>Runs the generator; also returns what the generator itself reported (DSL errors, or CS8785 when it crashed).</summary>
    public static (GeneratorDriverRunResult Result, ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<Diagnostic> GeneratorDiagnostics) RunReportingErrors(params string[] sources)
    {
        CSharpCompilation compilation = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return (driver.GetRunResult(), output.GetDiagnostics(), generatorDiagnostics);
    }
}
