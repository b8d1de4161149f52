using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.Declarations;

/// <summary>An attribute as written, with the syntax to point diagnostics at.</summary>
internal sealed class ParsedAttribute
{
    public ParsedAttribute(AttributeData data, AttributeSyntax? syntax)
    {
        Data = data;
        Syntax = syntax;
    }

    public AttributeData Data { get; }

    public AttributeSyntax? Syntax { get; }

    public Location Location => Syntax?.GetLocation() ?? Location.None;

    /// <summary>The attribute's name as written (<c>Dropout</c>, <c>DslNets.Dropout</c>).</summary>
    public string WrittenName => Syntax?.Name.ToString() ?? Data.AttributeClass?.Name ?? string.Empty;

    /// <summary>
    /// The location of a named argument (<c>InputSize = 0</c>) or of the constructor argument at
    /// <paramref name="position"/>; the whole attribute when the argument is not written.
    /// </summary>
    public Location ArgumentLocation(string? name, int position = -1)
    {
        if (Syntax?.ArgumentList is { } list)
        {
            int positional = 0;
            foreach (AttributeArgumentSyntax argument in list.Arguments)
            {
                if (argument.NameEquals is { } nameEquals)
                {
                    if (name is not null && nameEquals.Name.Identifier.ValueText == name)
                        return argument.GetLocation();
                }
                else if (argument.NameColon is { } nameColon)
                {
                    if (name is not null && nameColon.Name.Identifier.ValueText == name)
                        return argument.GetLocation();
                    positional++;
                }
                else
                {
                    if (positional == position)
                        return argument.GetLocation();
                    positional++;
                }
            }
        }

        return Location;
    }
}

/// <summary>One operation attribute of a layer property, with its arguments read.</summary>
internal sealed class ParsedOp
{
    public ParsedOp(OpKind kind, ParsedAttribute attribute, Activation? activation = null)
    {
        Kind = kind;
        Attribute = attribute;
        Activation = activation;
        if (activation?.DefaultSlope is double slope)
            NegativeSlope = slope;
    }

    public OpKind Kind { get; }

    /// <summary><see cref="OpKind.Activation"/>: the catalog entry; null otherwise.</summary>
    public Activation? Activation { get; }

    /// <summary>The operation's name, as its attribute class without <c>Attribute</c> (<c>Dense</c>, <c>GELU</c>).</summary>
    public string Name => Activation?.Name ?? Kind.ToString();

    public ParsedAttribute Attribute { get; }

    /// <summary>False when the compiler could not bind the arguments (it reports that itself).</summary>
    public bool ArgumentsBound { get; set; } = true;

    /// <summary>Dense: output features.</summary>
    public int Units { get; set; }

    /// <summary>Dense and Conv2D: whether the layer has a bias.</summary>
    public bool Bias { get; set; } = NetworkParser.DefaultBias;

    /// <summary>Dense: weight or cosine normalization of the product.</summary>
    public DenseNormKind Norm { get; set; } = NetworkParser.DefaultNorm;

    /// <summary>Conv2D: output channels.</summary>
    public int Filters { get; set; }

    /// <summary>Conv2D: the kernel's height and width; MaxPool2D and AvgPool2D: the window's.</summary>
    public int Kernel { get; set; }

    /// <summary>Conv2D, MaxPool2D, AvgPool2D: the step between windows (a pool's default is its size).</summary>
    public int Stride { get; set; } = NetworkParser.DefaultStride;

    /// <summary>Conv2D (explicit mode), MaxPool2D, AvgPool2D: zeros on each side of the height and width.</summary>
    public int Padding { get; set; } = NetworkParser.DefaultPadding;

    /// <summary>Conv2D: explicit or "same" padding.</summary>
    public PaddingModeKind PaddingMode { get; set; } = NetworkParser.DefaultPaddingMode;

    /// <summary>Conv2D: spacing between kernel taps.</summary>
    public int Dilation { get; set; } = NetworkParser.DefaultDilation;

    /// <summary>An activation with a slope (LeakyReLU): the slope for negative inputs.</summary>
    public double NegativeSlope { get; set; }

    /// <summary>Dropout, GaussianDropout and SpatialDropout: p, the probability to drop.</summary>
    public double DropProbability { get; set; }

    /// <summary>Uout: the half-width of the uniform noise.</summary>
    public double Beta { get; set; }

    /// <summary>BatchNorm: the weight of the batch in the running statistics.</summary>
    public double Momentum { get; set; } = NetworkParser.DefaultMomentum;

    /// <summary>BatchNorm and LayerNorm: added to the variance.</summary>
    public double Epsilon { get; set; } = NetworkParser.DefaultEpsilon;

    /// <summary>BatchNorm: synchronized over the ranks of data-parallel training.</summary>
    public bool Sync { get; set; } = NetworkParser.DefaultSync;


    public bool IsNoise => Kind is OpKind.Dropout or OpKind.GaussianDropout or OpKind.Uout or OpKind.SpatialDropout;

    /// <summary>The ops that zero whole values or channels (dropout's variance shift, DSL001).</summary>
    public bool IsDropout => Kind is OpKind.Dropout or OpKind.SpatialDropout;

    /// <summary>The ops with a weight that L1/L2 penalize and an optional bias (DSL007).</summary>
    public bool IsWeightOp => Kind is OpKind.Dense or OpKind.Conv2D;

    /// <summary>The ops that read samples as <c>[channels, height, width]</c> and refuse a flat input.</summary>
    public bool NeedsImageInput => Kind is OpKind.Conv2D or OpKind.MaxPool2D or OpKind.AvgPool2D or OpKind.GlobalAvgPool2D or OpKind.SpatialDropout;

    /// <summary>
    /// Conv2D: the padding on each side after resolving <see cref="PaddingModeKind.Same"/> (half the dilated kernel
    /// extent minus one; the validator refuses an uneven one); MaxPool2D, AvgPool2D: <see cref="Padding"/>.
    /// </summary>
    public int ResolvedPadding => Kind == OpKind.Conv2D && PaddingMode == PaddingModeKind.Same ? Dilation * (Kernel - 1) / 2 : Padding;
}

/// <summary>An L1 or L2 attribute and its coefficient.</summary>
internal sealed class ParsedRegularizer
{
    public ParsedRegularizer(ParsedAttribute attribute, double? alpha)
    {
        Attribute = attribute;
        Alpha = alpha;
    }

    public ParsedAttribute Attribute { get; }

    /// <summary>The coefficient; null when the compiler could not bind it.</summary>
    public double? Alpha { get; }
}

/// <summary>A layer property and its operations in written order.</summary>
internal sealed class ParsedLayer
{
    public ParsedLayer(IPropertySymbol property, PropertyDeclarationSyntax? syntax)
    {
        Property = property;
        Syntax = syntax;
    }

    public IPropertySymbol Property { get; }

    public PropertyDeclarationSyntax? Syntax { get; }

    public string Name => Property.Name;

    /// <summary>The property name's location (what a layer-level diagnostic points at).</summary>
    public Location Location => Syntax?.Identifier.GetLocation() ?? Property.Locations.FirstOrDefault();

    /// <summary>Whether the declaration carrying the layer attributes has the <c>partial</c> modifier.</summary>
    public bool IsPartial => Syntax is { } syntax
        ? syntax.Modifiers.Any(SyntaxKind.PartialKeyword)
        : Property.IsPartialDefinition || Property.PartialDefinitionPart is not null;

    public List<ParsedOp> Ops { get; } = new();

    /// <summary>Every DslNets attribute on the property in written order (operations and regularizers), by class name.</summary>
    public List<(string ClassName, ParsedAttribute Attribute)> Attributes { get; } = new();

    public ParsedRegularizer? L1 { get; set; }

    public ParsedRegularizer? L2 { get; set; }
}

/// <summary>
/// A network class as declared, for the analyzers (symbols and locations) and as the input of
/// <see cref="NetworkParser.ToSpec"/> (which reduces it to the equatable <see cref="NetworkSpec"/>).
/// </summary>
internal sealed class ParsedNetwork
{
    public ParsedNetwork(INamedTypeSymbol type, ParsedAttribute networkAttribute)
    {
        Type = type;
        NetworkAttribute = networkAttribute;
    }

    public INamedTypeSymbol Type { get; }

    public ParsedAttribute NetworkAttribute { get; }

    /// <summary>The class name's location in the declaration carrying <c>[Network]</c>.</summary>
    public Location Location { get; set; } = Location.None;

    /// <summary><c>InputSize</c> as written; null when not given.</summary>
    public int? InputSize { get; set; }

    /// <summary><c>InputShape</c> as written; null when not given (or given as <c>null</c>).</summary>
    public int[]? InputShape { get; set; }

    /// <summary>
    /// The shape of one input sample: <see cref="InputShape"/>, or <c>[InputSize]</c>; null when neither is given or
    /// both are (the validator reports that).
    /// </summary>
    public Shape? ResolvedInputShape => (InputSize, InputShape) switch
    {
        (int size, null) => Shape.Of(size),
        (null, int[] shape) => Shape.Of(shape),
        _ => null,
    };

    public int MaxBatch { get; set; } = NetworkParser.DefaultMaxBatch;

    public LossKind Loss { get; set; } = NetworkParser.DefaultLoss;

    public int Seed { get; set; }

    /// <summary>False when the compiler could not bind the <c>[Network]</c> arguments.</summary>
    public bool ArgumentsBound { get; set; } = true;

    public ParsedRegularizer? L1 { get; set; }

    public ParsedRegularizer? L2 { get; set; }

    public List<ParsedLayer> Layers { get; } = new();

    /// <summary>The DslNets attributes on the class (<c>Network</c>, <c>L1</c>, <c>L2</c>), by class name.</summary>
    public List<(string ClassName, ParsedAttribute Attribute)> Attributes { get; } = new();

    /// <summary>Operations over all layers in execution order, with their layer.</summary>
    public IEnumerable<(ParsedLayer Layer, ParsedOp Op)> AllOps()
    {
        foreach (ParsedLayer layer in Layers)
        {
            foreach (ParsedOp op in layer.Ops)
                yield return (layer, op);
        }
    }

    /// <summary>The errors that stop generation (see <see cref="NetworkValidator"/>).</summary>
    public ImmutableArray<DeclarationProblem> Problems { get; set; } = ImmutableArray<DeclarationProblem>.Empty;
}

/// <summary>A rule a declaration breaks: which ID, where, and the message arguments.</summary>
internal sealed class DeclarationProblem
{
    public DeclarationProblem(string id, Location location, params string[] messageArguments)
    {
        Id = id;
        Location = location;
        MessageArguments = messageArguments;
    }

    public string Id { get; }

    public Location Location { get; }

    public string[] MessageArguments { get; }

    /// <summary>
    /// True when the declaration also breaks a C# rule the compiler reports in the user's own code (a partial member
    /// in a type that cannot be completed: CS0751, CS9248, CS0579). The command-line compiler then stops before it
    /// runs analyzers, so the generator reports this problem itself.
    /// </summary>
    public bool ReportedByGenerator { get; init; }
}

internal static class LocationExtensions
{
    public static Location FirstOrDefault(this ImmutableArray<Location> locations) =>
        locations.IsDefaultOrEmpty ? Location.None : locations[0];
}
