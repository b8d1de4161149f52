using System.Linq;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DslNets.Generator;

/// <summary>A source location as values (a <see cref="Location"/> would keep the syntax tree alive and never compare equal across runs).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location location) =>
        location.IsInSource ? new LocationInfo(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span) : null;

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>A declaration problem as the generator reports it: ID, location and message arguments, all values.</summary>
/// <param name="ReportedByGenerator">See <see cref="DeclarationProblem.ReportedByGenerator"/>.</param>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> MessageArguments, bool ReportedByGenerator)
{
    public static DiagnosticInfo From(DeclarationProblem problem) =>
        new(problem.Id, LocationInfo.From(problem.Location), new EquatableArray<string>(problem.MessageArguments), problem.ReportedByGenerator);

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(
            DslNets.Analyzers.DiagnosticDescriptors.ForProblem(Id)!,
            Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
            MessageArguments.Cast<object>().ToArray());
}

/// <summary>
/// What parsing one <c>[Network]</c> class gives the pipeline: the spec of a valid network, or for an invalid one
/// the spec of its placeholder part and its errors.
/// </summary>
internal sealed record NetworkParseResult(NetworkSpec? Spec, InvalidNetworkSpec? Invalid, EquatableArray<DiagnosticInfo> Errors);
