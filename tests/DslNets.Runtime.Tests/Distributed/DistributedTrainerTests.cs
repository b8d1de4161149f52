using DslNets.Data;
using DslNets.Distributed;
using DslNets.MpiRank;
using DslNets.Training;

namespace DslNets.Runtime.Tests.Distributed;

/// <summary>The trainer's data-parallel mode (TrainerOptions.Collectives) over in-process ranks.</summary>
public class DistributedTrainerTests
{
    /// <summary><paramref name="count"/> classifier samples (the scenario's rule), as a dataset.</summary>
    private static Dataset<int> Samples(int count, int step)
    {
        (float[] inputs, int[] labels) = DataParallelScenario.ClassifierBatch(step, count);
        return new Dataset<int>(inputs, labels, ParallelClassifier.InputSize);
    }

    private static TrainerOptions Options(ICollectives? collectives, EarlyStopping? stopping = null, Recorder? recorder = null, int epochs = 4, int batchSize = 20) => new()
    {
        Epochs = epochs,
        BatchSize = batchSize,
        Seed = 9,
        EarlyStopping = stopping,
        EpochProgress = recorder,
        BatchProgress = recorder,
        Checkpoint = recorder is null ? null : epoch => recorder.CheckpointStream(),
        Collectives = collectives,
    };

    /// <summary>Counts reports and checkpoints of one rank, synchronously.</summary>
    private sealed class Recorder : IProgress<EpochReport>, IProgress<BatchReport>
    {
        public int Epochs { get; private set; }

        public int Batches { get; private set; }

        public int Checkpoints { get; private set; }

        public void Report(EpochReport value) => Epochs++;

        public void Report(BatchReport value) => Batches++;

        public Stream CheckpointStream()
        {
            Checkpoints++;
            return new MemoryStream();
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Fit_EqualsOneProcess_WithTheSameGlobalBatch(int ranks)
    {
        // 90 samples in global batches of 20: the last batch (10) splits unevenly over 3 ranks; 33 validation samples too.
        Dataset<int> training = Samples(90, 1), validation = Samples(33, 2);
        var single = new ParallelClassifier();
        TrainingResult expected = new Trainer<int>(single, new Sgd(0.05f, momentum: 0.9f), Options(null)).Fit(training, validation);

        (TrainingResult Result, float[] Parameters)[] actual = InProcessCollectives.Run(ranks, c =>
        {
            var network = new ParallelClassifier();
            TrainingResult result = new Trainer<int>(network, new Sgd(0.05f, momentum: 0.9f), Options(c)).Fit(training, validation);
            return (result, network.Parameters.ToArray());
        });

        foreach ((TrainingResult result, float[] parameters) in actual)
        {
            DataParallelTests.AssertClose(single.Parameters.ToArray(), parameters, "parameters after 4 epochs");
            DataParallelTests.AssertClose([.. expected.History.Select(e => e.Training.Loss)], [.. result.History.Select(e => e.Training.Loss)], "training losses");
            DataParallelTests.AssertClose([.. expected.History.Select(e => e.Validation!.Value.Loss)], [.. result.History.Select(e => e.Validation!.Value.Loss)], "validation losses");
            Assert.Equal(expected.History.Select(e => e.Validation!.Value.Accuracy), result.History.Select(e => e.Validation!.Value.Accuracy));
            Assert.Equal(actual[0].Parameters, parameters);
        }
    }

    [Fact]
    public void Fit_WithSynchronizedBatchNorm_EqualsOneProcess_RunningStatisticsIncluded_EvenWhenARankGetsOneSample()
    {
        // 85 samples in global batches of 20 over 3 ranks: the last batch of 5 gives the ranks 1, 2 and 2 samples,
        // which plain batch norm refuses and synchronized batch norm normalizes together.
        Dataset<int> training = Samples(85, 1), validation = Samples(33, 2);
        var single = new SyncBatchNormClassifier();
        TrainingResult expected = new Trainer<int>(single, new Sgd(0.05f, momentum: 0.9f), Options(null)).Fit(training, validation);

        (TrainingResult Result, float[] Parameters, float[] Buffers)[] actual = InProcessCollectives.Run(3, c =>
        {
            var network = new SyncBatchNormClassifier();
            TrainingResult result = new Trainer<int>(network, new Sgd(0.05f, momentum: 0.9f), Options(c)).Fit(training, validation);
            return (result, network.Parameters.ToArray(), network.Buffers.ToArray());
        });

        foreach ((TrainingResult result, float[] parameters, float[] buffers) in actual)
        {
            DataParallelTests.AssertClose(single.Parameters.ToArray(), parameters, "parameters after 4 epochs");
            DataParallelTests.AssertClose(single.Buffers.ToArray(), buffers, "running statistics after 4 epochs");
            DataParallelTests.AssertClose([.. expected.History.Select(e => e.Validation!.Value.Loss)], [.. result.History.Select(e => e.Validation!.Value.Loss)], "validation losses");
            Assert.Equal(actual[0].Buffers, buffers);
        }
    }

    [Fact]
    public void OnlyRankZero_ReportsProgress_AndWritesCheckpoints()
    {
        Dataset<int> training = Samples(60, 1);
        var recorders = new[] { new Recorder(), new Recorder() };

        InProcessCollectives.Run(2, c =>
            new Trainer<int>(new ParallelClassifier(), new Sgd(0.05f), Options(c, recorder: recorders[c.Rank])).Fit(training));

        Assert.Equal((4, 4 * 3, 4), (recorders[0].Epochs, recorders[0].Batches, recorders[0].Checkpoints));
        Assert.Equal((0, 0, 0), (recorders[1].Epochs, recorders[1].Batches, recorders[1].Checkpoints));
    }

    [Fact]
    public void EarlyStopping_StopsEveryRank_AfterTheSameEpoch_AsOneProcess()
    {
        Dataset<int> training = Samples(80, 1), validation = Samples(40, 2);
        // A learning rate this high makes the validation loss stop improving within a few epochs.
        var stopping = new EarlyStopping(Metric.ValidationLoss, Patience: 1, MinDelta: 1e-3f);
        TrainingResult expected = new Trainer<int>(new ParallelClassifier(), new Sgd(0.8f, momentum: 0.9f), Options(null, stopping)).Fit(training, validation);

        TrainingResult[] results = InProcessCollectives.Run(3, c =>
            new Trainer<int>(new ParallelClassifier(), new Sgd(0.8f, momentum: 0.9f), Options(c, stopping)).Fit(training, validation));

        Assert.True(expected.StoppedEarly, "the single-process run should stop early for this test to mean something");
        Assert.All(results, result => Assert.Equal((expected.EpochsCompleted, expected.StoppedEarly, expected.BestEpoch), (result.EpochsCompleted, result.StoppedEarly, result.BestEpoch)));
    }

    [Fact]
    public void TrainEpochAndEvaluate_AllocateNothing_AfterTheFirstEpoch_OnEveryRank()
    {
        Dataset<int> training = Samples(64, 1), validation = Samples(30, 2);

        long[] allocated = InProcessCollectives.Run(2, c =>
        {
            var trainer = new Trainer<int>(new ParallelClassifier(), new Sgd(0.05f), Options(c, epochs: 10));
            for (int epoch = 0; epoch < 2; epoch++)
            {
                trainer.TrainEpoch(training);
                trainer.Evaluate(validation);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int epoch = 0; epoch < 3; epoch++)
            {
                trainer.TrainEpoch(training);
                trainer.Evaluate(validation);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });

        Assert.Equal([0L, 0L], allocated);
    }

    [Fact]
    public void GlobalBatch_MayReachMaxBatchTimesRanks_NotMore()
    {
        InProcessCollectives.Run(2, c =>
        {
            _ = new Trainer<int>(new ParallelClassifier(), new Sgd(0.1f), Options(c, batchSize: 64));
            var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
                new Trainer<int>(new ParallelClassifier(), new Sgd(0.1f), Options(c, batchSize: 65)));
            Assert.Contains("Expected options.BatchSize in [1, MaxBatch x ranks = 32 x 2] or 0.", error.Message);
        });
    }

    [Fact]
    public void BatchNorm_WithFewerThanTwoSamplesOnARank_IsRefusedBeforeTheFirstStep()
    {
        // 21 samples in batches of 8 over 4 ranks: the last batch of 5 leaves three ranks one sample each.
        var random = new SeededRandom(3);
        var features = new float[21 * 4];
        for (int i = 0; i < features.Length; i++)
            features[i] = random.NextGaussian();
        var training = new Dataset<int>(features, new int[21], 4);

        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(4, c =>
        {
            var network = new TinyBatchNormNet();
            var trainer = new Trainer<int>(network, new Sgd(0.1f), new TrainerOptions { BatchSize = 8, Collectives = c });
            float[] broadcast = network.Parameters.ToArray();
            Assert.Throws<ArgumentException>(() => trainer.TrainEpoch(training));
            Assert.Equal(broadcast, network.Parameters.ToArray()); // no step was taken
            throw new InvalidOperationException("expected");
        }));

        Assert.All(error.InnerExceptions, e => Assert.Equal("expected", e.Message));
    }
}
