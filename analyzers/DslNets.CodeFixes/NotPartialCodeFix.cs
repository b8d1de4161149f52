using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.CodeFixes;

/// <summary>DSL004 fix: add <c>partial</c> to the network class, a containing type or a layer property.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NotPartialCodeFix)), Shared]
public sealed class NotPartialCodeFix : CodeFixProvider
{
    public const string AddPartialKey = DiagnosticIds.NotPartial + ".AddPartial";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NotPartial);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        if (await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false) is not { } root)
            return;

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // The diagnostic points at the declaration's identifier.
            SyntaxNode? declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
            if (declaration is not (TypeDeclarationSyntax or PropertyDeclarationSyntax) || HasPartial(declaration))
                continue;

            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create("Add 'partial'", ct => AddPartialAsync(document, declaration, ct), AddPartialKey),
                diagnostic);
        }
    }

    private static bool HasPartial(SyntaxNode declaration) =>
        declaration is MemberDeclarationSyntax member && member.Modifiers.Any(SyntaxKind.PartialKeyword);

    private static async Task<Document> AddPartialAsync(Document document, SyntaxNode declaration, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
            return document;

        var member = (MemberDeclarationSyntax)declaration;
        SyntaxTokenList modifiers = member.Modifiers;
        MemberDeclarationSyntax updated;
        if (modifiers.Count > 0)
        {
            // 'partial' must come last, right before the type keyword or the property type.
            SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            updated = member.WithModifiers(modifiers.Add(partial));
        }
        else
        {
            // No modifiers: 'partial' takes over the indentation of the keyword (or type) that now follows it.
            SyntaxToken first = member switch
            {
                TypeDeclarationSyntax type => type.Keyword,
                PropertyDeclarationSyntax property => property.Type.GetFirstToken(),
                _ => member.GetFirstToken(),
            };
            SyntaxToken partial = SyntaxFactory.Token(first.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            updated = member.ReplaceToken(first, first.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(member, updated));
    }
}
