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

/// <summary>DSL007 fix: set <c>Bias = false</c> on the <c>Dense</c> or <c>Conv2D</c> whose bias the next BatchNorm cancels.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BiasBeforeBatchNormCodeFix)), Shared]
public sealed class BiasBeforeBatchNormCodeFix : CodeFixProvider
{
    public const string RemoveBiasKey = DiagnosticIds.BiasBeforeBatchNorm + ".SetBiasFalse";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.BiasBeforeBatchNorm);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        if (await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false) is not { } root)
            return;

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (NetworkSyntax.FindAttribute(root, diagnostic) is not { } dense)
                continue;

            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create("Set Bias = false", ct => SetBiasFalseAsync(document, dense, ct), RemoveBiasKey),
                diagnostic);
        }
    }

    private static async Task<Document> SetBiasFalseAsync(Document document, AttributeSyntax dense, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
            return document;

        LiteralExpressionSyntax falseLiteral = SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression);
        AttributeArgumentListSyntax arguments = dense.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        AttributeArgumentSyntax? bias = arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Bias");

        AttributeArgumentListSyntax updated;
        if (bias is not null)
        {
            updated = arguments.ReplaceNode(bias.Expression, falseLiteral.WithTriviaFrom(bias.Expression));
        }
        else
        {
            AttributeArgumentSyntax argument = SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(
                    SyntaxFactory.IdentifierName("Bias"),
                    SyntaxFactory.Token(SyntaxFactory.TriviaList(SyntaxFactory.Space), SyntaxKind.EqualsToken, SyntaxFactory.TriviaList(SyntaxFactory.Space))),
                nameColon: null,
                falseLiteral);
            var nodesAndTokens = new List<SyntaxNodeOrToken>(arguments.Arguments.GetWithSeparators());
            if (nodesAndTokens.Count > 0)
                nodesAndTokens.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
            nodesAndTokens.Add(argument);
            updated = arguments.WithArguments(SyntaxFactory.SeparatedList<AttributeArgumentSyntax>(nodesAndTokens));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(dense, dense.WithArgumentList(updated)));
    }
}
