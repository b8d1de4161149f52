using DslNets.Distributed;
using DslNets.Kernels;
using DslNets.MpiRank;

namespace DslNets.Runtime.Tests.Distributed;

/// <summary><see cref="SyncBatchNormClassifier"/> with plain batch norms: the same seed, so the same initial weights.</summary>
[Network(InputSize = 6, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 13)]
[L2(1e-3)]
public partial class PlainBatchNormClassifier
{
    [Dense(16, Bias = false), BatchNorm, ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(12, Bias = false), BatchNorm(Momentum = 0.3), Tanh]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>One synchronized and one plain batch norm: only the plain one's running statistics are averaged.</summary>
[Network(InputSize = 6, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 15)]
public partial class MixedBatchNormClassifier
{
    [Dense(16, Bias = false), BatchNorm(Sync = true), ReLU]
    public partial DenseLayer Hidden1 { get; }

    [Dense(12, Bias = false), BatchNorm, Tanh]
    public partial DenseLayer Hidden2 { get; }

    [Dense(4)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Synchronized batch norm (<c>[BatchNorm(Sync = true)]</c>) beyond the equality scenarios of
/// <see cref="DataParallelTests"/>: what it is on one process, what it sends, and its errors.
/// </summary>
public class SyncBatchNormTests
{
    [Fact]
    public void WithoutCollectives_ItIsPlainBatchNorm_BitForBit()
    {
        var synchronized = new SyncBatchNormClassifier();
        var plain = new PlainBatchNormClassifier();
        var optimizer = new Sgd(0.05f, momentum: 0.9f);
        var plainOptimizer = new Sgd(0.05f, momentum: 0.9f);
        Assert.Equal(plain.Parameters.ToArray(), synchronized.Parameters.ToArray());

        for (int step = 0; step < 3; step++)
        {
            (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(step, 10);
            Assert.Equal(plain.TrainStep(x, y, 10, plainOptimizer), synchronized.TrainStep(x, y, 10, optimizer));
        }

        Assert.Equal(plain.Gradients.ToArray(), synchronized.Gradients.ToArray());
        Assert.Equal(plain.Parameters.ToArray(), synchronized.Parameters.ToArray());
        Assert.Equal(plain.Buffers.ToArray(), synchronized.Buffers.ToArray());
    }

    [Fact]
    public void OneProcess_RejectsABatchOfOne_AsPlainBatchNormDoes()
    {
        var network = new SyncBatchNormClassifier();
        float[] parameters = network.Parameters.ToArray();
        (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(0, 1);

        var error = Assert.Throws<ArgumentException>(() => network.ComputeGradients(x, y, 1));

        Assert.Equal("batchSize", error.ParamName);
        Assert.Equal(parameters, network.Parameters.ToArray());
    }

    [Theory]
    [InlineData(new[] { 7, 5 })]
    [InlineData(new[] { 4, 0, 9 })]
    public void Step_MakesOneAllReducePerSyncBatchNormEachWay_PlusTheGradientAllReduce(int[] split)
    {
        (long Calls, long AllReduces, long Values)[] counts = InProcessCollectives.Run(split.Length, c =>
        {
            var counting = new CountingCollectives(c);
            var parallel = new DataParallel<int>(new SyncBatchNormClassifier(), counting);
            counting.Reset();

            int offset = split.Take(c.Rank).Sum(), count = split[c.Rank];
            (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(0, split.Sum());
            parallel.TrainStep(x.AsSpan(offset * 6, count * 6), y.AsSpan(offset, count), count, new Sgd(0.1f));
            return (counting.Calls, counting.AllReduceCalls, counting.AllReducedValues);
        });

        // Forward: [count, 16 + 16] and [count, 12 + 12]; backward: [16 + 16] and [12 + 12]; then P + 3 (no running
        // statistics: synchronized batch norms' are the same on every rank).
        long values = (2 * 16 + 1) + (2 * 12 + 1) + 2 * 12 + 2 * 16 + SyncBatchNormClassifier.ParameterCount + 3;
        Assert.All(counts, count => Assert.Equal((5L, 5L, values), count));
    }

    [Fact]
    public void MixedNetwork_AveragesOnlyThePlainBatchNormsRunningStatistics()
    {
        (long AllReduces, long Values, float[] Buffers)[] results = InProcessCollectives.Run(2, c =>
        {
            var counting = new CountingCollectives(c);
            var network = new MixedBatchNormClassifier();
            var parallel = new DataParallel<int>(network, counting);
            counting.Reset();
            (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(c.Rank, 8); // different data per rank
            parallel.TrainStep(x, y, 8, new Sgd(0.1f));
            return (counting.AllReduceCalls, counting.AllReducedValues, network.Buffers.ToArray());
        });

        long values = (2 * 16 + 1) + 2 * 16 + MixedBatchNormClassifier.ParameterCount + 2 * 12 + 3;
        Assert.All(results, r => Assert.Equal((3L, values), (r.AllReduces, r.Values)));
        Assert.Equal(results[0].Buffers, results[1].Buffers);
    }

    [Fact]
    public void GlobalBatchOfOne_FailsOnEveryRank_BeforeTheRunningStatisticsMove()
    {
        float[] initial = new SyncBatchNormClassifier().Buffers.ToArray();
        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(2, c =>
        {
            var network = new SyncBatchNormClassifier();
            var parallel = new DataParallel<int>(network, c);
            (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(0, 1);
            try
            {
                parallel.ComputeGradients(x.AsSpan(0, 6 * c.Rank), y.AsSpan(0, c.Rank), c.Rank); // [0, 1]
            }
            finally
            {
                Assert.Equal(initial, network.Buffers.ToArray());
            }
        }));

        Assert.Equal(2, error.InnerExceptions.Count);
        Assert.All(error.InnerExceptions, e => Assert.Contains("needs a global batch of at least 2 rows over all ranks (got 1)", e.Message));
    }

    [Fact]
    public void StepWithoutSamples_NeedsCollectives()
    {
        ISyncBatchNormNetwork network = new SyncBatchNormClassifier();

        var error = Assert.Throws<InvalidOperationException>(network.ComputeGradientsWithoutSamples);

        Assert.Contains("set ISyncBatchNormNetwork.Collectives first", error.Message);
        Assert.Null(network.Collectives);
    }

    [Fact]
    public void Kernels_OverThreeRanks_EqualPlainBatchNorm_OnTheConcatenatedRows_AwayFromZeroMean()
    {
        // 11 rows of 5 channels around 30 (spread 1): the sums around the running mean K keep the variance to float
        // precision where sums around 0 would lose about 1e-4 of it (30^2 / 1 times float's 6e-8). Ranks hold 4, 0 and 7 rows.
        const int channels = 5;
        int[] split = [4, 0, 7];
        int rows = split.Sum();
        var random = new SeededRandom(9);
        float[] x = Enumerable.Range(0, rows * channels).Select(_ => 30f + random.NextGaussian()).ToArray();
        float[] dyGlobal = Enumerable.Range(0, rows * channels).Select(_ => random.NextGaussian() / rows).ToArray();
        float[] gamma = [1.5f, 0.5f, 1f, 2f, 0.25f], beta = [0f, 1f, -1f, 0.5f, 2f];
        float[] runningMean = [29.5f, 30.2f, 30f, 29.9f, 30.4f];

        var y = new float[rows * channels];
        var xhat = new float[rows * channels];
        var dx = new float[rows * channels];
        float[] mean = new float[channels], rstd = new float[channels], plainMean = (float[])runningMean.Clone(), plainVar = [1f, 1f, 1f, 1f, 1f];
        float[] dgamma = new float[channels], dbeta = new float[channels];
        NormalizationKernels.BatchNormTrainingForward(y, xhat, mean, rstd, plainMean, plainVar, x, gamma, beta, 0.1f, 1e-5f, rows, channels);
        NormalizationKernels.BatchNormBackward(dx, dgamma, dbeta, dyGlobal, xhat, rstd, gamma, rows, channels);

        var ranks = InProcessCollectives.Run(split.Length, c =>
        {
            int first = split.Take(c.Rank).Sum(), n = split[c.Rank], length = n * channels;
            float[] rankY = new float[length], rankXhat = new float[length], rankDx = new float[length];
            float[] rankRstd = new float[channels], statistics = new float[SyncBatchNormKernels.StatisticsLength(channels)];
            float[] rankMean = (float[])runningMean.Clone(), rankVar = [1f, 1f, 1f, 1f, 1f];
            float[] rankDgamma = new float[channels], rankDbeta = new float[channels];
            if (n == 0)
            {
                SyncBatchNormKernels.ForwardWithoutRows(rankRstd, statistics, rankMean, rankVar, 0.1f, 1e-5f, channels, c);
                SyncBatchNormKernels.BackwardWithoutRows(statistics, channels, c);
                return (rankY, rankDx, rankMean, rankVar, rankDgamma, rankDbeta, n);
            }

            // Rank r's dy is the gradient of the mean over its own rows: rows / n times the global one.
            float[] dy = dyGlobal.AsSpan(first * channels, length).ToArray().Select(v => v * rows / n).ToArray();
            SyncBatchNormKernels.TrainingForward(rankY, rankXhat, rankRstd, statistics, rankMean, rankVar, x.AsSpan(first * channels, length), gamma, beta, 0.1f, 1e-5f, n, channels, c);
            SyncBatchNormKernels.Backward(rankDx, rankDgamma, rankDbeta, statistics, dy, rankXhat, rankRstd, gamma, n, channels, c);
            return (rankY, rankDx.Select(v => v * n / rows).ToArray(), rankMean, rankVar, rankDgamma.Select(v => v * n / rows).ToArray(), rankDbeta.Select(v => v * n / rows).ToArray(), n);
        });

        DataParallelTests.AssertClose(y, ranks.SelectMany(r => r.rankY).ToArray(), "outputs");
        DataParallelTests.AssertClose(dx, ranks.SelectMany(r => r.Item2).ToArray(), "input gradients (global scale)");
        float[] sumDgamma = new float[channels], sumDbeta = new float[channels];
        foreach (var rank in ranks)
        {
            DataParallelTests.AssertClose(plainMean, rank.rankMean, "running mean");
            DataParallelTests.AssertClose(plainVar, rank.rankVar, "running variance (unbiased, global count)");
            for (int c = 0; c < channels; c++)
                (sumDgamma[c], sumDbeta[c]) = (sumDgamma[c] + rank.Item5[c], sumDbeta[c] + rank.Item6[c]);
        }

        DataParallelTests.AssertClose(dgamma, sumDgamma, "gamma gradient (n-weighted sum over ranks)");
        DataParallelTests.AssertClose(dbeta, sumDbeta, "beta gradient (n-weighted sum over ranks)");
    }
}
