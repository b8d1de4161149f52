using System;
using System.Text;
using System.Threading;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.Generator;

/// <summary>
/// Emits the forward, backward and update code of every <c>[Network]</c> class. The pipeline only: parsing is in
/// the shared <see cref="NetworkParser"/>, emission in <see cref="NetworkEmitter"/>. Invalid declarations produce
/// no code and no diagnostics (the analyzers report them), and nothing here throws into the compiler.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<NetworkSpec?> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.NetworkAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (attributeContext, cancellationToken) => Parse(attributeContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<NetworkSpec> valid = parsed
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.ValidSpecs);

        context.RegisterSourceOutput(valid, static (output, spec) => output.AddSource(HintName(spec), NetworkEmitter.Emit(spec)));
    }

    private static NetworkSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.Length == 0)
            return null;
        try
        {
            return NetworkParser.ToSpec(NetworkParser.Parse(type, context.Attributes[0], cancellationToken));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Half-typed code must never crash the compiler: no code now, the analyzers explain what is wrong.
            return null;
        }
    }

    private static string HintName(NetworkSpec spec)
    {
        var name = new StringBuilder();
        if (spec.Namespace is not null)
            name.Append(spec.Namespace).Append('.');
        foreach (ContainingTypeSpec outer in spec.ContainingTypes)
            name.Append(outer.NameWithTypeParameters).Append('.');
        name.Append(spec.ClassName).Append(spec.TypeParameters);
        foreach (char c in new[] { '<', '>', ',', ' ' })
            name.Replace(c, '_');
        return name.Append(".g.cs").ToString();
    }
}
