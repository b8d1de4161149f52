using System.Collections.Generic;
using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// DSL018 (info): a <c>Dense(Norm = DenseNorm.Weight)</c> or <c>DenseNorm.ScaledCosine</c> whose very next operation
/// (in the same layer or the first of the next) is a <c>BatchNorm</c>. The normalization's learned gain multiplies
/// each output feature (weight_g per feature, scale for all), and batch norm divides each feature by its batch
/// standard deviation, so the gain cancels (up to batch norm's epsilon) and learns nothing. The sibling of DSL007,
/// which reports the bias the same batch norm cancels. Plain cosine normalization learns no gain and is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GainBeforeBatchNormAnalyzer : NetworkAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.GainBeforeBatchNorm);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        var ops = new List<(ParsedLayer Layer, ParsedOp Op)>(network.AllOps());
        for (int i = 0; i + 1 < ops.Count; i++)
        {
            (ParsedLayer layer, ParsedOp op) = ops[i];
            string? gain = op.Kind != OpKind.Dense ? null : op.Norm switch
            {
                DenseNormKind.Weight => "weight_g",
                DenseNormKind.ScaledCosine => "scale",
                _ => null,
            };
            if (gain is not null && ops[i + 1].Op.Kind == OpKind.BatchNorm)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.GainBeforeBatchNorm, op.Attribute.ArgumentLocation("Norm"), layer.Name, ops[i + 1].Layer.Name, op.Norm.ToString(), gain));
            }
        }
    }
}
