using System.Collections.Generic;
using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// DSL006: <c>Softmax</c> anywhere but the network's last operation, or last with a loss other than
/// <c>SoftmaxCrossEntropy</c> (mean squared error and binary cross-entropy take raw outputs; a softmax in front of
/// them squashes the outputs and the gradients).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MisplacedSoftmaxAnalyzer : NetworkAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.MisplacedSoftmax);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        var ops = new List<(ParsedLayer Layer, ParsedOp Op)>(network.AllOps());
        for (int i = 0; i < ops.Count; i++)
        {
            (ParsedLayer layer, ParsedOp op) = ops[i];
            if (op.Kind != OpKind.Softmax)
                continue;

            string? reason =
                i != ops.Count - 1
                    ? "is not the last operation of the network; remove it, or move it to the end of the last layer"
                : network.Loss != LossKind.SoftmaxCrossEntropy
                    ? $"is followed by the {network.Loss} loss, which expects raw outputs; remove the Softmax or use Loss.SoftmaxCrossEntropy"
                : null;
            if (reason is not null)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MisplacedSoftmax, op.Attribute.Location, layer.Name, reason));
        }
    }
}
