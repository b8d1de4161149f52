extern alias InferenceSample;

using InferenceApp = InferenceSample::InferenceAot.InferenceApp;

namespace DslNets.Samples.Tests;

/// <summary>The NativeAOT inference sample's command line: every user mistake is a message and exit code 2, never a stack trace.</summary>
public sealed class InferenceSampleTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dslnets-inference-" + Guid.NewGuid().ToString("N"));

    public InferenceSampleTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public void Help_PrintsTheOptions_AndExitsWith0()
    {
        var (exitCode, output, error) = Run("--help");

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        foreach (string option in new[] { "--data", "--synthetic", "--count", "--help", "weights.safetensors" })
            Assert.Contains(option, output);
    }

    [Fact]
    public void DataFolder_WithoutTheTestFiles_NamesWhatIsMissing()
    {
        var (exitCode, output, error) = Run(WeightsFile(), "--data", _directory);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains($"--data: '{_directory}' has no t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (.gz or raw)", error);
    }

    [Fact]
    public void RawIdxFiles_AreClassified_AndTheTimeIsReported()
    {
        FashionMnistSampleTests.WriteRawIdx(_directory, "t10k", 12, seed: 3);

        var (exitCode, output, error) = Run(WeightsFile(), "--data", _directory, "--count", "100");

        Assert.True(exitCode == 0, error);
        Assert.Matches(@"Fashion-MNIST test images: \d+/12 correct", output);
        Assert.Matches(@"classified 12 images in [0-9.]+ ms \([0-9.]+ us per image\)", output);
    }

    [Fact]
    public void DamagedTestFile_NamesTheFile()
    {
        FashionMnistSampleTests.WriteRawIdx(_directory, "t10k", 12, seed: 3);
        string images = Path.Combine(_directory, "t10k-images-idx3-ubyte");
        File.WriteAllBytes(images, File.ReadAllBytes(images)[..100]);

        var (exitCode, _, error) = Run(WeightsFile(), "--data", _directory);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"Cannot read the test images: {images}: ", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Theory]
    [InlineData("not safetensors at all", "Cannot load weights from")]
    [InlineData(null, "No weights at")]
    public void BadWeights_AreAMessage(string? content, string message)
    {
        string weights = Path.Combine(_directory, "weights.safetensors");
        if (content is not null)
            File.WriteAllText(weights, content);

        var (exitCode, _, error) = Run(weights, "--synthetic");

        Assert.Equal(2, exitCode);
        Assert.StartsWith(message, error);
    }

    [Theory]
    [InlineData(new[] { "--count", "0" }, "--count must be a positive whole number, got '0'.")]
    [InlineData(new[] { "--count" }, "Option --count needs a value.")]
    [InlineData(new[] { "--batch", "3" }, "Unknown option '--batch'. Run with --help to see the options.")]
    [InlineData(new[] { "--synthetic", "--data", "/tmp" }, "--data and --synthetic exclude each other.")]
    public void BadOption_IsAMessage(string[] args, string message)
    {
        var (exitCode, _, error) = Run(args);

        Assert.Equal(2, exitCode);
        Assert.Equal(message, error.Trim());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Untrained weights of the sample's network: enough to load and classify.</summary>
    private string WeightsFile()
    {
        string path = Path.Combine(_directory, "fashion-mlp.safetensors");
        new FashionMnist.FashionMlp().Save(path);
        return path;
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = InferenceApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
