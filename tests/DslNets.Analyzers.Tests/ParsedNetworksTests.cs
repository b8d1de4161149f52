using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslNets.Analyzers.Tests;

/// <summary>The analyzers share one parse per network class and compilation.</summary>
public class ParsedNetworksTests
{
    private const string Source = """
        using DslNets;

        [Network(InputSize = 4)]
        public partial class Net
        {
            [Dense(8), ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """;

    [Fact]
    public void SameClassOfTheSameCompilation_IsParsedOnce()
    {
        INamedTypeSymbol type = Network(Compile(Source));
        AttributeData attribute = NetworkParser.FindNetworkAttribute(type)!;

        ParsedNetwork first = ParsedNetworks.Get(type, attribute, CancellationToken.None);
        ParsedNetwork second = ParsedNetworks.Get(type, attribute, CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(["Hidden", "Output"], first.Layers.Select(l => l.Name));
    }

    [Fact]
    public void AnEditedCompilation_IsParsedAgain_AndSeesTheEdit()
    {
        CSharpCompilation before = Compile(Source);
        CSharpCompilation after = before.ReplaceSyntaxTree(
            before.SyntaxTrees[0], CSharpSyntaxTree.ParseText(Source.Replace("[Dense(8), ReLU]", "[Dense(8), Tanh]"), TestEnvironment.ParseOptions));
        INamedTypeSymbol typeBefore = Network(before), typeAfter = Network(after);

        ParsedNetwork parsedBefore = ParsedNetworks.Get(typeBefore, NetworkParser.FindNetworkAttribute(typeBefore)!, CancellationToken.None);
        ParsedNetwork parsedAfter = ParsedNetworks.Get(typeAfter, NetworkParser.FindNetworkAttribute(typeAfter)!, CancellationToken.None);

        Assert.NotSame(parsedBefore, parsedAfter);
        Assert.Same(Activations.ReLU, parsedBefore.Layers[0].Ops[1].Activation);
        Assert.Same(Activations.Tanh, parsedAfter.Layers[0].Ops[1].Activation);
    }

    private static CSharpCompilation Compile(string source) => CSharpCompilation.Create(
        "Networks",
        [CSharpSyntaxTree.ParseText(source, TestEnvironment.ParseOptions)],
        TestEnvironment.AdditionalReferences,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    private static INamedTypeSymbol Network(Compilation compilation) => compilation.GetTypeByMetadataName("Net")!;
}
