using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslNets.Declarations;

/// <summary>
/// The declaration rules whose breach makes a network impossible to generate (errors). The generator emits
/// nothing for a network with any of them; the analyzers report them. Design warnings (DSL001, DSL006-DSL009)
/// are not here: they do not stop generation and live in the analyzers alone.
/// </summary>
internal static class NetworkValidator
{
    public static ImmutableArray<DeclarationProblem> Validate(ParsedNetwork network)
    {
        var problems = ImmutableArray.CreateBuilder<DeclarationProblem>();
        CheckPartial(network, problems);
        CheckNetworkArguments(network, problems);
        CheckRegularizer(network.L1, "L1", network.Type.Name, problems);
        CheckRegularizer(network.L2, "L2", network.Type.Name, problems);

        if (network.Layers.Count == 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.NoLayers, network.Location, network.Type.Name));

        foreach (ParsedLayer layer in network.Layers)
        {
            CheckLayerProperty(layer, problems);
            CheckRegularizer(layer.L1, "L1", layer.Name, problems);
            CheckRegularizer(layer.L2, "L2", layer.Name, problems);
            foreach (ParsedOp op in layer.Ops)
                CheckOp(layer, op, problems);
        }

        return problems.ToImmutable();
    }

    private static void CheckPartial(ParsedNetwork network, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        if (!NetworkParser.IsPartial(network.Type, CancellationToken.None))
            problems.Add(new DeclarationProblem(DiagnosticIds.NotPartial, network.Location, "class", network.Type.Name));

        for (INamedTypeSymbol? outer = network.Type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!NetworkParser.IsPartial(outer, CancellationToken.None))
                problems.Add(new DeclarationProblem(DiagnosticIds.NotPartial, outer.Locations.FirstOrDefault(), "containing type", outer.Name));
        }

        foreach (ParsedLayer layer in network.Layers)
        {
            bool isPartial = layer.Syntax is { } syntax
                ? syntax.Modifiers.Any(SyntaxKind.PartialKeyword)
                : layer.Property.IsPartialDefinition || layer.Property.PartialDefinitionPart is not null;
            if (!isPartial)
                problems.Add(new DeclarationProblem(DiagnosticIds.NotPartial, layer.Location, "layer property", layer.Name));
        }
    }

    private static void CheckNetworkArguments(ParsedNetwork network, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        ParsedAttribute attribute = network.NetworkAttribute;
        if (!network.ArgumentsBound)
        {
            // The compiler reports the broken argument; nothing is generated until it is fixed.
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, "the [Network] arguments", "not constant"));
            return;
        }

        if (network.InputSize is not int inputSize)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, "InputSize", "missing"));
        else if (inputSize <= 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("InputSize"), "InputSize", Text(inputSize)));

        if (network.MaxBatch <= 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("MaxBatch"), "MaxBatch", Text(network.MaxBatch)));
    }

    private static void CheckLayerProperty(ParsedLayer layer, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        IPropertySymbol property = layer.Property;
        string? reason =
            property.IsStatic ? "it is static" :
            property.Type.ToDisplayString() != KnownNames.DenseLayer ? $"its type is {property.Type.ToDisplayString()}, expected DslNets.DenseLayer" :
            property.SetMethod is not null ? "it has a setter" :
            property.IsVirtual || property.IsOverride || property.IsAbstract ? "it is virtual, abstract or an override" :
            null;
        if (reason is not null)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidLayerProperty, layer.Location, layer.Name, reason));
    }

    private static void CheckOp(ParsedLayer layer, ParsedOp op, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        ParsedAttribute attribute = op.Attribute;
        if (!op.ArgumentsBound)
        {
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.Location, $"{op.Kind} of layer {layer.Name}", "not constant"));
            return;
        }

        switch (op.Kind)
        {
            case OpKind.Dense when op.Units <= 0:
                problems.Add(new DeclarationProblem(DiagnosticIds.InvalidSize, attribute.ArgumentLocation("units", 0), $"Dense units of layer {layer.Name}", Text(op.Units)));
                break;
            case OpKind.Dropout or OpKind.GaussianDropout when !(op.DropProbability >= 0 && op.DropProbability < 1):
                problems.Add(new DeclarationProblem(DiagnosticIds.NoiseRateOutOfRange, attribute.ArgumentLocation("p", 0), layer.Name, op.Kind.ToString(), Text(op.DropProbability), "[0, 1)"));
                break;
            case OpKind.Uout when !(op.Beta > 0 && op.Beta <= 1):
                problems.Add(new DeclarationProblem(DiagnosticIds.NoiseRateOutOfRange, attribute.ArgumentLocation("beta", 0), layer.Name, op.Kind.ToString(), Text(op.Beta), "(0, 1]"));
                break;
            case OpKind.LeakyReLU when double.IsNaN(op.NegativeSlope) || double.IsInfinity(op.NegativeSlope):
                problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("slope", 0), layer.Name, "LeakyReLU slope", Text(op.NegativeSlope), "a finite number"));
                break;
            case OpKind.BatchNorm or OpKind.LayerNorm:
                if (op.Kind == OpKind.BatchNorm && !(op.Momentum >= 0 && op.Momentum <= 1))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Momentum"), layer.Name, "BatchNorm Momentum", Text(op.Momentum), "[0, 1]"));
                if (!(op.Epsilon > 0) || double.IsInfinity(op.Epsilon))
                    problems.Add(new DeclarationProblem(DiagnosticIds.InvalidOperationSetting, attribute.ArgumentLocation("Epsilon"), layer.Name, $"{op.Kind} Epsilon", Text(op.Epsilon), "a positive finite number"));
                break;
        }
    }

    private static void CheckRegularizer(ParsedRegularizer? regularizer, string name, string where, ImmutableArray<DeclarationProblem>.Builder problems)
    {
        if (regularizer is null)
            return;
        if (regularizer.Alpha is not double alpha)
        {
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidRegularization, regularizer.Attribute.Location, where, name, "not constant"));
            return;
        }

        if (double.IsNaN(alpha) || double.IsInfinity(alpha) || alpha < 0)
            problems.Add(new DeclarationProblem(DiagnosticIds.InvalidRegularization, regularizer.Attribute.ArgumentLocation("alpha", 0), where, name, Text(alpha)));
    }

    private static string Text(double value) => OpSpec.Format(value);

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
