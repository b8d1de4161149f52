using System.Collections.Immutable;
using System.Globalization;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// DSL008: a <c>BatchNorm</c> in a network whose <c>MaxBatch</c> is below 8. Mean and variance estimated from so
/// few samples are mostly noise, and the running statistics inherit it; LayerNorm normalizes per sample instead.
/// A non-positive MaxBatch is the validator's DSL005 error, not this warning.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BatchNormWithSmallBatchAnalyzer : NetworkAnalyzer
{
    /// <summary>The smallest MaxBatch that gives BatchNorm usable statistics.</summary>
    public const int SmallestUsefulBatch = 8;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.BatchNormWithSmallBatch);

    private protected override void Analyze(ParsedNetwork network, SymbolAnalysisContext context)
    {
        if (!network.ArgumentsBound || network.MaxBatch <= 0 || network.MaxBatch >= SmallestUsefulBatch)
            return;

        string maxBatch = network.MaxBatch.ToString(CultureInfo.InvariantCulture);
        foreach ((ParsedLayer layer, ParsedOp op) in network.AllOps())
        {
            if (op.Kind == OpKind.BatchNorm)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BatchNormWithSmallBatch, op.Attribute.Location, layer.Name, maxBatch));
        }
    }
}
