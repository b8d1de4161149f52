using DslNets;
using DslNets.Training;
using FashionMnist;
using Spectre.Console;

namespace DslNets.Samples.Tests;

public class FashionMnistSampleTests
{
    [Theory]
    [InlineData(new[] { "--epochs", "0" }, "--epochs must be a positive whole number, got '0'.")]
    [InlineData(new[] { "--epochs", "many" }, "--epochs must be a positive whole number, got 'many'.")]
    [InlineData(new[] { "--batch", "257" }, "--batch must be a whole number from 1 to 256 (the network's MaxBatch), got '257'.")]
    [InlineData(new[] { "--seed", "x" }, "--seed must be a whole number, got 'x'.")]
    [InlineData(new[] { "--out" }, "Option --out needs a value.")]
    [InlineData(new[] { "--learning-rate", "1" }, "Unknown option '--learning-rate'. Run with --help to see the options.")]
    [InlineData(new[] { "--data", "/no/such/folder" }, "--data: the folder '/no/such/folder' does not exist.")]
    [InlineData(new[] { "--data", "/tmp", "--synthetic" }, "--data and --synthetic exclude each other.")]
    public void BadOption_PrintsWhatIsWrong_AndExitsWith2(string[] args, string message)
    {
        var (console, output) = CreateConsole();

        int exitCode = FashionMnistApp.Run(args, console, out RunResult? result);

        Assert.Equal(2, exitCode);
        Assert.Null(result);
        Assert.Contains(message, output.ToString().Replace("\n", string.Empty));
    }

    [Fact]
    public void Help_ListsEveryOption_AndExitsWith0()
    {
        var (console, output) = CreateConsole();

        Assert.Equal(0, FashionMnistApp.Run(["--help"], console, out _));

        foreach (string option in new[] { "--epochs", "--batch", "--seed", "--data", "--out", "--synthetic" })
            Assert.Contains(option, output.ToString());
    }

    [Fact]
    public void Options_AreParsed()
    {
        Options? options = Options.Parse(["--epochs", "3", "--batch", "64", "--seed", "-5", "--out", "x", "--synthetic"], out string? error);

        Assert.Null(error);
        Assert.Equal(Options.Defaults with { Epochs = 3, Batch = 64, Seed = -5, Out = "x", Synthetic = true }, options);
    }

    [Fact]
    public void SyntheticRun_OfOneEpoch_WritesWeightsAndCurves_AndTheLossFalls()
    {
        string outDirectory = Path.Combine(Path.GetTempPath(), "dslnets-sample-" + Guid.NewGuid().ToString("N"));
        var (console, output) = CreateConsole();
        try
        {
            int exitCode = FashionMnistApp.Run(["--synthetic", "--epochs", "1", "--out", outDirectory], console, out RunResult? result);

            Assert.Equal(0, exitCode);
            Assert.NotNull(result);
            EpochReport epoch = Assert.Single(result.History);
            Assert.True(epoch.Validation!.Value.Loss < result.FirstBatchLoss / 2, $"loss went from {result.FirstBatchLoss} to {epoch.Validation.Value.Loss}");
            Assert.True(result.Test.Accuracy > 0.5f, $"test accuracy {result.Test.Accuracy}");

            Assert.True(new FileInfo(result.WeightsPath).Length > FashionMlp.ParameterCount * 4);
            var reloaded = new FashionMlp();
            using (FileStream weights = File.OpenRead(result.WeightsPath))
                reloaded.Load(weights);
            Assert.NotEqual(new FashionMlp().Parameters.ToArray(), reloaded.Parameters.ToArray());

            byte[] png = File.ReadAllBytes(result.PlotPath);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.Contains(result.WeightsPath, output.ToString().Replace("\n", string.Empty));
        }
        finally
        {
            if (Directory.Exists(outDirectory))
                Directory.Delete(outDirectory, recursive: true);
        }
    }

    private static (IAnsiConsole Console, StringWriter Output) CreateConsole()
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 400;
        return (console, output);
    }
}
