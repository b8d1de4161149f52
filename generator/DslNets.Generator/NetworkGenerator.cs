using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.Generator;

/// <summary>
/// Emits the forward, backward and update code of every <c>[Network]</c> class. The pipeline only: parsing is in
/// the shared <see cref="NetworkParser"/>, emission in <see cref="NetworkEmitter"/>. Nothing here throws into the
/// compiler.
/// </summary>
/// <remarks>
/// How declaration errors reach a command-line build (docs/diagnostics.md, "How the errors reach the build"): the
/// compiler runs analyzers only when the declarations compile, so for an invalid network the generator still writes
/// the partial layer properties (<see cref="InvalidNetworkEmitter"/>) and the analyzers report the errors, next to
/// every other network's warnings. Where the user's own code cannot compile whatever is generated (a class that is
/// not partial, an attribute given twice), the generator reports the errors itself, through a diagnostics output
/// separate from the source output and built from values only.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<NetworkParseResult?> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.NetworkAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (attributeContext, cancellationToken) => Parse(attributeContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<NetworkSpec> valid = parsed
            .Where(static result => result?.Spec is not null)
            .Select(static (result, _) => result!.Spec!)
            .WithTrackingName(TrackingNames.ValidSpecs);

        IncrementalValuesProvider<InvalidNetworkSpec> invalid = parsed
            .Where(static result => result?.Invalid is not null)
            .Select(static (result, _) => result!.Invalid!)
            .WithTrackingName(TrackingNames.InvalidSpecs);

        IncrementalValueProvider<ImmutableArray<EquatableArray<DiagnosticInfo>>> errors = parsed
            .Select(static (result, _) => result?.Errors ?? EquatableArray<DiagnosticInfo>.Empty)
            .Collect()
            .WithTrackingName(TrackingNames.Errors);

        context.RegisterSourceOutput(valid, static (output, spec) =>
            output.AddSource(CSharpNames.HintName(spec.Namespace, spec.ContainingTypes, spec.ClassName, spec.TypeParameters.Count), NetworkEmitter.Emit(spec)));
        context.RegisterSourceOutput(invalid, static (output, spec) =>
            output.AddSource(CSharpNames.HintName(spec.Namespace, spec.ContainingTypes, spec.ClassName, spec.TypeParameters.Count), InvalidNetworkEmitter.Emit(spec)));
        context.RegisterSourceOutput(errors, static (output, all) => ReportErrors(output, all));
    }

    private static NetworkParseResult? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        // A class without a name yet (half-typed) has nothing to complete; the compiler reports the syntax error.
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.Length == 0 || type.Name.Length == 0)
            return null;

        // [Network] on two parts of one class (the compiler's CS0579): one result, from the first, so one hint name.
        AttributeData? first = NetworkParser.FindNetworkAttribute(type);
        if (first is null || first.ApplicationSyntaxReference?.SyntaxTree != context.TargetNode.SyntaxTree
            || !context.TargetNode.Span.Contains(first.ApplicationSyntaxReference.Span))
        {
            return null;
        }

        try
        {
            ParsedNetwork network = NetworkParser.Parse(type, first, cancellationToken);
            return new NetworkParseResult(
                NetworkParser.ToSpec(network),
                NetworkParser.ToInvalidNetworkSpec(network),
                new EquatableArray<DiagnosticInfo>(network.Problems.Select(DiagnosticInfo.From)));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Half-typed code must never crash the compiler: no code now, the analyzers explain what is wrong.
            return null;
        }
    }

    /// <summary>
    /// When some network has an error that stops the command-line compiler before the analyzers (see
    /// <see cref="DeclarationProblem.ReportedByGenerator"/>), no analyzer will report anything in that build: the
    /// generator then reports the errors of every network, so none is hidden behind another. Otherwise it reports
    /// nothing and leaves every diagnostic to the analyzers (no duplicates).
    /// </summary>
    private static void ReportErrors(SourceProductionContext output, ImmutableArray<EquatableArray<DiagnosticInfo>> all)
    {
        if (!all.Any(errors => errors.Any(e => e.ReportedByGenerator)))
            return;
        foreach (EquatableArray<DiagnosticInfo> errors in all)
        {
            foreach (DiagnosticInfo error in errors)
                output.ReportDiagnostic(error.ToDiagnostic());
        }
    }
}
