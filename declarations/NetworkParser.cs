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
    public const DenseNormKind DefaultNorm = DenseNormKind.None;
    public const double DefaultMomentum = 0.1;
    public const double DefaultEpsilon = 1e-5;
    public const bool DefaultSync = false;
    public const int DefaultStride = 1;
    public const int DefaultPadding = 0;
    public const PaddingModeKind DefaultPaddingMode = PaddingModeKind.Explicit;
    public const int DefaultDilation = 1;

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
        {
            if (attribute.AttributeClass is { } attributeClass && IsDslNetsType(attributeClass))
                network.Attributes.Add((attributeClass.Name, ReadAttribute(attribute, cancellationToken)));
            ReadRegularizer(attribute, cancellationToken, l1 => network.L1 = l1, l2 => network.L2 = l2);
        }

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
    /// The equatable spec of a valid network, or null when the declaration has errors (then see
    /// <see cref="ToInvalidNetworkSpec"/>).
    /// </summary>
    public static NetworkSpec? ToSpec(ParsedNetwork network)
    {
        // A layer without a name yet is half-typed code: the compiler reports it, and nothing is generated.
        if (!network.Problems.IsEmpty || network.ResolvedInputShape is not { } inputShape || network.Layers.Exists(l => l.Name.Length == 0))
            return null;

        var layers = new List<LayerSpec>();
        Shape shape = inputShape;
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
                ModifiersText(layer),
                ToSnakeCase(layer.Name),
                new EquatableArray<OpSpec>(ops),
                l1,
                l2,
                layer.Property.Type.ToDisplayString() == KnownNames.ConvLayer ? LayerViewKind.Conv : LayerViewKind.Dense));
        }

        INamedTypeSymbol type = network.Type;
        return new NetworkSpec(
            NamespaceName(type),
            ContainingTypes(type),
            Keyword(type),
            type.Name,
            TypeParameterNames(type),
            inputShape,
            network.MaxBatch,
            network.Loss,
            network.Seed,
            new EquatableArray<LayerSpec>(layers));
    }

    /// <summary>The spec of one operation reading samples of <paramref name="input"/>'s shape.</summary>
    internal static OpSpec ToSpec(ParsedOp op, Shape input) => op.Kind switch
    {
        OpKind.Dense => new DenseSpec(input, op.Units, op.Bias, op.Norm),
        OpKind.Activation => ActivationSpec.Elementwise(op.Activation!, input, op.NegativeSlope),
        OpKind.Softmax => new ActivationSpec(op.Kind, input),
        OpKind.BatchNorm => new NormSpec(op.Kind, input, op.Momentum, op.Epsilon, op.Sync),
        OpKind.LayerNorm => new NormSpec(op.Kind, input, 0, op.Epsilon),
        OpKind.Dropout or OpKind.GaussianDropout => new NoiseSpec(op.Kind, input, op.DropProbability, 0),
        OpKind.Uout => new NoiseSpec(op.Kind, input, 0, op.Beta),
        OpKind.SpatialDropout => new NoiseSpec(op.Kind, input, op.DropProbability, 0),
        OpKind.Conv2D => new ConvSpec(input, op.Filters, op.Kernel, op.Kernel, op.Stride, op.Stride, op.ResolvedPadding, op.ResolvedPadding, op.Dilation, op.Bias),
        OpKind.MaxPool2D or OpKind.AvgPool2D => new PoolSpec(op.Kind, input, op.Kernel, op.Kernel, op.Stride, op.Stride, op.Padding, op.Padding),
        OpKind.GlobalAvgPool2D => PoolSpec.Global(input),
        OpKind.Flatten => new FlattenSpec(input),
        _ => throw new InvalidOperationException($"The parser has no spec for the operation kind {op.Kind}."),
    };

    /// <summary>
    /// For a network with errors: the implementation parts of its partial layer properties, so that the compilation
    /// has no unimplemented partial member (CS9248) and the command-line compiler goes on to run the analyzers, which
    /// report the errors. Null when the network is valid (it is generated), or when no part can be added to the class
    /// (it, or a type containing it, is not partial or is file-local), or when it has no partial layer property to
    /// complete (an instance layer in a static class is the user's CS0708, not completed).
    /// </summary>
    public static InvalidNetworkSpec? ToInvalidNetworkSpec(ParsedNetwork network)
    {
        INamedTypeSymbol type = network.Type;
        if (network.Problems.IsEmpty || !CanAddPart(type))
            return null;

        var properties = new List<PropertyShellSpec>();
        foreach (ParsedLayer layer in network.Layers)
        {
            IPropertySymbol property = layer.Property;
            if (layer.Syntax is not { AccessorList: { } accessorList } || !layer.IsPartial || (type.IsStatic && !property.IsStatic)
                || !property.IsPartialDefinition || property.PartialImplementationPart is not null
                || property.IsIndexer || property.RefKind != RefKind.None || !IsBound(property.Type)
                || string.IsNullOrEmpty(property.Name) || accessorList.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null))
            {
                continue;
            }

            var accessors = accessorList.Accessors
                .Select(a => string.Join(" ", a.Modifiers.Select(m => m.Text).Concat(new[] { a.Keyword.Text })))
                .ToList();
            properties.Add(new PropertyShellSpec(
                ModifiersText(layer),
                property.Type.ToDisplayString(QualifiedTypeFormat),
                property.Name,
                new EquatableArray<string>(accessors)));
        }

        if (properties.Count == 0)
            return null;
        return new InvalidNetworkSpec(
            NamespaceName(type),
            ContainingTypes(type),
            Keyword(type),
            type.Name,
            TypeParameterNames(type),
            new EquatableArray<PropertyShellSpec>(properties));
    }

    /// <summary>
    /// Whether <paramref name="symbol"/> is declared in a file this generator wrote. The compiler and the IDE name
    /// generated trees <c>{generator assembly}/{generator type}/{hint name}</c>; the analyzers see those parts.
    /// </summary>
    internal static bool IsGenerated(ISymbol symbol) => symbol.DeclaringSyntaxReferences.All(IsGenerated);

    internal static bool IsGenerated(SyntaxReference reference) =>
        reference.SyntaxTree.FilePath.Replace('\\', '/').Contains("DslNets.Generator/DslNets.Generator.NetworkGenerator/");

    /// <summary>Whether another part can be added to <paramref name="type"/> from a generated file.</summary>
    internal static bool CanAddPart(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsFileLocal || !IsPartial(current, CancellationToken.None))
                return false;
        }

        return true;
    }

    // Fully qualified and keyword-escaped, with nullable annotations (the parts of a partial property must agree on them).
    private static readonly SymbolDisplayFormat QualifiedTypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    // Names as declared, without '@': the emitter escapes what it writes as code; hint names use them as they are.
    private static readonly SymbolDisplayFormat RawNamespaceFormat = new(typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces);

    private static string? NamespaceName(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString(RawNamespaceFormat) : null;

    private static EquatableArray<ContainingTypeSpec> ContainingTypes(INamedTypeSymbol type)
    {
        var containing = new List<ContainingTypeSpec>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            containing.Insert(0, new ContainingTypeSpec(Keyword(outer), outer.Name, TypeParameterNames(outer)));
        return new EquatableArray<ContainingTypeSpec>(containing);
    }

    private static EquatableArray<string> TypeParameterNames(INamedTypeSymbol type) =>
        new(type.TypeParameters.Select(p => p.Name));

    /// <summary>The property's modifiers as written, without <c>partial</c> (both parts must agree; none means private).</summary>
    private static string ModifiersText(ParsedLayer layer) => layer.Syntax is { } syntax
        ? string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text))
        : AccessibilityText(layer.Property.DeclaredAccessibility);

    /// <summary>False when the type, or a type inside it, did not bind (half-typed code).</summary>
    private static bool IsBound(ITypeSymbol type) => type switch
    {
        IErrorTypeSymbol => false,
        IArrayTypeSymbol array => IsBound(array.ElementType),
        IPointerTypeSymbol pointer => IsBound(pointer.PointedAtType),
        INamedTypeSymbol named => named.TypeArguments.All(IsBound),
        _ => type.TypeKind != TypeKind.Error,
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
        var written = new List<(string, ParsedAttribute)>();
        foreach ((AttributeData data, AttributeSyntax? syntax) in attributes)
        {
            if (data.AttributeClass is not { } attributeClass || !IsDslNetsType(attributeClass))
                continue;
            written.Add((attributeClass.Name, new ParsedAttribute(data, syntax)));
            if (KnownNames.TryGetOp(attributeClass.Name, out OpKind kind, out Activation? activation))
            {
                layer ??= new ParsedLayer(property, FindPropertySyntax(property, cancellationToken));
                layer.Ops.Add(ReadOp(kind, activation, new ParsedAttribute(data, syntax)));
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
            layer.Attributes.AddRange(written);
        }

        return layer;
    }

    private static ParsedOp ReadOp(OpKind kind, Activation? activation, ParsedAttribute attribute)
    {
        var op = new ParsedOp(kind, attribute, activation);
        AttributeData data = attribute.Data;
        // A named setting the compiler could not bind (Stride = ) would otherwise read as its default.
        if (data.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
            op.ArgumentsBound = false;
        switch (kind)
        {
            case OpKind.Dense:
                op.ArgumentsBound &= TryGetInt(data, 0, out int units);
                op.Units = units;
                op.Bias = NamedBool(data, "Bias", DefaultBias);
                foreach (KeyValuePair<string, TypedConstant> argument in data.NamedArguments)
                {
                    // A value the runtime does not define (a cast integer) is kept for the validator to name (DSL012).
                    if (argument.Key == "Norm")
                    {
                        if (argument.Value.Kind != TypedConstantKind.Error && argument.Value.Value is int norm)
                            op.Norm = (DenseNormKind)norm;
                        else
                            op.ArgumentsBound = false;
                    }
                }

                break;
            case OpKind.Activation when activation!.HasSlope:
                // The compiler fills in the optional slope; an unbound attribute has no arguments at all.
                if (data.ConstructorArguments.Length > 0)
                {
                    op.ArgumentsBound &= TryGetDouble(data, 0, out double slope);
                    op.NegativeSlope = slope;
                }

                break;
            case OpKind.Conv2D:
                op.ArgumentsBound &= TryGetInt(data, 0, out int filters) & TryGetInt(data, 1, out int kernel);
                op.Filters = filters;
                op.Kernel = kernel;
                op.Stride = NamedInt(data, "Stride", DefaultStride);
                op.Padding = NamedInt(data, "Padding", DefaultPadding);
                op.PaddingMode = (PaddingModeKind)NamedInt(data, "PaddingMode", (int)DefaultPaddingMode);
                op.Dilation = NamedInt(data, "Dilation", DefaultDilation);
                op.Bias = NamedBool(data, "Bias", DefaultBias);
                break;
            case OpKind.MaxPool2D or OpKind.AvgPool2D:
                op.ArgumentsBound &= TryGetInt(data, 0, out int size);
                op.Kernel = size;
                op.Stride = NamedInt(data, "Stride", size); // PyTorch: the stride defaults to the window size
                op.Padding = NamedInt(data, "Padding", DefaultPadding);
                break;
            case OpKind.Dropout or OpKind.GaussianDropout or OpKind.SpatialDropout:
                op.ArgumentsBound &= TryGetDouble(data, 0, out double dropProbability);
                op.DropProbability = dropProbability;
                break;
            case OpKind.Uout:
                op.ArgumentsBound &= TryGetDouble(data, 0, out double beta);
                op.Beta = beta;
                break;
            case OpKind.BatchNorm:
                op.Momentum = NamedDouble(data, "Momentum", DefaultMomentum);
                op.Epsilon = NamedDouble(data, "Epsilon", DefaultEpsilon);
                op.Sync = NamedBool(data, "Sync", DefaultSync);
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
            // An array constant (InputShape) has Values, and its Value throws.
            object? value = argument.Value.Kind is TypedConstantKind.Error or TypedConstantKind.Array ? null : argument.Value.Value;
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
                case "InputShape" when argument.Value.Kind == TypedConstantKind.Array:
                    // InputShape = null reads as not given; an element that is not a constant int leaves it unbound.
                    if (!argument.Value.IsNull)
                    {
                        if (argument.Value.Values.All(v => v.Kind != TypedConstantKind.Error && v.Value is int))
                            network.InputShape = argument.Value.Values.Select(v => (int)v.Value!).ToArray();
                        else
                            network.ArgumentsBound = false;
                    }

                    break;
                case "InputSize" or "MaxBatch" or "Seed" or "Loss" or "InputShape":
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

    private static int NamedInt(AttributeData data, string name, int fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in data.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is int i)
                return i;
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
