using System.Collections.Generic;
using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// DSL001: a Bernoulli <c>Dropout</c> or <c>SpatialDropout</c> that runs before a <c>BatchNorm</c> anywhere later in
/// the network, in the same layer or a later one, through any convolutions, pooling and dense layers between them.
/// Dropout scales the kept values by 1/(1-p) in training only, so BatchNorm's running variance is learned on a
/// larger variance than it meets at inference (Li et al. 2019, variance shift); dropping whole channels shifts it
/// the same way. GaussianDropout and Uout are the remedies and are not flagged.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DropoutBeforeBatchNormAnalyzer : NetworkAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.DropoutBeforeBatchNorm);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        var ops = new List<(ParsedLayer Layer, ParsedOp Op)>(network.AllOps());
        for (int i = 0; i < ops.Count; i++)
        {
            if (!ops[i].Op.IsDropout)
                continue;
            for (int j = i + 1; j < ops.Count; j++)
            {
                if (ops[j].Op.Kind != OpKind.BatchNorm)
                    continue;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DropoutBeforeBatchNorm, ops[i].Op.Attribute.Location, ops[i].Layer.Name, ops[j].Layer.Name, ops[i].Op.Kind.ToString()));
                break;
            }
        }
    }
}
