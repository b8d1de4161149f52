using System.Text.RegularExpressions;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslNets.Generator.Tests;

/// <summary>
/// The validator's knowledge of the generated code (reserved member names for DSL015, buffer sizes for DSL016)
/// checked against what the generator actually emits, so the two cannot drift apart.
/// </summary>
public class GeneratedMembersTests
{
    public static TheoryData<string> Networks => new() { SnapshotTests.Xor, SnapshotTests.FashionMlp, SnapshotTests.NestedRegression, SoftmaxOnly, SnapshotTests.SmallCnn, GlobalPoolCnn };

    private const string GlobalPoolCnn = """
        using DslNets;
        [Network(InputShape = new[] { 2, 9, 9 }, MaxBatch = 16)]
        public partial class GlobalPoolCnn
        {
            [Conv2D(6, 1), ReLU, MaxPool2D(3, Padding = 1), GlobalAvgPool2D, Flatten]
            public partial ConvLayer Body { get; }

            [Dense(3)]
            public partial DenseLayer Head { get; }
        }
        """;

    private const string SoftmaxOnly = """
        using DslNets;
        [Network(InputSize = 3, MaxBatch = 5)]
        public partial class SoftmaxOnly
        {
            [Softmax]
            public partial DenseLayer Output { get; }
        }
        """;

    [Theory]
    [MemberData(nameof(Networks))]
    public void EveryGeneratedMember_IsReserved_ForLayerNames(string source)
    {
        var (result, _) = GeneratorHarness.Run(source);
        SyntaxNode root = CSharpSyntaxTree.ParseText(Assert.Single(Assert.Single(result.Results).GeneratedSources).SourceText).GetRoot();
        ClassDeclarationSyntax network = root.DescendantNodes().OfType<ClassDeclarationSyntax>().Last(c => c.BaseList is not null);
        string className = network.Identifier.ValueText;
        string[] layers = network.Members.OfType<PropertyDeclarationSyntax>()
            .Where(p => p.Type.ToString() is "global::DslNets.DenseLayer" or "global::DslNets.ConvLayer").Select(p => p.Identifier.ValueText).ToArray();

        var unreserved = new List<string>();
        foreach (MemberDeclarationSyntax member in network.Members)
        {
            foreach (string name in DeclaredNames(member))
            {
                if (!layers.Contains(name) && GeneratedMembers.ReservedBy(name, className, layers) is null)
                    unreserved.Add(name);
            }
        }

        Assert.True(unreserved.Count == 0, "generated but not reserved: " + string.Join(", ", unreserved));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ValidatorCounts_EqualTheEmittedSizes(string source)
    {
        var (result, _) = GeneratorHarness.Run(source);
        string generated = Assert.Single(Assert.Single(result.Results).GeneratedSources).SourceText.ToString();
        long Constant(string name) => long.Parse(Regex.Match(generated, $@"const int {name} = (\d+);").Groups[1].Value);
        long maxBatch = Constant("MaxBatch");
        long scratch = (maxBatch * Constant("InputSize")) + (2 * maxBatch * Constant("MaxWidth"));
        Match length = Regex.Match(generated, @"const int InferenceScratchLength = InferenceColumnsOffset \+ (\d+);");
        if (length.Success)
        {
            // A network with convolutions or ops that cannot work in place: the spare buffer and the unfolded input follow.
            bool spare = generated.Contains("InferenceColumnsOffset = InferenceSpareOffset + MaxBatch * MaxWidth;", StringComparison.Ordinal);
            scratch += (spare ? maxBatch * Constant("MaxWidth") : 0) + long.Parse(length.Groups[1].Value);
        }


        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        INamedTypeSymbol type = compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type).OfType<INamedTypeSymbol>()
            .Single(t => NetworkParser.FindNetworkAttribute(t) is not null);
        long[] counts = NetworkValidator.Counts(NetworkParser.Parse(type, NetworkParser.FindNetworkAttribute(type)!, default)).Select(c => c.Count).ToArray();

        Assert.Equal(
            [Constant("ParameterCount"), Constant("BufferCount"), Constant("ActivationCount"), Constant("SavedCount"), Constant("InferenceCount"), scratch],
            counts);
    }

    private static IEnumerable<string> DeclaredNames(MemberDeclarationSyntax member) => member switch
    {
        // Explicit interface implementations (INetwork.Name) cannot collide with a layer.
        PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: not null } => [],
        MethodDeclarationSyntax { ExplicitInterfaceSpecifier: not null } => [],
        PropertyDeclarationSyntax property => [property.Identifier.ValueText],
        MethodDeclarationSyntax method => [method.Identifier.ValueText],
        ConstructorDeclarationSyntax => [],
        FieldDeclarationSyntax field => field.Declaration.Variables.Select(v => v.Identifier.ValueText),
        BaseTypeDeclarationSyntax nested => [nested.Identifier.ValueText],
        _ => throw new InvalidOperationException("unexpected generated member: " + member.Kind()),
    };
}
