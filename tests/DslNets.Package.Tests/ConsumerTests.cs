namespace DslNets.Package.Tests;

/// <summary>
/// Packs DslNets, then builds and runs a project outside the solution that references only the package: the
/// generator, the analyzers and the runtime must all arrive through that one PackageReference.
/// </summary>
public sealed class ConsumerTests : IDisposable
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

    private readonly string _root = Path.Combine(Path.GetTempPath(), "dslnets-consumer-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void PackagedDslNets_BuildsAndTrainsAConsumerProject_AndReportsDSL001_AndTheReadmeExampleRuns()
    {
        string feed = Path.Combine(_root, "feed");
        string project = Path.Combine(_root, "Consumer");
        Directory.CreateDirectory(project);

        // A version of its own, so the NuGet cache never serves a package packed by an earlier run.
        string version = "0.1.0-check." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
        var (packExit, packOutput) = ProcessRunner.Dotnet(
            ProcessRunner.RepositoryRoot, "pack", "runtime/DslNets/DslNets.csproj", "-c", "Release", "-o", feed, $"-p:Version={version}");
        Assert.True(packExit == 0, packOutput);

        File.WriteAllText(Path.Combine(_root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="dslnets-check" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        WriteProject(Path.Combine(project, "Consumer.csproj"), version, "<TargetFramework>net8.0</TargetFramework><RollForward>Major</RollForward>");
        File.WriteAllText(Path.Combine(project, "Classifier.cs"), Network);
        File.WriteAllText(Path.Combine(project, "Flawed.cs"), FlawedNetwork);
        File.WriteAllText(Path.Combine(project, "Program.cs"), Program);

        var (buildExit, buildOutput) = ProcessRunner.Dotnet(project, "build", "-c", "Release");
        Assert.True(buildExit == 0, buildOutput);
        Assert.Contains("warning DSL001", buildOutput);
        Assert.Contains("Flawed.cs(8,31): warning DSL001", buildOutput);
        Assert.DoesNotContain("Classifier.cs(", buildOutput);

        var (runExit, runOutput) = ProcessRunner.Dotnet(project, "run", "-c", "Release", "--no-build");
        Assert.True(runExit == 0, runOutput);
        Assert.Contains("trained", runOutput);

        // The README's C# example, pasted as the whole Program.cs of a new console app (what `dotnet new console`
        // writes: net10.0, implicit usings, nullable), builds without a warning and runs.
        string readme = File.ReadAllText(Path.Combine(ProcessRunner.RepositoryRoot, "README.md"));
        int start = readme.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        string example = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        string readmeProject = Path.Combine(_root, "ReadmeExample");
        Directory.CreateDirectory(readmeProject);
        WriteProject(Path.Combine(readmeProject, "ReadmeExample.csproj"), version, "<TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings>");
        File.WriteAllText(Path.Combine(readmeProject, "Program.cs"), example);

        var (readmeBuildExit, readmeBuildOutput) = ProcessRunner.Dotnet(readmeProject, "build", "-c", "Release");
        Assert.True(readmeBuildExit == 0, readmeBuildOutput);
        Assert.Contains("0 Warning(s)", readmeBuildOutput);
        var (readmeRunExit, readmeRunOutput) = ProcessRunner.Dotnet(readmeProject, "run", "-c", "Release", "--no-build");
        Assert.True(readmeRunExit == 0, readmeRunOutput);
        Assert.Matches(@"loss \d+\.\d{4}; first image: p\(class 0\) = 0\.\d{3}", readmeRunOutput);
        Assert.True(File.Exists(Path.Combine(readmeProject, "fashion-mlp.safetensors")), "the example's Save wrote no file");
    }

    /// <summary>A console app referencing only the DslNets package, with <paramref name="properties"/> (target framework, ...) added.</summary>
    private static void WriteProject(string path, string version, string properties) =>
        File.WriteAllText(path, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                {properties}
                <Nullable>enable</Nullable>
                <NoWarn>NU1603;NU1608</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="DslNets" Version="{version}" />
              </ItemGroup>
            </Project>
            """);

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
