using System.Runtime.InteropServices;
using DslNets.Data;
using DslNets.Serialization;
using DslNets.Testing;
using DslNets.Training;

namespace DslNets.Runtime.Tests;

[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.SoftmaxCrossEntropy, Seed = 3)]
public partial class TinyNet
{
    [Dense(8), ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>Batch norm (buffers) and dropout (noise state): everything a checkpoint and a weight file must carry.</summary>
[Network(InputSize = 4, MaxBatch = 16, Loss = Loss.SoftmaxCrossEntropy, Seed = 4)]
public partial class TinyBatchNormNet
{
    [Dense(8, Bias = false), BatchNorm, ReLU, Dropout(0.2)]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>The runtime against networks the generator emitted, end to end.</summary>
public class GeneratedNetworkTests
{
    private static Dataset<int> Blobs(int count, long seed)
    {
        // Three Gaussian blobs in 4-D centred on +-2 along different axes.
        float[][] centres = [[2, 0, 0, 0], [0, 2, 0, -2], [-2, -2, 0, 0]];
        var random = new SeededRandom(seed);
        var features = new float[count * 4];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            labels[n] = n % 3;
            for (int f = 0; f < 4; f++)
                features[n * 4 + f] = centres[labels[n]][f] + 0.5f * random.NextGaussian();
        }

        return new Dataset<int>(features, labels, 4);
    }

    private static byte[] Snapshot(INetwork network) =>
        [.. MemoryMarshal.AsBytes(network.Parameters), .. MemoryMarshal.AsBytes(network.Buffers)];

    [Fact]
    public void TinyNet_TrainsWithTheTrainer_AndSaveLoadRoundTripsPredictions()
    {
        var network = new TinyNet();
        var trainer = new Trainer<int>(network, new Adam(0.02f), new TrainerOptions { Epochs = 10, Seed = 1 });
        TrainingResult result = trainer.Fit(Blobs(96, seed: 1), Blobs(48, seed: 2));
        Assert.True(result.History[^1].Validation!.Value.Accuracy >= 0.9f, $"accuracy {result.History[^1].Validation!.Value.Accuracy}");

        var file = new MemoryStream();
        network.Save(file);
        var copy = new TinyNet();
        file.Position = 0;
        copy.Load(file);

        Assert.Equal(Snapshot(network), Snapshot(copy));
        var expected = new float[3];
        var actual = new float[3];
        float[] sample = [1f, 0.5f, -0.25f, 2f];
        network.Predict(sample, expected);
        copy.Predict(sample, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TinyNet_File_UsesPyTorchStateDictNames()
    {
        var file = new MemoryStream();
        new TinyNet().Save(file);
        file.Position = 0;
        SafetensorsFile read = SafetensorsFile.Read(file);

        Assert.Equal(["hidden.bias", "hidden.weight", "output.bias", "output.weight"], read.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([8L, 4L], read.Tensors["hidden.weight"].Shape);
        Assert.Equal("TinyNet", read.Metadata!["network"]);
    }

    [Fact]
    public void TinyBatchNormNet_LoadingAMismatchedFile_LeavesItUnchanged()
    {
        var tiny = new MemoryStream();
        new TinyNet().Save(tiny);
        var network = new TinyBatchNormNet();
        byte[] before = Snapshot(network);
        tiny.Position = 0;
        Assert.Throws<SafetensorsFormatException>(() => network.Load(tiny));
        Assert.Equal(before, Snapshot(network));
    }

    [Fact]
    public void TinyBatchNormNet_ResumedFromCheckpoint_IsBitIdenticalToUninterruptedRun()
    {
        Dataset<int> training = Blobs(60, seed: 3);
        Dataset<int> validation = Blobs(30, seed: 4);
        TrainerOptions Options(Func<int, Stream>? checkpoint = null) => new()
        {
            Epochs = 4,
            BatchSize = 8,
            Seed = 5,
            DropLast = true,
            Schedule = LearningRateSchedule.Step(2, 0.5f),
            EarlyStopping = new EarlyStopping(Metric.ValidationAccuracy, Patience: 10),
            Checkpoint = checkpoint,
        };

        var uninterrupted = new TinyBatchNormNet();
        new Trainer<int>(uninterrupted, new Sgd(0.05f, momentum: 0.9f, nesterov: true), Options()).Fit(training, validation);

        var checkpoints = new Dictionary<int, MemoryStream>();
        var first = new TinyBatchNormNet();
        new Trainer<int>(first, new Sgd(0.05f, momentum: 0.9f, nesterov: true), Options(epoch => checkpoints[epoch] = new MemoryStream()))
            .Fit(training, validation);
        Assert.Equal(Snapshot(uninterrupted), Snapshot(first));

        var resumedNetwork = new TinyBatchNormNet();
        var resumed = new Trainer<int>(resumedNetwork, new Sgd(0.05f, momentum: 0.9f, nesterov: true), Options());
        resumed.LoadCheckpoint(new MemoryStream(checkpoints[2].ToArray()));
        resumed.Fit(training, validation);

        Assert.Equal(Snapshot(uninterrupted), Snapshot(resumedNetwork));
    }

    [Theory]
    [InlineData(33, 8, new[] { 8, 8, 8, 5, 4 })]       // 33 = 4 * 8 + 1: the last 9 split 5 + 4
    [InlineData(17, 16, new[] { 9, 8 })]               // the default batch (MaxBatch): the last 17 split 9 + 8
    [InlineData(34, 8, new[] { 8, 8, 8, 8, 2 })]      // nothing to fix: two left over
    public void BatchNormNetwork_LastBatchOfOneSample_IsSharedWithThePreviousBatch(int count, int batchSize, int[] expectedSizes)
    {
        var batches = new List<int>();
        var trainer = new Trainer<int>(new TinyBatchNormNet(), new Sgd(0.05f), new TrainerOptions
        {
            Epochs = 2,
            BatchSize = batchSize,
            BatchProgress = new Reporter<BatchReport>(report => batches.Add(report.BatchSize)),
        });

        trainer.Fit(Blobs(count, seed: 6));

        Assert.Equal([.. expectedSizes, .. expectedSizes], batches);
    }

    [Fact]
    public void BatchNormNetwork_LastBatchOfOne_WithDropLast_IsDropped()
    {
        var batches = new List<int>();
        var trainer = new Trainer<int>(new TinyBatchNormNet(), new Sgd(0.05f), new TrainerOptions
        {
            Epochs = 1,
            BatchSize = 8,
            DropLast = true,
            BatchProgress = new Reporter<BatchReport>(report => batches.Add(report.BatchSize)),
        });

        trainer.Fit(Blobs(33, seed: 6));

        Assert.Equal([8, 8, 8, 8], batches);
    }

    [Fact]
    public void BatchNormNetwork_BatchesThatCannotAvoidOneSample_ThrowBeforeTheFirstStep()
    {
        var network = new TinyBatchNormNet();
        byte[] before = Snapshot(network);
        var trainer = new Trainer<int>(network, new Sgd(0.05f), new TrainerOptions { BatchSize = 2 });

        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(Blobs(7, seed: 6)));

        Assert.Equal("training", error.ParamName);
        Assert.Contains("set options.DropLast = true or a batch size of at least 3", error.Message);
        Assert.Equal(before, Snapshot(network));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<int>(new TinyBatchNormNet(), new Sgd(0.05f), new TrainerOptions { BatchSize = 1 }));
    }

    [Fact]
    public void Fit_LabelOutOfRange_ThrowsBeforeTheFirstStep()
    {
        Dataset<int> data = Blobs(40, seed: 6);
        data.Targets[37] = 3;
        var network = new TinyNet();
        byte[] before = Snapshot(network);
        var trainer = new Trainer<int>(network, new Sgd(0.05f), new TrainerOptions { BatchSize = 8 });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data));

        Assert.Contains("Sample 37 has label 3", error.Message);
        Assert.Equal(before, Snapshot(network));
    }

    [Fact]
    public void SaveToPath_ReplacesTheFileWhole_AndAFailedSaveLeavesThePreviousFile()
    {
        string directory = Path.Combine(Path.GetTempPath(), "dslnets-save-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "tiny.safetensors");
            var network = new TinyNet();
            network.Save(path);
            byte[] first = File.ReadAllBytes(path);
            var stream = new MemoryStream();
            network.Save(stream);
            Assert.Equal(stream.ToArray(), first);

            // A save that fails after the temporary file was created (the tensor list names a tensor twice):
            // the old file is untouched and no temporary file is left behind.
            var twice = new TinyNet();
            Assert.Throws<InvalidOperationException>(() => new TensorListOverride(twice, [.. twice.Tensors, twice.Tensors[0]]).Save(path));
            Assert.Equal(first, File.ReadAllBytes(path));
            Assert.Equal(["tiny.safetensors"], Directory.GetFiles(directory).Select(Path.GetFileName));

            string missingFolder = Path.Combine(directory, "missing", "tiny.safetensors");
            var missing = Assert.Throws<DirectoryNotFoundException>(() => network.Save(missingFolder));
            Assert.Equal($"Cannot save the weights to '{missingFolder}': the folder '{Path.Combine(directory, "missing")}' does not exist.", missing.Message);

            var copy = new TinyBatchNormNet();
            Assert.Throws<SafetensorsFormatException>(() => copy.Load(path));
            var same = new TinyNet();
            same.Parameters.Clear();
            same.Load(path);
            Assert.Equal(Snapshot(network), Snapshot(same));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Calls back synchronously on the training thread (unlike Progress&lt;T&gt;, which posts).</summary>
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
