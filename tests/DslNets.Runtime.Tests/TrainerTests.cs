using System.Runtime.InteropServices;
using DslNets.Data;
using DslNets.Runtime.Tests.Fakes;
using DslNets.Training;

namespace DslNets.Runtime.Tests;

public class TrainerTests
{
    /// <summary>
    /// Samples of <paramref name="features"/> Gaussian features labelled by the arg-max of a fixed random linear map,
    /// so a softmax regression can learn them.
    /// </summary>
    private static Dataset<int> Separable(int count, int features, int classes, long seed)
    {
        var teacher = new SeededRandom(1234);
        var map = new float[classes * features];
        for (int i = 0; i < map.Length; i++)
            map[i] = teacher.NextGaussian();
        var random = new SeededRandom(seed);
        var x = new float[count * features];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            Span<float> row = x.AsSpan(n * features, features);
            for (int f = 0; f < features; f++)
                row[f] = random.NextGaussian();
            int best = 0;
            float bestScore = float.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                float score = System.Numerics.Tensors.TensorPrimitives.Dot(row, map.AsSpan(c * features, features));
                if (score > bestScore)
                    (best, bestScore) = (c, score);
            }

            labels[n] = best;
        }

        return new Dataset<int>(x, labels, features);
    }

    private static byte[] Snapshot(INetwork network) =>
        [.. MemoryMarshal.AsBytes(network.Parameters), .. MemoryMarshal.AsBytes(network.Buffers)];

    /// <summary>Calls back synchronously on the training thread (unlike Progress&lt;T&gt;, which posts).</summary>
    private sealed class Recorder<T>(Action<T>? onReport = null) : IProgress<T>
    {
        public List<T> Reports { get; } = [];

        public void Report(T value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    /// <summary>Counts reports without allocating.</summary>
    private sealed class BatchCounter : IProgress<BatchReport>
    {
        public int Count { get; private set; }

        public void Report(BatchReport value) => Count++;
    }

    // Four training samples in batches of two: two steps per epoch. Validation labels are class 0.
    private static readonly Dataset<int> FourSamples = new(new float[4], new int[4], featureCount: 1);
    private static readonly Dataset<int> TwoValidationSamples = new(new float[2], new int[2], featureCount: 1);

    [Fact]
    public void EarlyStopping_OnScriptedValidationCurve_StopsAtRightEpochAndRestoresBestWeights()
    {
        // Validation loss per epoch. Best is epoch 3 (0.6); epochs 4 (0.65), 5 (0.61 > 0.6 - 0.001) and 6 (0.7)
        // do not improve, so with patience 3 training stops after epoch 6 and never sees the 0.5 of epoch 7.
        float[] curve = [1.0f, 0.8f, 0.6f, 0.65f, 0.61f, 0.7f, 0.5f, 0.4f];
        var network = new ScriptedValidationNetwork(curve, stepsPerEpoch: 2);
        var trainer = new Trainer<int>(network, new Sgd(1f), new TrainerOptions
        {
            Epochs = 8,
            BatchSize = 2,
            EarlyStopping = new EarlyStopping(Metric.ValidationLoss, Patience: 3, MinDelta: 0.001f, RestoreBestWeights: true),
        });

        TrainingResult result = trainer.Fit(FourSamples, TwoValidationSamples);

        Assert.True(result.StoppedEarly);
        Assert.Equal(6, result.EpochsCompleted);
        Assert.Equal(6, result.History.Count);
        Assert.Equal(3, result.BestEpoch);
        Assert.Equal(0.6f, result.BestMetric, 1e-6f);
        Assert.True(result.RestoredBestWeights);
        Assert.Equal([true, true, true, false, false, false], result.History.Select(report => report.Improved));
        Assert.Equal(0.65f, result.History[3].Validation!.Value.Loss, 1e-6f);
        // The parameter and the buffer both count steps: epoch 3 ended after 6 steps (training ran 12).
        Assert.Equal(6f, network.Parameters[0]);
        Assert.Equal(6f, network.Buffers[0]);
    }

    [Fact]
    public void EarlyStopping_ImprovementSmallerThanMinDelta_DoesNotCount()
    {
        // Epochs 3-4 are lower than epoch 2 (0.8) but by less than 0.01: with patience 2 training stops after
        // epoch 4 and the best epoch stays 2.
        float[] curve = [1.0f, 0.8f, 0.7995f, 0.7992f, 0.5f];
        var network = new ScriptedValidationNetwork(curve, stepsPerEpoch: 2);
        var trainer = new Trainer<int>(network, new Sgd(1f), new TrainerOptions
        {
            Epochs = 5,
            BatchSize = 2,
            EarlyStopping = new EarlyStopping(Metric.ValidationLoss, Patience: 2, MinDelta: 0.01f),
        });

        TrainingResult result = trainer.Fit(FourSamples, TwoValidationSamples);

        Assert.Equal(4, result.EpochsCompleted);
        Assert.Equal(2, result.BestEpoch);
        Assert.Equal(4f, network.Parameters[0]);
    }

    [Fact]
    public void EarlyStopping_WithoutRestore_KeepsTheLastWeights()
    {
        float[] curve = [1.0f, 0.8f, 0.9f, 0.95f];
        var network = new ScriptedValidationNetwork(curve, stepsPerEpoch: 2);
        var trainer = new Trainer<int>(network, new Sgd(1f), new TrainerOptions
        {
            Epochs = 4,
            BatchSize = 2,
            EarlyStopping = new EarlyStopping(Metric.ValidationLoss, Patience: 2, RestoreBestWeights: false),
        });

        TrainingResult result = trainer.Fit(FourSamples, TwoValidationSamples);

        Assert.Equal(4, result.EpochsCompleted);
        Assert.False(result.RestoredBestWeights);
        Assert.Equal(8f, network.Parameters[0]);
    }

    private static TrainerOptions ResumeOptions(
        Func<int, Stream>? checkpoint = null, IProgress<EpochReport>? epochProgress = null, long seed = 11) => new()
    {
        Epochs = 6,
        BatchSize = 8,
        Seed = seed,
        Schedule = LearningRateSchedule.LinearWarmup(5, 0.1f).Then(LearningRateSchedule.Cosine(20, 0.001f), milestone: 5),
        ScheduleUnit = ScheduleUnit.Batch,
        Augmentation = new ImageAugmentation(2, 3, maxShift: 1, horizontalFlip: true),
        EarlyStopping = new EarlyStopping(Metric.ValidationLoss, Patience: 10),
        Checkpoint = checkpoint,
        EpochProgress = epochProgress,
    };

    private static AdamW ResumeOptimizer() => new(0.05f, weightDecay: 0.01f) { MaxGradientNorm = 1f };

    [Fact]
    public void Checkpoint_ResumedRun_IsBitIdenticalToUninterruptedRun()
    {
        // 50 samples in batches of 8 (the last batch has 2), 2 x 3 "images" with shifts and flips, AdamW with
        // clipping, a per-batch warm-up + cosine schedule and early stopping with best-weight tracking: every piece
        // of state a checkpoint has to carry.
        Dataset<int> training = Separable(50, 6, 3, seed: 1);
        Dataset<int> validation = Separable(20, 6, 3, seed: 2);

        var uninterrupted = new LinearSoftmaxNetwork(6, 3, maxBatch: 8, seed: 1);
        TrainingResult expected = new Trainer<int>(uninterrupted, ResumeOptimizer(), ResumeOptions()).Fit(training, validation);
        Assert.Equal(6, expected.EpochsCompleted);

        // Same run, cancelled after epoch 3 once its checkpoint is written.
        byte[]? checkpointAfterEpoch3 = null;
        using var cancellation = new CancellationTokenSource();
        var interruptedNetwork = new LinearSoftmaxNetwork(6, 3, maxBatch: 8, seed: 1);
        var interrupted = new Trainer<int>(interruptedNetwork, ResumeOptimizer(), ResumeOptions(
            checkpoint: epoch => new CapturingStream(bytes => { if (epoch == 3) checkpointAfterEpoch3 = bytes; }),
            epochProgress: new Recorder<EpochReport>(report => { if (report.Epoch == 3) cancellation.Cancel(); })));
        Assert.Throws<OperationCanceledException>(() => interrupted.Fit(training, validation, cancellation.Token));
        Assert.Equal(3, interrupted.Epoch);
        Assert.NotNull(checkpointAfterEpoch3);

        // A fresh process: other initial weights, a new optimizer, the checkpoint.
        var resumedNetwork = new LinearSoftmaxNetwork(6, 3, maxBatch: 8, seed: 99);
        var resumed = new Trainer<int>(resumedNetwork, ResumeOptimizer(), ResumeOptions());
        resumed.LoadCheckpoint(new MemoryStream(checkpointAfterEpoch3));
        Assert.Equal(3, resumed.Epoch);
        TrainingResult rest = resumed.Fit(training, validation);

        Assert.Equal(Snapshot(uninterrupted), Snapshot(resumedNetwork));
        Assert.Equal(expected.History.Skip(3), rest.History);
        Assert.Equal(expected.BestEpoch, rest.BestEpoch);
        Assert.Equal(expected.BestMetric, rest.BestMetric);
    }

    [Fact]
    public void LoadCheckpoint_WithAnotherSeed_ThrowsAndChangesNothing()
    {
        Dataset<int> training = Separable(16, 6, 3, seed: 1);
        var source = new Trainer<int>(new LinearSoftmaxNetwork(6, 3, maxBatch: 8), ResumeOptimizer(), ResumeOptions());
        source.TrainEpoch(training);
        var checkpoint = new MemoryStream();
        source.SaveCheckpoint(checkpoint);

        var network = new LinearSoftmaxNetwork(6, 3, maxBatch: 8, seed: 5);
        byte[] before = Snapshot(network);
        var trainer = new Trainer<int>(network, ResumeOptimizer(), ResumeOptions(seed: 12));
        checkpoint.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(checkpoint));
        Assert.Contains("Seed = 11", error.Message);
        Assert.Equal(before, Snapshot(network));
        Assert.Equal(0, trainer.Epoch);
    }

    [Fact]
    public void LoadCheckpoint_Truncated_ThrowsAndChangesNothing()
    {
        Dataset<int> training = Separable(16, 6, 3, seed: 1);
        var source = new Trainer<int>(new LinearSoftmaxNetwork(6, 3, maxBatch: 8), ResumeOptimizer(), ResumeOptions());
        source.TrainEpoch(training);
        var checkpoint = new MemoryStream();
        source.SaveCheckpoint(checkpoint);
        byte[] bytes = checkpoint.ToArray();

        var network = new LinearSoftmaxNetwork(6, 3, maxBatch: 8, seed: 5);
        byte[] before = Snapshot(network);
        AdamW optimizer = ResumeOptimizer();
        var trainer = new Trainer<int>(network, optimizer, ResumeOptions());
        foreach (int length in new[] { 0, 10, bytes.Length / 2, bytes.Length - 1 })
            Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(new MemoryStream(bytes, 0, length)));
        Assert.Equal(before, Snapshot(network));
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void Fit_OnSeparableData_LearnsAndReportsEveryBatchAndEpoch()
    {
        Dataset<int> training = Separable(120, 4, 3, seed: 3);
        Dataset<int> validation = Separable(60, 4, 3, seed: 4);
        var network = new LinearSoftmaxNetwork(4, 3, maxBatch: 16);
        var batches = new Recorder<BatchReport>();
        var epochs = new Recorder<EpochReport>();
        var trainer = new Trainer<int>(network, new Sgd(0.5f, momentum: 0.9f), new TrainerOptions
        {
            Epochs = 15,
            Seed = 5,
            BatchProgress = batches,
            EpochProgress = epochs,
        });

        TrainingResult result = trainer.Fit(training, validation);

        Assert.True(result.History[^1].Validation!.Value.Accuracy >= 0.9f, $"accuracy {result.History[^1].Validation!.Value.Accuracy}");
        Assert.True(result.History[^1].Training.Loss < result.History[0].Training.Loss);
        // 120 samples in batches of 16: 8 batches (the last has 8 samples) per epoch.
        Assert.Equal(15 * 8, batches.Reports.Count);
        Assert.Equal(new BatchReport(1, 8, 8, 8, batches.Reports[7].Loss, 0.5f), batches.Reports[7]);
        Assert.Equal(Enumerable.Range(1, 15), epochs.Reports.Select(report => report.Epoch));
        Assert.Equal(60, epochs.Reports[0].Validation!.Value.Samples);
    }

    [Fact]
    public void TrainEpoch_ShufflesDifferentlyEachEpochButReproduciblyPerSeed()
    {
        // With one sample per batch and no noise, the per-batch losses reveal the order the samples were visited in.
        Dataset<int> training = Separable(12, 4, 3, seed: 3);
        float[] EpochLosses(long seed, int epochs)
        {
            var recorder = new Recorder<BatchReport>();
            var trainer = new Trainer<int>(new LinearSoftmaxNetwork(4, 3, maxBatch: 1, noiseStandardDeviation: 0f), new Sgd(1e-30f), new TrainerOptions
            {
                Epochs = epochs,
                Seed = seed,
                BatchProgress = recorder,
            });
            trainer.Fit(training);
            return recorder.Reports.Select(report => report.Loss).ToArray();
        }

        float[] run = EpochLosses(seed: 1, epochs: 2);
        Assert.Equal(run, EpochLosses(seed: 1, epochs: 2));
        Assert.NotEqual(run[..12], run[12..]);
        Assert.NotEqual(run[..12], EpochLosses(seed: 2, epochs: 1));
        // Every sample is visited exactly once per epoch: same multiset of losses.
        Assert.Equal(run[..12].Order(), run[12..].Order());
    }

    [Fact]
    public void Fit_Cancelled_ThrowsBeforeTheNextBatch()
    {
        var network = new LinearSoftmaxNetwork(4, 3, maxBatch: 4);
        using var cancellation = new CancellationTokenSource();
        var trainer = new Trainer<int>(network, new Sgd(0.1f), new TrainerOptions
        {
            BatchProgress = new Recorder<BatchReport>(report => { if (report.Batch == 2) cancellation.Cancel(); }),
        });

        Assert.Throws<OperationCanceledException>(() => trainer.Fit(Separable(16, 4, 3, seed: 1), cancellationToken: cancellation.Token));
        Assert.Equal(2, trainer.BatchesTrained);
    }

    [Fact]
    public void Fit_DatasetOfWrongWidth_ThrowsNamingIt()
    {
        var trainer = new Trainer<int>(new LinearSoftmaxNetwork(4, 3, maxBatch: 4), new Sgd(0.1f));
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(Separable(8, 5, 3, seed: 1)));
        Assert.Equal("training", error.ParamName);
        Assert.Contains("InputSize = 4", error.Message);
    }

    [Fact]
    public void Constructor_BatchSizeAboveMaxBatch_ThrowsWithTheRange()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Trainer<int>(new LinearSoftmaxNetwork(4, 3, maxBatch: 4), new Sgd(0.1f), new TrainerOptions { BatchSize = 5 }));
        Assert.Contains("[1, MaxBatch = 4]", error.Message);
    }

    [Fact]
    public void TrainEpochAndEvaluate_AllocateNothingPerBatch()
    {
        Dataset<int> training = Separable(40, 6, 3, seed: 1);
        Dataset<int> validation = Separable(20, 6, 3, seed: 2);
        var counter = new BatchCounter();
        var trainer = new Trainer<int>(new LinearSoftmaxNetwork(6, 3, maxBatch: 8), new Adam(0.01f) { MaxGradientNorm = 1f }, new TrainerOptions
        {
            Seed = 3,
            Schedule = LearningRateSchedule.LinearWarmup(3).Then(LearningRateSchedule.Cosine(50), 3),
            ScheduleUnit = ScheduleUnit.Batch,
            Augmentation = new ImageAugmentation(2, 3, maxShift: 1, horizontalFlip: true),
            BatchProgress = counter,
        });
        for (int warmUp = 0; warmUp < 3; warmUp++)
        {
            trainer.TrainEpoch(training);
            trainer.Evaluate(validation);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 0; epoch < 5; epoch++)
        {
            trainer.TrainEpoch(training);
            trainer.Evaluate(validation);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        // 40 samples in batches of 8 = 5 batches, over 3 warm-up and 5 measured epochs.
        Assert.Equal(8 * 5, counter.Count);
    }

    public static TheoryData<string> OptimizerNames() =>
        ["sgd", "sgd-momentum", "sgd-nesterov", "sgd-weight-decay", "adam", "adam-weight-decay", "adamw", "adamw-clipped"];

    private static Optimizer CreateOptimizer(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "sgd-momentum" => new Sgd(0.1f, momentum: 0.9f),
        "sgd-nesterov" => new Sgd(0.1f, momentum: 0.9f, nesterov: true),
        "sgd-weight-decay" => new Sgd(0.1f, momentum: 0.9f, weightDecay: 1e-4f) { MaxGradientNorm = 1f },
        "adam" => new Adam(0.01f),
        "adam-weight-decay" => new Adam(0.01f, weightDecay: 1e-4f),
        "adamw" => new AdamW(0.01f),
        "adamw-clipped" => new AdamW(0.01f) { MaxGradientNorm = 0.5f },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown optimizer."),
    };

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void TrainStep_AllocatesNothing_WithEachOptimizer(string optimizerName)
    {
        Optimizer optimizer = CreateOptimizer(optimizerName);
        var network = new LinearSoftmaxNetwork(6, 3, maxBatch: 8);
        Dataset<int> batch = Separable(8, 6, 3, seed: 1);
        for (int warmUp = 0; warmUp < 5; warmUp++)
            network.TrainStep(batch.Features, batch.Targets, 8, optimizer);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 50; step++)
            network.TrainStep(batch.Features, batch.Targets, 8, optimizer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(55, optimizer.StepCount);
    }

    /// <summary>Hands its bytes to a callback when disposed, like a file the trainer writes a checkpoint to.</summary>
    private sealed class CapturingStream(Action<byte[]> onDispose) : MemoryStream
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
                onDispose(ToArray());
            base.Dispose(disposing);
        }
    }
}
