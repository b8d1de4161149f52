using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// Base of every DslNets analyzer: a symbol action on named types that carry <c>[Network]</c>, which hands the
/// shared parser's <see cref="ParsedNetwork"/> to <see cref="Analyze"/>, parsed once per class for all analyzers
/// (<see cref="ParsedNetworks"/>). Only the declared type is looked at, never the whole compilation, so an edit
/// re-analyzes just the network being typed.
/// </summary>
public abstract class NetworkAnalyzer : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
    }

    private protected abstract void Analyze(ParsedNetwork network, SymbolAnalysisContext context);

    private void AnalyzeType(SymbolAnalysisContext context)
    {
        if (context.Symbol is not INamedTypeSymbol type || NetworkParser.FindNetworkAttribute(type) is not { } networkAttribute)
            return;
        Analyze(ParsedNetworks.Get(type, networkAttribute, context.CancellationToken), context);
    }
}
