using System.Collections.Generic;
using System.Linq;
using DslNets.Declarations;
using Microsoft.CodeAnalysis.CSharp;

namespace DslNets.Generator;

/// <summary>
/// Writes user names as C#: the specs hold names as declared without <c>@</c> (<c>object</c>, <c>Company.base</c>),
/// and every place the emitters write one as code goes through <see cref="Identifier"/>.
/// </summary>
internal static class CSharpNames
{
    /// <summary><c>object</c> -&gt; <c>@object</c>; names that are not keywords unchanged.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary><c>Company.base</c> -&gt; <c>Company.@base</c>.</summary>
    public static string Namespace(string dottedName) => string.Join(".", dottedName.Split('.').Select(Identifier));

    /// <summary><c>Net</c> with <c>[T, event]</c> -&gt; <c>Net&lt;T, @event&gt;</c>.</summary>
    public static string TypeName(string name, IReadOnlyCollection<string> typeParameters) =>
        typeParameters.Count == 0 ? Identifier(name) : $"{Identifier(name)}<{string.Join(", ", typeParameters.Select(Identifier))}>";

    /// <summary>Writes the namespace and reopens the containing types; returns how many blocks to close.</summary>
    public static int OpenContainers(SourceWriter w, string? ns, EquatableArray<ContainingTypeSpec> containingTypes)
    {
        if (ns is not null)
        {
            w.Line($"namespace {Namespace(ns)};");
            w.Line();
        }

        foreach (ContainingTypeSpec outer in containingTypes)
            w.OpenBlock($"partial {outer.Keyword} {TypeName(outer.Name, outer.TypeParameters)}");
        return containingTypes.Count;
    }

    /// <summary>
    /// A hint name unique per type and valid for <c>AddSource</c>: the names as declared (no <c>@</c>), nested
    /// types joined by '+', generic arity as <c>_N</c>, any other character replaced by '_'.
    /// </summary>
    public static string HintName(string? ns, EquatableArray<ContainingTypeSpec> containingTypes, string name, int arity)
    {
        var parts = new List<string>();
        foreach (ContainingTypeSpec outer in containingTypes)
            parts.Add(outer.Name + Arity(outer.TypeParameters.Count));
        parts.Add(name + Arity(arity));
        string text = (ns is null ? string.Empty : ns + ".") + string.Join("+", parts);
        var safe = new System.Text.StringBuilder(text.Length + 5);
        foreach (char c in text)
            safe.Append(char.IsLetterOrDigit(c) || c is '.' or '_' or '+' ? c : '_');
        return safe.Append(".g.cs").ToString();
    }

    private static string Arity(int count) => count == 0 ? string.Empty : "_" + count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
