using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// DSL003 (warning): an L1 or L2 coefficient of 1 or more. Valid, but the penalty then dominates the data loss and
/// pulls every weight to zero. Negative, NaN and infinite coefficients are the validator's DSL003 error instead.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LargeRegularizationAnalyzer : NetworkAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.InvalidRegularization);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        Check(network.L1, "L1", network.Type.Name, context);
        Check(network.L2, "L2", network.Type.Name, context);
        foreach (ParsedLayer layer in network.Layers)
        {
            Check(layer.L1, "L1", layer.Name, context);
            Check(layer.L2, "L2", layer.Name, context);
        }
    }

    private static void Check(ParsedRegularizer? regularizer, string name, string where, SymbolAnalysisContext context)
    {
        if (regularizer?.Alpha is double alpha && alpha >= 1 && !double.IsInfinity(alpha))
        {
            // Valid but harmful: the same DSL003 as the validator's error, lowered to a warning.
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidRegularization,
                regularizer.Attribute.ArgumentLocation("alpha", 0),
                DiagnosticSeverity.Warning,
                additionalLocations: null,
                properties: null,
                where,
                name,
                OpSpec.Format(alpha)));
        }
    }
}
