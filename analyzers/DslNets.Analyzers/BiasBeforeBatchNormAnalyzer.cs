using System.Collections.Generic;
using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// DSL007 (info): a <c>Dense</c> or <c>Conv2D</c> with a bias whose very next operation (in the same layer or the
/// first of the next) is a <c>BatchNorm</c>. BatchNorm subtracts the per-feature (per-channel) batch mean, which
/// removes any constant bias, and adds its own learned shift: the bias only costs parameters and time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BiasBeforeBatchNormAnalyzer : NetworkAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.BiasBeforeBatchNorm);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        var ops = new List<(ParsedLayer Layer, ParsedOp Op)>(network.AllOps());
        for (int i = 0; i + 1 < ops.Count; i++)
        {
            (ParsedLayer layer, ParsedOp op) = ops[i];
            if (op.IsWeightOp && op.Bias && ops[i + 1].Op.Kind == OpKind.BatchNorm)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.BiasBeforeBatchNorm, op.Attribute.Location, layer.Name, ops[i + 1].Layer.Name, op.Kind.ToString()));
            }
        }
    }
}
