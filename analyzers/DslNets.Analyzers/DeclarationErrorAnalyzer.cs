using System.Collections.Immutable;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslNets.Analyzers;

/// <summary>
/// Reports the errors of <see cref="NetworkValidator"/>: the declarations the generator cannot turn into a network
/// (DSL002, DSL003 error, DSL004, DSL005, DSL010-DSL017). The rules live in the shared validator, so what
/// the user sees here is exactly what stops generation.
/// </summary>
/// <remarks>
/// Every diagnostic is reported from the action of the symbol it points at, so it stays local (the IDE shows it while
/// that file is open, and code fixes apply): the network's own problems from the network, a non-partial containing
/// type's from that containing type, which finds the networks nested in it.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationErrorAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NoiseRateOutOfRange,
        DiagnosticDescriptors.InvalidRegularization,
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.InvalidSize,
        DiagnosticDescriptors.InvalidLayerProperty,
        DiagnosticDescriptors.NoLayers,
        DiagnosticDescriptors.InvalidOperationSetting,
        DiagnosticDescriptors.UnsupportedNetworkType,
        DiagnosticDescriptors.TensorNameCollision,
        DiagnosticDescriptors.ReservedName,
        DiagnosticDescriptors.NetworkTooLarge,
        DiagnosticDescriptors.DuplicateAttribute,
        DiagnosticDescriptors.InvalidInputShape,
        DiagnosticDescriptors.WindowLargerThanInput,
        DiagnosticDescriptors.EmptyOutput,
        DiagnosticDescriptors.NeedsImageInput,
        DiagnosticDescriptors.ImageOutput,
        DiagnosticDescriptors.SecondWeightOperation);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        if (context.Symbol is not INamedTypeSymbol type)
            return;

        if (NetworkParser.FindNetworkAttribute(type) is { } networkAttribute)
        {
            foreach (DeclarationProblem problem in ParsedNetworks.Get(type, networkAttribute, context.CancellationToken).Problems)
            {
                if (!IsOnContainingType(type, problem))
                    Report(problem, context);
            }
        }

        if (type.GetTypeMembers().IsEmpty || NetworkParser.IsPartial(type, context.CancellationToken))
            return;

        // A non-partial type with networks nested in it: their "containing type is not partial" problems that point here.
        foreach (INamedTypeSymbol nested in NestedNetworks(type))
        {
            foreach (DeclarationProblem problem in ParsedNetworks.Get(nested, NetworkParser.FindNetworkAttribute(nested)!, context.CancellationToken).Problems)
            {
                if (type.Locations.Contains(problem.Location))
                    Report(problem, context);
            }
        }
    }

    private static bool IsOnContainingType(INamedTypeSymbol type, DeclarationProblem problem)
    {
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.Locations.Contains(problem.Location))
                return true;
        }

        return false;
    }

    private static System.Collections.Generic.IEnumerable<INamedTypeSymbol> NestedNetworks(INamedTypeSymbol type)
    {
        foreach (INamedTypeSymbol nested in type.GetTypeMembers())
        {
            if (NetworkParser.FindNetworkAttribute(nested) is not null)
                yield return nested;
            foreach (INamedTypeSymbol deeper in NestedNetworks(nested))
                yield return deeper;
        }
    }

    private static void Report(DeclarationProblem problem, SymbolAnalysisContext context)
    {
        if (DiagnosticDescriptors.ForProblem(problem.Id) is { } descriptor)
            context.ReportDiagnostic(Diagnostic.Create(descriptor, problem.Location, problem.MessageArguments));
    }
}
