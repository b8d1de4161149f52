using System.Collections.Generic;
using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// DSL009: a noise operation (<c>Dropout</c>, <c>GaussianDropout</c>, <c>Uout</c>, <c>SpatialDropout</c>) after the
/// last weight layer (<c>Dense</c> or <c>Conv2D</c>). Nothing learnable follows it, so it only corrupts the
/// predictions the loss is computed on.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NoiseOnOutputsAnalyzer : NetworkAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.NoiseOnOutputs);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        var ops = new List<(ParsedLayer Layer, ParsedOp Op)>(network.AllOps());
        int lastDense = ops.FindLastIndex(o => o.Op.IsWeightOp);
        if (lastDense < 0)
            return;

        for (int i = lastDense + 1; i < ops.Count; i++)
        {
            (ParsedLayer layer, ParsedOp op) = ops[i];
            if (op.IsNoise)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.NoiseOnOutputs, op.Attribute.Location, layer.Name, op.Kind.ToString(), ops[lastDense].Layer.Name, ops[lastDense].Op.Kind.ToString()));
            }
        }
    }
}
