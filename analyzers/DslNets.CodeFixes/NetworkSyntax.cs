using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.CodeFixes;

/// <summary>What the code fixes need from a document: the attribute a diagnostic points at and its parsed network.</summary>
internal static class NetworkSyntax
{
    /// <summary>The attribute whose span is <paramref name="diagnostic"/>'s location, or null.</summary>
    public static AttributeSyntax? FindAttribute(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.FirstAncestorOrSelf<AttributeSyntax>();

    /// <summary>Parses the network that contains <paramref name="node"/> with the shared parser, or null.</summary>
    public static async Task<ParsedNetwork?> ParseContainingNetworkAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
    {
        if (node.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration
            || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model
            || model.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type
            || NetworkParser.FindNetworkAttribute(type) is not { } networkAttribute)
        {
            return null;
        }

        return NetworkParser.Parse(type, networkAttribute, cancellationToken);
    }

    /// <summary>The operation written as <paramref name="attribute"/>, with its layer.</summary>
    public static (ParsedLayer Layer, ParsedOp Op)? FindOp(ParsedNetwork network, AttributeSyntax attribute)
    {
        foreach ((ParsedLayer layer, ParsedOp op) in network.AllOps())
        {
            if (op.Attribute.Syntax is { } syntax && syntax.SyntaxTree == attribute.SyntaxTree && syntax.Span == attribute.Span)
                return (layer, op);
        }

        return null;
    }

    /// <summary>The rightmost simple name of an attribute name: <c>Dropout</c> in <c>global::DslNets.Dropout</c>.</summary>
    public static SimpleNameSyntax? SimpleName(NameSyntax name) => name switch
    {
        SimpleNameSyntax simple => simple,
        QualifiedNameSyntax qualified => qualified.Right,
        AliasQualifiedNameSyntax alias => alias.Name,
        _ => null,
    };

    public static bool HasOp(ParsedLayer layer, OpKind kind, ParsedOp? except = null) =>
        layer.Ops.Any(op => op.Kind == kind && op != except);
}
