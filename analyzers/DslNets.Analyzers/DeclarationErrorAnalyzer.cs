using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// Reports the errors of <see cref="NetworkValidator"/>: the declarations the generator cannot turn into a network
/// (DSL002, DSL003 error, DSL004, DSL005, DSL010, DSL011, DSL012). The rules live in the shared validator, so what
/// the user sees here is exactly what stops generation.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationErrorAnalyzer : NetworkAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NoiseRateOutOfRange,
        DiagnosticDescriptors.InvalidRegularization,
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.InvalidSize,
        DiagnosticDescriptors.InvalidLayerProperty,
        DiagnosticDescriptors.NoLayers,
        DiagnosticDescriptors.InvalidOperationSetting);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        foreach (DeclarationProblem problem in network.Problems)
        {
            if (DiagnosticDescriptors.ForProblem(problem.Id) is { } descriptor)
                context.ReportDiagnostic(Diagnostic.Create(descriptor, problem.Location, problem.MessageArguments));
        }
    }
}
