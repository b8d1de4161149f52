using System.Reflection;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslNets.Generator.Tests;

/// <summary>The pipeline caches: edits that do not touch a network re-run nothing downstream of parsing.</summary>
public class IncrementalTests
{
    [Fact]
    public void UnrelatedEdit_LeavesEveryTrackedStepCachedOrUnchanged_AndTheOutputIdentical()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(SnapshotTests.FashionMlp, "class Unrelated { int Value => 1; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        string firstOutput = Output(driver);

        SyntaxTree unrelated = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            unrelated, CSharpSyntaxTree.ParseText("class Unrelated { int Value => 2; int Other => 3; }", GeneratorHarness.ParseOptions, unrelated.FilePath));
        driver = driver.RunGenerators(edited);

        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        AssertAllOutputs(result, TrackingNames.Parse, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertAllOutputs(result, TrackingNames.ValidSpecs, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.Equal(firstOutput, Output(driver));
    }

    [Fact]
    public void UnrelatedEdit_NextToAnInvalidNetwork_LeavesItsPlaceholderAndErrorsCached()
    {
        const string invalid = "using DslNets;\n[Network(InputSize = 2)] public partial class N { [Dense(8), Dense(8)] public partial DenseLayer L { get; } }";
        CSharpCompilation compilation = GeneratorHarness.Compile(invalid, "class Unrelated { int Value => 1; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Single(driver.GetRunResult().Diagnostics, d => d.Id == "DSL017");

        SyntaxTree unrelated = compilation.SyntaxTrees.Last();
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(
            unrelated, CSharpSyntaxTree.ParseText("class Unrelated { int Value => 2; }", GeneratorHarness.ParseOptions, unrelated.FilePath)));

        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        AssertAllOutputs(result, TrackingNames.Parse, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertAllOutputs(result, TrackingNames.InvalidSpecs, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertAllOutputs(result, TrackingNames.Errors, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.Single(result.Diagnostics, d => d.Id == "DSL017");
    }

    [Fact]
    public void EditInsideTheNetworkFile_ThatKeepsTheSpec_DoesNotReEmit()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(SnapshotTests.Xor);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        string withComment = SnapshotTests.Xor.Replace("public partial class XorNet", "// a comment that moves every location\npublic partial class XorNet");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(withComment, GeneratorHarness.ParseOptions, tree.FilePath)));

        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        AssertAllOutputs(result, TrackingNames.Parse, IncrementalStepRunReason.Unchanged);
        AssertAllOutputs(result, TrackingNames.ValidSpecs, IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void ChangingALayer_ModifiesTheSpec_AndTheOutput()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(SnapshotTests.Xor);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        string before = Output(driver);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        string wider = SnapshotTests.Xor.Replace("[Dense(8), Tanh]", "[Dense(16), Tanh]");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(wider, GeneratorHarness.ParseOptions, tree.FilePath)));

        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        AssertAllOutputs(result, TrackingNames.Parse, IncrementalStepRunReason.Modified);
        Assert.NotEqual(before, Output(driver));
        Assert.Contains("public const int ParameterCount = 82;", Output(driver));
    }

    [Fact]
    public void PipelineModel_HoldsNoSymbolSyntaxNodeOrCompilation()
    {
        var forbidden = new[] { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(SemanticModel), typeof(Location), typeof(SyntaxTree) };
        var visited = new HashSet<Type>();
        var failures = new List<string>();
        Walk(typeof(NetworkParseResult), "NetworkParseResult");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Contains(typeof(OpSpec), visited);
        Assert.Contains(typeof(NoiseSpec), visited);
        Assert.Contains(typeof(PropertyShellSpec), visited);
        Assert.Contains(typeof(LocationInfo), visited);

        void Walk(Type type, string path)
        {
            if (!visited.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string))
                return;
            if (forbidden.Any(f => f.IsAssignableFrom(type)))
            {
                failures.Add($"{path} is a {type.Name}");
                return;
            }

            // An abstract spec (OpSpec) stands for every record derived from it.
            foreach (Type derived in type.IsAbstract ? type.Assembly.GetTypes().Where(t => t.IsSubclassOf(type)) : [])
                Walk(derived, $"{path}:{derived.Name}");
            foreach (Type argument in type.IsGenericType ? type.GetGenericArguments() : [])
                Walk(argument, $"{path}<{argument.Name}>");
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                Walk(field.FieldType.IsArray ? field.FieldType.GetElementType()! : field.FieldType, $"{path}.{field.Name}");
        }
    }

    [Fact]
    public void Specs_AreValueEquatable()
    {
        NetworkSpec first = ParseSpec(SnapshotTests.FashionMlp);
        NetworkSpec second = ParseSpec(SnapshotTests.FashionMlp);
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, ParseSpec(SnapshotTests.FashionMlp.Replace("Dropout(0.3)", "Dropout(0.4)")));
    }

    internal static NetworkSpec ParseSpec(string source)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        INamedTypeSymbol type = compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type).OfType<INamedTypeSymbol>()
            .Single(t => NetworkParser.FindNetworkAttribute(t) is not null);
        NetworkSpec? spec = NetworkParser.ToSpec(NetworkParser.Parse(type, NetworkParser.FindNetworkAttribute(type)!, default));
        Assert.NotNull(spec);
        return spec;
    }

    private static string Output(GeneratorDriver driver) =>
        string.Join("\n", driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Select(s => s.SourceText.ToString()));

    private static void AssertAllOutputs(GeneratorRunResult result, string step, params IncrementalStepRunReason[] allowed)
    {
        IncrementalGeneratorRunStep[] runs = result.TrackedSteps[step].ToArray();
        Assert.NotEmpty(runs);
        foreach (IncrementalGeneratorRunStep run in runs)
        {
            foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                Assert.Contains(reason, allowed);
        }
    }
}
