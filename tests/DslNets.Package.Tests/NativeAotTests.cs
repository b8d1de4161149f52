namespace DslNets.Package.Tests;

/// <summary>
/// The inference sample published as a NativeAOT binary: no trimming or AOT warnings, and the native binary loads
/// weights saved by the training sample and classifies with them.
/// </summary>
public sealed class NativeAotTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dslnets-aot-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void InferenceSample_PublishesWithoutWarnings_AndTheNativeBinaryClassifies()
    {
        string weights = Path.Combine(_root, "weights");
        var (trainExit, trainOutput) = ProcessRunner.Dotnet(
            ProcessRunner.RepositoryRoot, "run", "-c", "Release", "--project", "samples/FashionMnist", "--", "--model", "mlp", "--synthetic", "--epochs", "1", "--out", weights);
        Assert.True(trainExit == 0, trainOutput);

        string publish = Path.Combine(_root, "publish");
        var (publishExit, publishOutput) = ProcessRunner.Dotnet(
            ProcessRunner.RepositoryRoot, "publish", "samples/InferenceAot/InferenceAot.csproj", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", publish);
        Assert.True(publishExit == 0, publishOutput);
        Assert.DoesNotContain("warning", publishOutput, StringComparison.OrdinalIgnoreCase);

        string binary = Path.Combine(publish, "InferenceAot");
        Assert.True(File.Exists(binary), $"no native binary at {binary}");
        Assert.False(File.Exists(Path.Combine(publish, "InferenceAot.dll")), "the publish output is not native");

        var (runExit, runOutput) = ProcessRunner.RunIn(publish, binary, Path.Combine(weights, "fashion-mlp.safetensors"), "--synthetic", "--count", "500");
        Assert.True(runExit == 0, runOutput);
        Assert.Matches(@"synthetic images: \d+/500 correct", runOutput);
        int correct = int.Parse(System.Text.RegularExpressions.Regex.Match(runOutput, @"(\d+)/500").Groups[1].Value);
        Assert.True(correct > 250, runOutput);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
