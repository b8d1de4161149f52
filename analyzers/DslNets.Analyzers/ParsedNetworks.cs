using System.Runtime.CompilerServices;
using System.Threading;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;

namespace DslNets.Analyzers;

/// <summary>
/// One parse per network class and compilation, shared by every DslNets analyzer: the seven analyzers that look at
/// a network each ask here instead of running <see cref="NetworkParser.Parse"/> themselves. The table is keyed by the
/// class's symbol, which belongs to one compilation, and holds the parse weakly: an edit makes a new compilation with
/// new symbols (a fresh parse), and the old entries go when the old compilation is collected; no analyzer keeps
/// per-compilation state in a field of its own (RS1008).
/// </summary>
internal static class ParsedNetworks
{
    private static readonly ConditionalWeakTable<INamedTypeSymbol, ParsedNetwork> s_parsed = new();

    /// <summary>
    /// The parse of <paramref name="type"/>, which carries <paramref name="networkAttribute"/>: computed by the first
    /// analyzer to ask, reused by the others. Two analyzers asking at once may both parse; one result is kept. A
    /// cancelled parse throws and stores nothing.
    /// </summary>
    public static ParsedNetwork Get(INamedTypeSymbol type, AttributeData networkAttribute, CancellationToken cancellationToken)
    {
        if (s_parsed.TryGetValue(type, out ParsedNetwork? parsed))
            return parsed;
        parsed = NetworkParser.Parse(type, networkAttribute, cancellationToken);
        return s_parsed.GetValue(type, _ => parsed);
    }
}
