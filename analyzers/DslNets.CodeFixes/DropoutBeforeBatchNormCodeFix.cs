using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.CodeFixes;

/// <summary>
/// DSL001 fixes: move the <c>Dropout</c> or <c>SpatialDropout</c> directly after the network's last <c>BatchNorm</c>,
/// or replace a <c>Dropout</c> with a variance-stable noise, <c>GaussianDropout(p)</c> (same p) or <c>Uout(beta)</c>
/// (the same number as beta). A <c>SpatialDropout</c> is only moved: the replacements perturb single values, not
/// whole channels, which is a different regularizer rather than the same one without the shift.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DropoutBeforeBatchNormCodeFix)), Shared]
public sealed class DropoutBeforeBatchNormCodeFix : CodeFixProvider
{
    public const string MoveKey = DiagnosticIds.DropoutBeforeBatchNorm + ".MoveAfterLastBatchNorm";
    public const string GaussianDropoutKey = DiagnosticIds.DropoutBeforeBatchNorm + ".UseGaussianDropout";
    public const string UoutKey = DiagnosticIds.DropoutBeforeBatchNorm + ".UseUout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.DropoutBeforeBatchNorm);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Document document = context.Document;
        if (await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false) is not { } root)
            return;

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (NetworkSyntax.FindAttribute(root, diagnostic) is not { } dropout
                || await NetworkSyntax.ParseContainingNetworkAsync(document, dropout, context.CancellationToken).ConfigureAwait(false) is not { } network
                || NetworkSyntax.FindOp(network, dropout) is not { Op.IsDropout: true } found)
            {
                continue;
            }

            if (FindMoveTarget(network, found.Op) is { } lastBatchNorm && lastBatchNorm.SyntaxTree == dropout.SyntaxTree)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        found.Op.Kind == OpKind.Dropout ? "Move dropout after the last BatchNorm" : "Move spatial dropout after the last BatchNorm",
                        ct => MoveAsync(document, dropout, lastBatchNorm, ct),
                        MoveKey),
                    diagnostic);
            }

            if (found.Op.Kind != OpKind.Dropout)
                continue;

            // AllowMultiple = false on every layer attribute: never create a second GaussianDropout or Uout in one layer.
            if (!NetworkSyntax.HasOp(found.Layer, OpKind.GaussianDropout))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Use GaussianDropout instead",
                        ct => ReplaceAsync(document, dropout, "GaussianDropout", parameterName: "p", ct),
                        GaussianDropoutKey),
                    diagnostic);
            }

            // Uout's beta must lie in (0, 1]; a drop probability in (0, 1) carries over as the same number.
            if (!NetworkSyntax.HasOp(found.Layer, OpKind.Uout) && found.Op.ArgumentsBound && found.Op.DropProbability > 0 && found.Op.DropProbability < 1)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Use Uout instead",
                        ct => ReplaceAsync(document, dropout, "Uout", parameterName: "beta", ct),
                        UoutKey),
                    diagnostic);
            }
        }
    }

    /// <summary>
    /// The last BatchNorm's attribute when moving the dropout there is a fix: its layer has no other dropout of the
    /// same kind (attributes are single-use), a Dense or Conv2D still follows it (otherwise the dropout would land on
    /// the outputs, DSL009), and for a SpatialDropout the BatchNorm's output is still <c>[channels, height, width]</c>
    /// (otherwise the move would trade DSL001 for the error DSL022).
    /// </summary>
    private static AttributeSyntax? FindMoveTarget(ParsedNetwork network, ParsedOp dropout)
    {
        var ops = new List<(ParsedLayer Layer, ParsedOp Op)>(network.AllOps());
        int lastBatchNorm = ops.FindLastIndex(o => o.Op.Kind == OpKind.BatchNorm);
        int lastWeight = ops.FindLastIndex(o => o.Op.IsWeightOp);
        if (lastBatchNorm < 0 || lastWeight < lastBatchNorm || NetworkSyntax.HasOp(ops[lastBatchNorm].Layer, dropout.Kind, except: dropout))
            return null;
        // Shapes exist for a valid network only (ToSpec is null otherwise): then no move for a SpatialDropout.
        if (dropout.Kind == OpKind.SpatialDropout
            && (NetworkParser.ToSpec(network) is not { } spec || spec.Layers.SelectMany(l => l.Ops).ElementAt(lastBatchNorm).Output.Rank != 3))
        {
            return null;
        }

        return ops[lastBatchNorm].Op.Attribute.Syntax;
    }

    private static async Task<Document> MoveAsync(Document document, AttributeSyntax dropout, AttributeSyntax lastBatchNorm, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
            return document;

        root = root.TrackNodes(dropout, lastBatchNorm);
        root = RemoveAttribute(root, root.GetCurrentNode(dropout)!);
        root = InsertAfter(root, root.GetCurrentNode(lastBatchNorm)!, dropout.WithoutTrivia());
        return document.WithSyntaxRoot(root);
    }

    /// <summary>Removes <paramref name="attribute"/> and its comma; an attribute list left empty goes too, its leading trivia kept.</summary>
    private static SyntaxNode RemoveAttribute(SyntaxNode root, AttributeSyntax attribute)
    {
        var list = (AttributeListSyntax)attribute.Parent!;
        if (list.Attributes.Count > 1)
            return root.ReplaceNode(list, list.WithAttributes(list.Attributes.Remove(attribute)));

        if (list.Parent is not MemberDeclarationSyntax member)
            return root.RemoveNode(list, SyntaxRemoveOptions.KeepUnbalancedDirectives)!;

        // The list's leading trivia (blank lines, comments, indentation) moves to whatever followed the list; its
        // trailing line break goes with it.
        int index = member.AttributeLists.IndexOf(list);
        MemberDeclarationSyntax updated = member.WithAttributeLists(member.AttributeLists.RemoveAt(index));
        SyntaxToken following = index == 0 ? updated.GetFirstToken() : updated.AttributeLists[index - 1].GetLastToken().GetNextToken();
        updated = updated.ReplaceToken(following, following.WithLeadingTrivia(list.GetLeadingTrivia()));
        return root.ReplaceNode(member, updated);
    }

    /// <summary>Inserts <paramref name="inserted"/> right after <paramref name="anchor"/> in its attribute list, separated by ", ".</summary>
    private static SyntaxNode InsertAfter(SyntaxNode root, AttributeSyntax anchor, AttributeSyntax inserted)
    {
        var list = (AttributeListSyntax)anchor.Parent!;
        var nodesAndTokens = new List<SyntaxNodeOrToken>(list.Attributes.GetWithSeparators());
        int index = nodesAndTokens.FindIndex(n => n.IsNode && n.AsNode() == anchor);
        nodesAndTokens.InsertRange(index + 1, new SyntaxNodeOrToken[]
        {
            SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space),
            inserted,
        });
        return root.ReplaceNode(list, list.WithAttributes(SyntaxFactory.SeparatedList<AttributeSyntax>(nodesAndTokens)));
    }

    private static async Task<Document> ReplaceAsync(
        Document document, AttributeSyntax dropout, string newName, string parameterName, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root
            || NetworkSyntax.SimpleName(dropout.Name) is not { } name)
        {
            return document;
        }

        // Keep the written form: Dropout -> GaussianDropout, DropoutAttribute -> GaussianDropoutAttribute.
        string text = name.Identifier.ValueText.EndsWith("Attribute", System.StringComparison.Ordinal) ? newName + "Attribute" : newName;
        AttributeSyntax replacement = dropout.ReplaceNode(name, SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(text)).WithTriviaFrom(name));

        // A named argument "p: 0.3" follows the new constructor's parameter name.
        if (replacement.ArgumentList is { } arguments)
        {
            AttributeArgumentSyntax[] renamed = arguments.Arguments
                .Where(a => a.NameColon is { } nameColon && nameColon.Name.Identifier.ValueText == "p")
                .ToArray();
            replacement = replacement.ReplaceNodes(
                renamed,
                (original, _) => original.WithNameColon(original.NameColon!.WithName(
                    SyntaxFactory.IdentifierName(parameterName).WithTriviaFrom(original.NameColon.Name))));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(dropout, replacement));
    }
}
