using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.Declarations;

/// <summary>
/// Reads a <c>[Network]</c> class into a <see cref="ParsedNetwork"/> and reduces it to a <see cref="NetworkSpec"/>.
/// The only code that sees Roslyn symbols; the generator and the analyzers both call it. Never throws on
/// incomplete code: what the compiler cannot bind is marked unbound and produces no spec.
/// </summary>
internal static class NetworkParser
{
    // Defaults repeated from the runtime attributes (the compiler cannot load the runtime assembly); the catalog
    // test in the generator's tests fails when the two disagree.
    public const int DefaultMaxBatch = 64;
    public const LossKind DefaultLoss = LossKind.SoftmaxCrossEntropy;
    public const bool DefaultBias = true;
    public const double DefaultMomentum = 0.1;
    public const double DefaultEpsilon = 1e-5;
    public const double DefaultNegativeSlope = 0.01;

    /// <summary>The network attribute on <paramref name="type"/>, or null.</summary>
    public static AttributeData? FindNetworkAttribute(INamedTypeSymbol type) =>
        type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.NetworkAttribute);

    /// <summary>Parses a class carrying <c>[Network]</c> and validates it.</summary>
    public static ParsedNetwork Parse(INamedTypeSymbol type, AttributeData networkAttribute, CancellationToken cancellationToken)
    {
        var network = new ParsedNetwork(type, ReadAttribute(networkAttribute, cancellationToken));
        network.Location = FindClassLocation(type, networkAttribute, cancellationToken);
        ReadNetworkArguments(network);

        foreach (AttributeData attribute in type.GetAttributes())
            ReadRegularizer(attribute, cancellationToken, l1 => network.L1 = l1, l2 => network.L2 = l2);

        foreach (ISymbol member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is IPropertySymbol property && ReadLayer(property, cancellationToken) is { } layer)
                network.Layers.Add(layer);
        }

        network.Problems = NetworkValidator.Validate(network);
        return network;
    }

    /// <summary>
    /// The equatable spec of a valid network, or null when the declaration has errors (the analyzers report them;
    /// the generator then emits nothing).
    /// </summary>
    public static NetworkSpec? ToSpec(ParsedNetwork network)
    {
        if (!network.Problems.IsEmpty || network.InputSize is not int inputSize)
            return null;

        var layers = new List<LayerSpec>();
        Shape shape = Shape.Of(inputSize);
        foreach (ParsedLayer layer in network.Layers)
        {
            var ops = new List<OpSpec>();
            foreach (ParsedOp op in layer.Ops)
            {
                // Each op computes its output shape from its input shape.
                OpSpec spec = ToSpec(op, shape);
                ops.Add(spec);
                shape = spec.Output;
            }

            double l1 = (layer.L1 ?? network.L1)?.Alpha ?? 0;
            double l2 = (layer.L2 ?? network.L2)?.Alpha ?? 0;
            layers.Add(new LayerSpec(
                layer.Name,
                AccessibilityText(layer.Property.DeclaredAccessibility),
                ToSnakeCase(layer.Name),
                new EquatableArray<OpSpec>(ops),
                l1,
                l2));
        }

        INamedTypeSymbol type = network.Type;
        var containing = new List<ContainingTypeSpec>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            containing.Insert(0, new ContainingTypeSpec(Keyword(outer), outer.Name + TypeParameterList(outer)));

        return new NetworkSpec(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
            new EquatableArray<ContainingTypeSpec>(containing),
            Keyword(type),
            type.Name,
            TypeParameterList(type),
            Shape.Of(inputSize),
            network.MaxBatch,
            network.Loss,
            network.Seed,
            new EquatableArray<LayerSpec>(layers));
    }

    /// <summary>The spec of one operation reading samples of <paramref name="input"/>'s shape.</summary>
    private static OpSpec ToSpec(ParsedOp op, Shape input) => op.Kind switch
    {
        OpKind.Dense => new DenseSpec(input, op.Units, op.Bias),
        OpKind.ReLU or OpKind.Tanh or OpKind.Sigmoid or OpKind.Softmax => new ActivationSpec(op.Kind, input),
        OpKind.LeakyReLU => new ActivationSpec(op.Kind, input, op.NegativeSlope),
        OpKind.BatchNorm => new NormSpec(op.Kind, input, op.Momentum, op.Epsilon),
        OpKind.LayerNorm => new NormSpec(op.Kind, input, 0, op.Epsilon),
        OpKind.Dropout or OpKind.GaussianDropout => new NoiseSpec(op.Kind, input, op.DropProbability, 0),
        OpKind.Uout => new NoiseSpec(op.Kind, input, 0, op.Beta),
        _ => throw new InvalidOperationException($"The parser has no spec for the operation kind {op.Kind}."),
    };

    /// <summary><c>Hidden1</c> -&gt; <c>hidden1</c>, <c>OutputLayer</c> -&gt; <c>output_layer</c>, <c>HTTPHead</c> -&gt; <c>http_head</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool startsWord = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                    || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
                if (startsWord && text.Length > 0 && text[text.Length - 1] != '_')
                    text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    private static ParsedLayer? ReadLayer(IPropertySymbol property, CancellationToken cancellationToken)
    {
        // Attributes apply in written order: sort by position so several attribute lists read top to bottom.
        var attributes = property.GetAttributes()
            .Select(a => (Data: a, Syntax: a.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax))
            .OrderBy(a => a.Syntax?.SyntaxTree.FilePath ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(a => a.Syntax?.SpanStart ?? 0)
            .ToList();

        ParsedLayer? layer = null;
        ParsedRegularizer? l1 = null, l2 = null;
        foreach ((AttributeData data, AttributeSyntax? syntax) in attributes)
        {
            if (data.AttributeClass is not { } attributeClass || !IsDslNetsType(attributeClass))
                continue;
            if (KnownNames.TryGetOp(attributeClass.Name, out OpKind kind))
            {
                layer ??= new ParsedLayer(property, FindPropertySyntax(property, cancellationToken));
                layer.Ops.Add(ReadOp(kind, new ParsedAttribute(data, syntax)));
            }
            else
            {
                ReadRegularizer(data, cancellationToken, r => l1 = r, r => l2 = r);
            }
        }

        if (layer is not null)
        {
            layer.L1 = l1;
            layer.L2 = l2;
        }

        return layer;
    }

    private static ParsedOp ReadOp(OpKind kind, ParsedAttribute attribute)
    {
        var op = new ParsedOp(kind, attribute);
        AttributeData data = attribute.Data;
        switch (kind)
        {
            case OpKind.Dense:
                op.ArgumentsBound = TryGetInt(data, 0, out int units);
                op.Units = units;
                op.Bias = NamedBool(data, "Bias", DefaultBias);
                break;
            case OpKind.LeakyReLU:
                // The compiler fills in the optional slope; an unbound attribute has no arguments at all.
                if (data.ConstructorArguments.Length > 0)
                {
                    op.ArgumentsBound = TryGetDouble(data, 0, out double slope);
                    op.NegativeSlope = slope;
                }

                break;
            case OpKind.Dropout or OpKind.GaussianDropout:
                op.ArgumentsBound = TryGetDouble(data, 0, out double dropProbability);
                op.DropProbability = dropProbability;
                break;
            case OpKind.Uout:
                op.ArgumentsBound = TryGetDouble(data, 0, out double beta);
                op.Beta = beta;
                break;
            case OpKind.BatchNorm:
                op.Momentum = NamedDouble(data, "Momentum", DefaultMomentum);
                op.Epsilon = NamedDouble(data, "Epsilon", DefaultEpsilon);
                break;
            case OpKind.LayerNorm:
                op.Epsilon = NamedDouble(data, "Epsilon", DefaultEpsilon);
                break;
        }

        return op;
    }

    private static void ReadNetworkArguments(ParsedNetwork network)
    {
        AttributeData data = network.NetworkAttribute.Data;
        network.MaxBatch = DefaultMaxBatch;
        foreach (KeyValuePair<string, TypedConstant> argument in data.NamedArguments)
        {
            object? value = argument.Value.Kind == TypedConstantKind.Error ? null : argument.Value.Value;
            switch (argument.Key)
            {
                case "InputSize" when value is int inputSize:
                    network.InputSize = inputSize;
                    break;
                case "MaxBatch" when value is int maxBatch:
                    network.MaxBatch = maxBatch;
                    break;
                case "Seed" when value is int seed:
                    network.Seed = seed;
                    break;
                case "Loss" when value is int loss && Enum.IsDefined(typeof(LossKind), loss):
                    network.Loss = (LossKind)loss;
                    break;
                case "InputSize" or "MaxBatch" or "Seed" or "Loss":
                    network.ArgumentsBound = false;
                    break;
            }
        }
    }

    private static void ReadRegularizer(
        AttributeData data, CancellationToken cancellationToken, Action<ParsedRegularizer> setL1, Action<ParsedRegularizer> setL2)
    {
        if (data.AttributeClass is not { } attributeClass || !IsDslNetsType(attributeClass))
            return;
        bool isL1 = attributeClass.Name == KnownNames.L1Attribute;
        if (!isL1 && attributeClass.Name != KnownNames.L2Attribute)
            return;

        double? alpha = TryGetDouble(data, 0, out double value) ? value : null;
        var regularizer = new ParsedRegularizer(ReadAttribute(data, cancellationToken), alpha);
        if (isL1)
            setL1(regularizer);
        else
            setL2(regularizer);
    }

    private static ParsedAttribute ReadAttribute(AttributeData data, CancellationToken cancellationToken) =>
        new(data, data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax);

    private static bool IsDslNetsType(INamedTypeSymbol type) =>
        type.TypeKind != TypeKind.Error && type.ContainingNamespace is { Name: KnownNames.Namespace, ContainingNamespace.IsGlobalNamespace: true };

    private static bool TryGetInt(AttributeData data, int index, out int value)
    {
        value = 0;
        if (data.ConstructorArguments.Length <= index || data.ConstructorArguments[index].Kind == TypedConstantKind.Error)
            return false;
        if (data.ConstructorArguments[index].Value is int i)
        {
            value = i;
            return true;
        }

        return false;
    }

    private static bool TryGetDouble(AttributeData data, int index, out double value)
    {
        value = 0;
        if (data.ConstructorArguments.Length <= index || data.ConstructorArguments[index].Kind == TypedConstantKind.Error)
            return false;
        switch (data.ConstructorArguments[index].Value)
        {
            case double d: value = d; return true;
            case float f: value = f; return true;
            case int i: value = i; return true;
            default: return false;
        }
    }

    private static bool NamedBool(AttributeData data, string name, bool fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in data.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is bool b)
                return b;
        }

        return fallback;
    }

    private static double NamedDouble(AttributeData data, string name, double fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in data.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is double d)
                return d;
        }

        return fallback;
    }

    private static Location FindClassLocation(INamedTypeSymbol type, AttributeData networkAttribute, CancellationToken cancellationToken)
    {
        if (networkAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is { } attributeSyntax
            && attributeSyntax.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } declaration)
        {
            return declaration.Identifier.GetLocation();
        }

        return type.Locations.FirstOrDefault();
    }

    private static PropertyDeclarationSyntax? FindPropertySyntax(IPropertySymbol property, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is PropertyDeclarationSyntax syntax && syntax.AttributeLists.Count > 0)
                return syntax;
        }

        return null;
    }

    internal static string Keyword(INamedTypeSymbol type) => (type.TypeKind, type.IsRecord) switch
    {
        (TypeKind.Struct, true) => "record struct",
        (TypeKind.Struct, false) => "struct",
        (TypeKind.Interface, _) => "interface",
        (_, true) => "record",
        _ => "class",
    };

    private static string TypeParameterList(INamedTypeSymbol type) =>
        type.TypeParameters.Length == 0 ? string.Empty : "<" + string.Join(", ", type.TypeParameters.Select(p => p.Name)) + ">";

    internal static string AccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => "public",
        Accessibility.Internal => "internal",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    /// <summary>Whether every declaration of <paramref name="type"/> carries the <c>partial</c> modifier.</summary>
    internal static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }

        return true;
    }
}
