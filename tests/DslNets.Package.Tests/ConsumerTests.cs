namespace DslNets.Package.Tests;

/// <summary>
/// Packs DslNets, then builds and runs a project outside the solution that references only the package: the
/// generator, the analyzers and the runtime must all arrive through that one PackageReference.
/// </summary>
public sealed class ConsumerTests : IClassFixture<PackedDslNets>
{
    private const string Network = """
        using DslNets;

        namespace Consumer;

        [Network(InputSize = 3, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 5)]
        [L2(1e-4)]
        public partial class Classifier
        {
            [Dense(16, Bias = false), BatchNorm, ReLU, Dropout(0.1)]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """;

    private const string FlawedNetwork = """
        using DslNets;

        namespace Consumer;

        [Network(InputSize = 3, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 5)]
        public partial class Flawed
        {
            [Dense(16, Bias = false), Dropout(0.5), BatchNorm, ReLU]
            public partial DenseLayer Hidden { get; }

            [Dense(2)]
            public partial DenseLayer Output { get; }
        }
        """;

    private const string Program = """
        using System;
        using System.IO;
        using Consumer;
        using DslNets;

        var network = new Classifier();
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        float[] x = [0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1];
        int[] y = [0, 1, 1, 0];
        float first = network.TrainStep(x, y, 4, optimizer), last = first;
        for (int step = 0; step < 50; step++)
            last = network.TrainStep(x, y, 4, optimizer);
        var weights = new MemoryStream();
        network.Save(weights);
        Console.WriteLine($"trained {Classifier.ParameterCount} parameters: loss {first:F4} -> {last:F4}, {weights.Length} bytes of safetensors");
        return last < first ? 0 : 1;
        """;

    private readonly PackedDslNets _package;

    public ConsumerTests(PackedDslNets package) => _package = package;

    [Fact]
    public void PackagedDslNets_BuildsAndTrainsAConsumerProject_AndReportsDSL001()
    {
        string project = _package.CreateConsumer("Consumer", new()
        {
            ["Classifier.cs"] = Network,
            ["Flawed.cs"] = FlawedNetwork,
            ["Program.cs"] = Program,
        });

        var (buildExit, buildOutput) = ProcessRunner.Dotnet(project, "build", "-c", "Release");
        Assert.True(buildExit == 0, buildOutput);
        Assert.Contains("warning DSL001", buildOutput);
        Assert.Contains("Flawed.cs(8,31): warning DSL001", buildOutput);
        Assert.DoesNotContain("Classifier.cs(", buildOutput);

        var (runExit, runOutput) = ProcessRunner.Dotnet(project, "run", "-c", "Release", "--no-build");
        Assert.True(runExit == 0, runOutput);
        Assert.Contains("trained", runOutput);
    }

    /// <summary>
    /// The README's C# example, pasted as the whole Program.cs of a new console app (what <c>dotnet new console</c>
    /// writes: net10.0, implicit usings, nullable), builds without a warning and runs.
    /// </summary>
    [Fact]
    public void ReadmeExample_PastedIntoANewConsoleApp_BuildsWithoutWarnings_AndRuns()
    {
        string readme = File.ReadAllText(Path.Combine(ProcessRunner.RepositoryRoot, "README.md"));
        int start = readme.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        string example = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        string project = _package.CreateConsumer(
            "ReadmeExample", new() { ["Program.cs"] = example }, "<TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings>");

        var (buildExit, buildOutput) = ProcessRunner.Dotnet(project, "build", "-c", "Release");
        Assert.True(buildExit == 0, buildOutput);
        Assert.Contains("0 Warning(s)", buildOutput);
        var (runExit, runOutput) = ProcessRunner.Dotnet(project, "run", "-c", "Release", "--no-build");
        Assert.True(runExit == 0, runOutput);
        Assert.Matches(@"loss \d+\.\d{4}; first image: p\(class 0\) = 0\.\d{3}", runOutput);
        Assert.True(File.Exists(Path.Combine(project, "fashion-mlp.safetensors")), "the example's Save wrote no file");
    }

    /// <summary>
    /// One consumer with one mistake per file, each the error the analyzers report once the generator has completed
    /// the invalid networks: every ID at its exact location, the valid network's warning still there, and none of
    /// the compiler's follow-on errors (CS9248 unimplemented partial property, CS8799 accessibility mismatch, CS0102
    /// duplicate member) — plus legal declarations the generator used to break (keywords, no modifier).
    /// </summary>
    [Fact]
    public void EveryErrorTheAnalyzersReport_FailsTheBuildAtItsLocation_AndAValidNetworkKeepsItsDSL001()
    {
        string project = _package.CreateConsumer("AnalyzerErrors", new()
        {
            ["Program.cs"] = "System.Console.WriteLine(new Company.@base.@object().@class.OutFeatures);",
            ["Flawed.cs"] = FlawedNetwork,
            ["Dropout15.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class Dropout15 { [Dense(4), Dropout(1.5)] public partial DenseLayer Hidden { get; } }"),
            ["NegativeL2.cs"] = Mistake("[Network(InputSize = 4)]", "[L2(-1e-4)]", "public partial class NegativeL2 { [Dense(2)] public partial DenseLayer Output { get; } }"),
            ["PropertyNotPartial.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class PropertyNotPartial { [Dense(2)] public DenseLayer Output { get; } }"),
            ["Dense0.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class Dense0 { [Dense(0)] public partial DenseLayer Hidden { get; } }"),
            ["MissingInputSize.cs"] = Mistake("[Network(MaxBatch = 8)]", "public partial class MissingInputSize { [Dense(2)] public partial DenseLayer Output { get; } }"),
            ["WrongType.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class WrongType { [Dense(2)] public partial int Output { get; } }"),
            ["NoLayers.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class NoLayers { }"),
            ["BadMomentum.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class BadMomentum { [Dense(2, Bias = false), BatchNorm(Momentum = 1.5)] public partial DenseLayer Output { get; } }"),
            ["Record.cs"] = Mistake("[Network(InputSize = 4)]", "public partial record RecordNet { [Dense(2)] public partial DenseLayer Output { get; } }"),
            ["Collide.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class Collide { [Dense(4)] public partial DenseLayer HTTPHead { get; } [Dense(2)] public partial DenseLayer HttpHead { get; } }"),
            ["Reserved.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class Reserved { [Dense(4)] public partial DenseLayer Parameters { get; } [Dense(2)] public partial DenseLayer Predict { get; } }"),
            ["TooLarge.cs"] = Mistake("[Network(InputSize = 100000)]", "public partial class TooLarge { [Dense(100000)] public partial DenseLayer Hidden { get; } }"),
            ["NoModifier.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class NoModifier { [Dense(3)] partial DenseLayer Out { get; } }"),
            ["BothInputs.cs"] = Mistake("[Network(InputSize = 784, InputShape = new[] { 1, 28, 28 })]", "public partial class BothInputs { [Conv2D(4, 3)] public partial DenseLayer Conv { get; } }"),
            ["BigKernel.cs"] = Mistake("[Network(InputShape = new[] { 1, 4, 4 })]", "public partial class BigKernel { [Conv2D(4, 5)] public partial DenseLayer Conv { get; } }"),
            ["ZeroStride.cs"] = Mistake("[Network(InputShape = new[] { 1, 8, 8 })]", "public partial class ZeroStride { [Conv2D(4, 3, Stride = 0)] public partial DenseLayer Conv { get; } }"),
            ["FlatSpatial.cs"] = Mistake("[Network(InputSize = 16)]", "public partial class FlatSpatial { [Dense(8), SpatialDropout(0.1)] public partial DenseLayer Hidden { get; } [Dense(2)] public partial DenseLayer Output { get; } }"),
            ["ImageOut.cs"] = Mistake("[Network(InputShape = new[] { 1, 8, 8 })]", "public partial class ImageOut { [Conv2D(4, 3), ReLU] public partial DenseLayer Conv { get; } }"),
            ["ConvOnFlat.cs"] = Mistake("[Network(InputSize = 784)]", "public partial class ConvOnFlat { [Conv2D(4, 3)] public partial DenseLayer Conv { get; } }"),
            ["TwoWeights.cs"] = Mistake("[Network(InputShape = new[] { 1, 8, 8 })]", "public partial class TwoWeights { [Conv2D(4, 3), Flatten, Dense(2)] public partial ConvLayer Block { get; } }"),
            ["Keywords.cs"] = "namespace Company.@base;\nusing DslNets;\n[Network(InputSize = 2)] public partial class @object { [Dense(2)] public partial DenseLayer @class { get; } }\n",
        });

        var (exit, output) = ProcessRunner.Dotnet(project, "build", "-c", "Release");

        Assert.NotEqual(0, exit);
        Assert.Contains("Flawed.cs(8,31): warning DSL001", output);
        AssertErrors(output,
            "Dropout15.cs(6,53): error DSL002: Dropout in layer 'Hidden' is set to 1.5, outside [0, 1)",
            "NegativeL2.cs(6,5): error DSL003: L2 coefficient on 'NegativeL2' is -0.0001",
            "PropertyNotPartial.cs(6,72): error DSL004: The layer property 'Output' must be partial",
            "Dense0.cs(6,38): error DSL005: Dense units of layer Hidden: 0",
            "MissingInputSize.cs(5,2): error DSL005: InputSize (or InputShape): missing",
            "WrongType.cs(6,64): error DSL010: Layer property 'Output' is invalid because its type is int",
            "NoLayers.cs(6,22): error DSL011: Network 'NoLayers' declares no layers",
            "BadMomentum.cs(6,71): error DSL012: BatchNorm Momentum of layer 'Output' is 1.5",
            "Record.cs(6,23): error DSL013: Network 'RecordNet' is a record",
            "Collide.cs(6,124): error DSL014: Layers 'HTTPHead' and 'HttpHead' both name their tensors 'http_head.*'",
            "Reserved.cs(6,70): error DSL015: Layer 'Parameters' collides with the generated member Parameters",
            "Reserved.cs(6,127): error DSL015: Layer 'Predict' collides with the generated member Predict",
            "BothInputs.cs(5,27): error DSL019: InputShape and InputSize are both given",
            "BigKernel.cs(6,35): error DSL020: Conv2D in layer 'Conv' has a kernel 5x5 larger than its padded input 4x4",
            "ZeroStride.cs(6,49): error DSL021: Conv2D in layer 'Conv' has Stride = 0",
            "FlatSpatial.cs(6,47): error DSL022: SpatialDropout in layer 'Hidden' needs a [channels, height, width] input but reads [8]",
            "ConvOnFlat.cs(6,36): error DSL022: Conv2D in layer 'Conv' needs a [channels, height, width] input but reads [784]",
            "TwoWeights.cs(6,59): error DSL024: Dense in layer 'Block' follows Conv2D in the same layer",
            "ImageOut.cs(6,48): error DSL023: Network 'ImageOut' ends on a [4, 6, 6] image after ReLU in layer 'Conv'",
            "TooLarge.cs(6,22): error DSL016: In network 'TooLarge', ParameterCount (weights, biases and normalization gains and shifts) is 10,000,100,000");
        Assert.DoesNotContain("Keywords.cs(", output);
        Assert.DoesNotContain("NoModifier.cs(", output);
    }

    /// <summary>
    /// Mistakes that come with a compiler error in the user's own code (CS0751, CS0579, CS9248), which stops the
    /// command-line compiler before any analyzer: the generator reports them itself, and with them the errors of
    /// every other network, each once.
    /// </summary>
    [Fact]
    public void ErrorsThatBreakTheUsersOwnCode_AreReportedByTheGenerator_WithEveryOtherNetworksErrors()
    {
        string project = _package.CreateConsumer("GeneratorErrors", new()
        {
            ["Program.cs"] = "System.Console.WriteLine();",
            ["ClassNotPartial.cs"] = Mistake("[Network(InputSize = 4)]", "public class ClassNotPartial { [Dense(2)] public partial DenseLayer Output { get; } }"),
            ["OuterNotPartial.cs"] = Mistake("public class Outer { [Network(InputSize = 4)] public partial class Inner { [Dense(2)] public partial DenseLayer Output { get; } } }"),
            ["DenseTwice.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class DenseTwice { [Dense(8), Dense(8)] public partial DenseLayer Hidden { get; } }"),
            ["FileNet.cs"] = Mistake("[Network(InputSize = 4)]", "file partial class FileNet { [Dense(2)] public partial DenseLayer Output { get; } }"),
            ["Dense0.cs"] = Mistake("[Network(InputSize = 4)]", "public partial class Dense0 { [Dense(0)] public partial DenseLayer Hidden { get; } }"),
        });

        var (exit, output) = ProcessRunner.Dotnet(project, "build", "-c", "Release");

        Assert.NotEqual(0, exit);
        AssertErrors(output,
            "ClassNotPartial.cs(6,14): error DSL004: The class 'ClassNotPartial' must be partial",
            "OuterNotPartial.cs(5,14): error DSL004: The containing type 'Outer' must be partial",
            "DenseTwice.cs(6,46): error DSL017: [Dense] is given more than once on 'Hidden'",
            "FileNet.cs(6,20): error DSL013: Network 'FileNet' is file-local",
            "Dense0.cs(6,38): error DSL005: Dense units of layer Hidden: 0");
        Assert.Contains("DenseTwice.cs(6,46): error CS0579", output);
    }

    /// <summary>Each expected line once (MSBuild prints a diagnostic again in its summary, so count distinct lines).</summary>
    private static void AssertErrors(string output, params string[] expected)
    {
        string[] lines = output.Split('\n').Select(l => l.Trim()).Distinct().ToArray();
        foreach (string line in expected)
            Assert.True(lines.Count(l => l.Contains(line, StringComparison.Ordinal)) == 1, $"expected once: {line}\n{output}");

        string[] noise = lines.Where(l => l.Contains("error CS9248", StringComparison.Ordinal) || l.Contains("error CS8799", StringComparison.Ordinal)
            || l.Contains("error CS0102", StringComparison.Ordinal) || l.Contains("warning CS8785", StringComparison.Ordinal) || l.Contains(".g.cs(", StringComparison.Ordinal)).ToArray();
        string[] unavoidable = ["OuterNotPartial.cs(", "ClassNotPartial.cs(", "FileNet.cs("];
        Assert.True(noise.All(l => unavoidable.Any(u => l.Contains(u, StringComparison.Ordinal))), "noise from DslNets:\n" + string.Join("\n", noise));
    }

    private static string Mistake(params string[] lines) => "using DslNets;\n\nnamespace Consumer;\n\n" + string.Join("\n", lines) + "\n";
}

/// <summary>DslNets packed once into a temporary feed, shared by the consumer builds.</summary>
public sealed class PackedDslNets : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dslnets-consumer-" + Guid.NewGuid().ToString("N"));
    private readonly string _version;

    public PackedDslNets()
    {
        string feed = Path.Combine(_root, "feed");
        // A version of its own, so the NuGet cache never serves a package packed by an earlier run.
        _version = "0.1.0-check." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
        var (packExit, packOutput) = ProcessRunner.Dotnet(
            ProcessRunner.RepositoryRoot, "pack", "runtime/DslNets/DslNets.csproj", "-c", "Release", "-o", feed, $"-p:Version={_version}");
        Assert.True(packExit == 0, packOutput);

        File.WriteAllText(Path.Combine(_root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="dslnets-check" value="{feed}" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>
    /// A console project outside the solution that references only the packed DslNets; <paramref name="target"/>
    /// holds its target framework and any properties that go with it (net8.0 rolling forward by default).
    /// </summary>
    public string CreateConsumer(string name, Dictionary<string, string> files, string target = "<TargetFramework>net8.0</TargetFramework><RollForward>Major</RollForward>")
    {
        string project = Path.Combine(_root, name);
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                {target}
                <Nullable>enable</Nullable>
                <NoWarn>NU1603;NU1608</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="DslNets" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        foreach ((string file, string text) in files)
            File.WriteAllText(Path.Combine(project, file), text);
        return project;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
