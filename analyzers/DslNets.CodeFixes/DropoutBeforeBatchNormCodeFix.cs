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
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace DslNets.CodeFixes;

/// <summary>
/// DSL001 fixes: move the <c>Dropout</c> directly after the network's last <c>BatchNorm</c>, or replace it with a
/// variance-stable noise, <c>GaussianDropout(p)</c> (same p) or <c>Uout(beta)</c> (the same number as beta).
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
                || NetworkSyntax.FindOp(network, dropout) is not { Op.Kind: OpKind.Dropout } found)
            {
                continue;
            }

            if (FindMoveTarget(network, found.Op) is { } lastBatchNorm && lastBatchNorm.SyntaxTree == dropout.SyntaxTree)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Move dropout after the last BatchNorm",
                        ct => MoveAsync(document, dropout, lastBatchNorm, ct),
                        MoveKey),
                    diagnostic);
            }

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
            if (!NetworkSyntax.HasOp(found.Layer, OpKind.Uout) && found.Op.ArgumentsBound && found.Op.Value > 0 && found.Op.Value < 1)
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
    /// The last BatchNorm's attribute when moving the dropout there is a fix: its layer has no other Dropout
    /// (attributes are single-use) and a Dense still follows it (otherwise the dropout would land on the outputs, DSL009).
    /// </summary>
    private static AttributeSyntax? FindMoveTarget(ParsedNetwork network, ParsedOp dropout)
    {
        var ops = new List<(ParsedLayer Layer, ParsedOp Op)>(network.AllOps());
        int lastBatchNorm = ops.FindLastIndex(o => o.Op.Kind == OpKind.BatchNorm);
        int lastDense = ops.FindLastIndex(o => o.Op.Kind == OpKind.Dense);
        if (lastBatchNorm < 0 || lastDense < lastBatchNorm || NetworkSyntax.HasOp(ops[lastBatchNorm].Layer, OpKind.Dropout, except: dropout))
            return null;
        return ops[lastBatchNorm].Op.Attribute.Syntax;
    }

    private static async Task<Document> MoveAsync(Document document, AttributeSyntax dropout, AttributeSyntax lastBatchNorm, CancellationToken cancellationToken)
    {
        DocumentEditor editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        AttributeSyntax moved = dropout.WithoutTrivia().WithAdditionalAnnotations(Formatter.Annotation);
        editor.InsertAfter(lastBatchNorm, moved);

        var list = (AttributeListSyntax)dropout.Parent!;
        if (list.Attributes.Count == 1)
            editor.RemoveNode(list, SyntaxRemoveOptions.KeepUnbalancedDirectives);
        else
            editor.RemoveNode(dropout, SyntaxRemoveOptions.KeepUnbalancedDirectives);
        return editor.GetChangedDocument();
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
