using DslNets;
using DslNets.Training;
using FashionMnist;
using Spectre.Console;

namespace DslNets.Samples.Tests;

public sealed class FashionMnistSampleTests : IDisposable
{
    [Theory]
    [InlineData(new[] { "--epochs", "0" }, "--epochs must be a positive whole number, got '0'.")]
    [InlineData(new[] { "--epochs", "many" }, "--epochs must be a positive whole number, got 'many'.")]
    [InlineData(new[] { "--batch", "257" }, "--batch must be a whole number from 1 to 256 (the network's MaxBatch), got '257'.")]
    [InlineData(new[] { "--seed", "x" }, "--seed must be a whole number, got 'x'.")]
    [InlineData(new[] { "--out" }, "Option --out needs a value.")]
    [InlineData(new[] { "--learning-rate", "1" }, "Unknown option '--learning-rate'. Run with --help to see the options.")]
    [InlineData(new[] { "--data", "/no/such/folder" }, "--data: the folder '/no/such/folder' does not exist.")]
    [InlineData(new[] { "--data", "/" }, "--data: '/' has no train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (.gz or raw)")]
    [InlineData(new[] { "--data", "/tmp", "--synthetic" }, "--data and --synthetic exclude each other.")]
    [InlineData(new[] { "--mpi", "--synthetic" }, "--mpi: MpiCollectives needs a process started by OpenMPI's mpirun")]
    [InlineData(new[] { "--flip", "yes" }, "--flip must be on or off, got 'yes'.")]
    [InlineData(new[] { "--shift", "4" }, "--shift must be a whole number from 0 to 3, got '4'.")]
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

        foreach (string option in new[] { "--epochs", "--batch", "--seed", "--data", "--out", "--synthetic", "--mpi", "--flip", "--shift", "--model", "--threads" })
            Assert.Contains(option, output.ToString());
    }

    [Fact]
    public void Options_AreParsed()
    {
        Options? options = Options.Parse(["--epochs", "3", "--batch", "64", "--seed", "-5", "--out", "x", "--synthetic", "--flip", "off", "--shift", "2"], out string? error);

        Assert.Null(error);
        Assert.Equal(Options.Defaults with { Epochs = 3, Batch = 64, Seed = -5, Out = "x", Synthetic = true, Flip = false, Shift = 2 }, options);
        Assert.Equal(Options.Defaults with { Mpi = true }, Options.Parse(["--mpi"], out _)); // the default CNN, data-parallel
    }

    /// <summary>
    /// Both models: the CNN's batch norms after its convolutions are synchronized as the MLP's are. Batches of 32 keep
    /// the speed check (70 steps on one process, 70 on the ranks) and the epoch short for the CNN on a loaded machine.
    /// </summary>
    [Theory]
    [InlineData("cnn")]
    [InlineData("mlp")]
    public void UnderMpirun_TwoRanks_TrainTogether_ReportBothSpeeds_AndOnlyRankZeroPrintsAndWrites(string model)
    {
        string outDirectory = Path.Combine(Path.GetTempPath(), "dslnets-sample-mpi-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int exitCode, string output) = DslNets.Testing.MpiJob.Run(
                2, "FashionMnist.dll", $"--mpi --model {model} --batch 32 --synthetic --epochs 1 --out {outDirectory}", TimeSpan.FromMinutes(5));

            Assert.True(exitCode == 0, $"mpirun exited with {exitCode}:\n{output}");
            // Spectre wraps lines at 80 columns when the output is not a terminal: compare with whitespace collapsed.
            string text = System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");
            Assert.Contains("data-parallel over 2 MPI ranks, synchronized batch norm; training step at batch 32", text);
            Assert.Matches(@"[\d,]+ samples/s on 2 ranks, [\d,]+ samples/s on 1 process \([\d.]+x\)", text);
            Assert.Matches(@"1 epochs, [\d.]+ s per epoch, [\d,]+ samples/s on 2 ranks", text);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "test accuracy")); // rank 0 only
            Assert.Contains(model == "cnn" ? "FashionCnn" : "FashionMlp", text);
            Assert.True(File.Exists(Path.Combine(outDirectory, $"fashion-{model}.safetensors")));
        }
        finally
        {
            if (Directory.Exists(outDirectory))
                Directory.Delete(outDirectory, recursive: true);
        }
    }

    [Fact]
    public void SyntheticRun_OfOneEpoch_WritesWeightsAndCurves_AndTheLossFalls()
    {
        string outDirectory = Path.Combine(Path.GetTempPath(), "dslnets-sample-" + Guid.NewGuid().ToString("N"));
        var (console, output) = CreateConsole();
        try
        {
            int exitCode = FashionMnistApp.Run(["--synthetic", "--model", "mlp", "--epochs", "1", "--out", outDirectory], console, out RunResult? result);

            Assert.Equal(0, exitCode);
            Assert.NotNull(result);
            EpochReport epoch = Assert.Single(result.History);
            Assert.True(epoch.Validation!.Value.Loss < result.FirstBatchLoss / 2, $"loss went from {result.FirstBatchLoss} to {epoch.Validation.Value.Loss}");
            Assert.True(result.Test.Accuracy > 0.5f, $"test accuracy {result.Test.Accuracy}");

            // The synthetic task is not solved in one epoch (the first version was: 100 % from epoch 1 on, so early
            // stopping and the curves said nothing).
            Assert.True(epoch.Validation.Value.Accuracy < 0.9f, $"validation accuracy {epoch.Validation.Value.Accuracy} after one epoch");

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

    [Fact]
    public void DataFolder_WithRawIdxFiles_Trains_AndTheDisplayFits80Columns()
    {
        string data = NewDirectory("data");
        string outDirectory = NewDirectory("out");
        WriteRawIdx(data, "train", 60, seed: 1);
        WriteRawIdx(data, "t10k", 20, seed: 2);
        var (console, output) = CreateConsole(width: 80);

        int exitCode = FashionMnistApp.Run(["--data", data, "--epochs", "2", "--batch", "16", "--out", outDirectory], console, out RunResult? result);

        Assert.True(exitCode == 0, output.ToString());
        Assert.NotNull(result);
        Assert.Equal(2, result.History.Count);
        Assert.Equal(20, result.Test.Samples);
        Assert.True(File.Exists(result.WeightsPath));

        // One line per epoch, never wrapped at 80 columns, learning rate always in one format.
        string[] epochLines = output.ToString().Split('\n').Where(line => line.StartsWith("epoch ", StringComparison.Ordinal) && line.Contains("train loss")).ToArray();
        Assert.Equal(2, epochLines.Length);
        foreach (string line in epochLines)
        {
            Assert.True(line.TrimEnd().Length < 80, line);
            Assert.Matches(@"  lr \d\.\d\de[-+]\d\d", line);
        }

        foreach (string line in output.ToString().Split('\n').Where(line => !line.StartsWith("weights:", StringComparison.Ordinal) && !line.StartsWith("curves:", StringComparison.Ordinal) && !line.StartsWith("data:", StringComparison.Ordinal)))
            Assert.True(line.TrimEnd().Length <= 80, line);
    }

    [Fact]
    public void DamagedDataFile_IsAMessageNamingTheFile_NotAStackTrace()
    {
        string data = NewDirectory("data");
        WriteRawIdx(data, "train", 30, seed: 1);
        WriteRawIdx(data, "t10k", 10, seed: 2);
        string labels = Path.Combine(data, "t10k-labels-idx1-ubyte");
        File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..12]);
        var (console, output) = CreateConsole();

        int exitCode = FashionMnistApp.Run(["--data", data, "--out", NewDirectory("out")], console, out RunResult? result);

        Assert.Equal(2, exitCode);
        Assert.Null(result);
        string text = output.ToString().Replace("\n", string.Empty);
        Assert.Contains($"Cannot read the data: {labels}: The IDX file is truncated", text);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("epoch", text);
    }

    [Fact]
    public void UnwritableOut_IsReportedBeforeTraining()
    {
        // A path below a regular file cannot become a folder, whoever runs the test (root ignores permissions).
        string file = Path.Combine(NewDirectory("blocker"), "file");
        File.WriteAllText(file, "not a folder");
        var (console, output) = CreateConsole();

        int exitCode = FashionMnistApp.Run(["--synthetic", "--out", Path.Combine(file, "out")], console, out RunResult? result);

        Assert.Equal(2, exitCode);
        Assert.Null(result);
        string text = output.ToString().Replace("\n", string.Empty);
        Assert.Contains($"--out: cannot write to '{Path.Combine(file, "out")}'", text);
        Assert.DoesNotContain("epoch", text);
    }

    private readonly List<string> _directories = [];

    public void Dispose()
    {
        foreach (string directory in _directories.Where(Directory.Exists))
            Directory.Delete(directory, recursive: true);
    }

    private string NewDirectory(string name)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"dslnets-sample-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        _directories.Add(directory);
        return directory;
    }

    /// <summary>Raw (not gzipped) IDX files <c>{prefix}-images-idx3-ubyte</c> and <c>{prefix}-labels-idx1-ubyte</c>: a bright square whose column is the class.</summary>
    internal static void WriteRawIdx(string directory, string prefix, int count, int seed)
    {
        var random = new Random(seed);
        var images = new List<byte>(16 + count * 784);
        var labels = new List<byte>(8 + count);
        images.AddRange(BigEndian(0x00000803, count, 28, 28));
        labels.AddRange(BigEndian(0x00000801, count));
        for (int i = 0; i < count; i++)
        {
            int label = random.Next(10);
            labels.Add((byte)label);
            for (int p = 0; p < 784; p++)
                images.Add((byte)((p % 28) / 2 == label + 2 ? 255 : random.Next(40)));
        }

        File.WriteAllBytes(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"), images.ToArray());
        File.WriteAllBytes(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte"), labels.ToArray());
    }

    private static IEnumerable<byte> BigEndian(params int[] values) =>
        values.SelectMany(value => new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });

    internal static (IAnsiConsole Console, StringWriter Output) CreateConsole(int width = 400)
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        return (console, output);
    }
}
