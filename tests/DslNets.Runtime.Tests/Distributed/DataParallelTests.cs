using DslNets.Distributed;
using DslNets.MpiRank;

namespace DslNets.Runtime.Tests.Distributed;

/// <summary>
/// Data-parallel training over in-process ranks against one process on the concatenated batch. Tolerance: the largest
/// difference in a tensor is at most 1e-5 of the tensor's largest magnitude (values near zero are compared on the
/// tensor's scale, not their own).
/// </summary>
public class DataParallelTests
{
    internal static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = 0f, worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = MathF.Max(scale, MathF.Abs(expected[i]));
            worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        }

        Assert.True(scale > 0f, $"{what}: all zero, nothing compared");
        Assert.True(worst <= 1e-5f * scale, $"{what}: largest difference {worst:G9} on a scale of {scale:G9} (relative {worst / scale:G3})");
    }

    internal static void AssertEqualToSingleProcess(ScenarioResult single, ScenarioResult distributed, string what)
    {
        AssertClose([single.FirstDataLoss], [distributed.FirstDataLoss], $"{what}: data loss");
        AssertClose([single.FirstRegularizationLoss], [distributed.FirstRegularizationLoss], $"{what}: regularization loss");
        AssertClose(single.FirstGradients, distributed.FirstGradients, $"{what}: gradients");
        AssertClose(single.Losses, distributed.Losses, $"{what}: losses of 10 steps");
        AssertClose(single.FinalParameters, distributed.FinalParameters, $"{what}: parameters after 10 steps");
        if (single.FirstBuffers.Length > 0)
        {
            AssertClose(single.FirstBuffers, distributed.FirstBuffers, $"{what}: running statistics after the first step");
            AssertClose(single.FinalBuffers, distributed.FinalBuffers, $"{what}: running statistics after 10 steps");
        }
    }

    [Theory]
    [InlineData("classifier", new[] { 8, 8 })]
    [InlineData("classifier", new[] { 3, 11 })]
    [InlineData("classifier", new[] { 5, 1, 9 })]
    [InlineData("classifier", new[] { 6, 0, 2, 7 })]
    [InlineData("regressor", new[] { 9, 4 })]
    [InlineData("regressor", new[] { 2, 7, 5 })]
    [InlineData("regressor", new[] { 4, 4, 1, 10 })]
    [InlineData("syncbn-classifier", new[] { 8, 8 })]
    [InlineData("syncbn-classifier", new[] { 3, 11 })]
    [InlineData("syncbn-classifier", new[] { 5, 1, 9 })]
    [InlineData("syncbn-classifier", new[] { 6, 0, 2, 7 })]
    [InlineData("syncbn-regressor", new[] { 9, 4 })]
    [InlineData("syncbn-regressor", new[] { 1, 12 })]
    [InlineData("syncbn-regressor", new[] { 2, 7, 0 })]
    [InlineData("syncbn-regressor", new[] { 4, 4, 1, 10 })]
    public void LossGradientsAndTenSteps_EqualOneProcess_OnTheConcatenatedBatch(string network, int[] split)
    {
        ScenarioResult single = DataParallelScenario.Single(network, split.Sum());

        ScenarioResult[] ranks = InProcessCollectives.Run(split.Length, c => DataParallelScenario.Distributed(network, c, split));

        for (int r = 0; r < ranks.Length; r++)
        {
            AssertEqualToSingleProcess(single, ranks[r], $"{network} [{string.Join(", ", split)}] rank {r}");
            Assert.Equal(ranks[0].FinalParameters, ranks[r].FinalParameters); // replicas stay bit-identical
            Assert.Equal(ranks[0].FinalBuffers, ranks[r].FinalBuffers); // running statistics too, without averaging
        }
    }

    [Fact]
    public void GlobalBatchChangingBetweenSteps_TrainsAsOneProcess_AndAveragedGradientsHoldEachStepsGradient()
    {
        // Per step, the samples of rank 0 and rank 1: the weights divide by the previous step's global batch, so the
        // steps where it changes (8 -> 5 -> 7 -> 8, and a rank without samples) take the rescaling path.
        (int, int)[] steps = [(4, 4), (4, 4), (3, 2), (3, 2), (0, 7), (1, 6), (4, 4)];
        var single = new SyncBatchNormClassifier();
        var singleOptimizer = new Sgd(0.05f, momentum: 0.9f);
        var expectedGradients = new List<float[]>();
        var expectedLosses = new List<float>();
        for (int step = 0; step < steps.Length; step++)
        {
            (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(step, steps[step].Item1 + steps[step].Item2);
            expectedLosses.Add(single.ComputeGradients(x, y, y.Length));
            expectedGradients.Add(single.Gradients.ToArray());
            singleOptimizer.Step(single.Parameters, single.Gradients);
            single.OnParametersChanged();
        }

        (float[][] Gradients, float[] Losses, float[] Parameters)[] ranks = InProcessCollectives.Run(2, c =>
        {
            var network = new SyncBatchNormClassifier();
            var parallel = new DataParallel<int>(network, c);
            var optimizer = new Sgd(0.05f, momentum: 0.9f);
            var gradients = new float[steps.Length][];
            var losses = new float[steps.Length];
            for (int step = 0; step < steps.Length; step++)
            {
                (int first, int second) = steps[step];
                (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(step, first + second);
                (int offset, int count) = c.Rank == 0 ? (0, first) : (first, second);
                losses[step] = parallel.TrainStep(x.AsSpan(offset * 6, count * 6), y.AsSpan(offset, count), count, optimizer);
                gradients[step] = parallel.AveragedGradients.ToArray();
                Assert.Equal(first + second, parallel.GlobalBatchSize);
            }

            return (gradients, losses, network.Parameters.ToArray());
        });

        for (int r = 0; r < 2; r++)
        {
            for (int step = 0; step < steps.Length; step++)
                AssertClose(expectedGradients[step], ranks[r].Gradients[step], $"rank {r}, step {step}: averaged gradients");
            AssertClose([.. expectedLosses], ranks[r].Losses, $"rank {r}: losses");
            AssertClose(single.Parameters.ToArray(), ranks[r].Parameters, $"rank {r}: parameters");
            Assert.Equal(ranks[0].Parameters, ranks[r].Parameters);
        }
    }

    [Fact]
    public void RegularizationLoss_IsCountedOnce_NotOncePerRank()
    {
        ScenarioResult single = DataParallelScenario.Single("classifier", 12);
        ScenarioResult[] ranks = InProcessCollectives.Run(4, c => DataParallelScenario.Distributed("classifier", c, [3, 3, 3, 3]));

        Assert.True(single.FirstRegularizationLoss > 0f);
        Assert.All(ranks, rank => Assert.Equal(single.FirstRegularizationLoss, rank.FirstRegularizationLoss, 1e-6f));
    }

    [Fact]
    public void Step_MakesOneAllReduce_OfParametersPlusThreeValues_AndStartUpOneCheckAndOneBroadcast()
    {
        (long, long, long, long, long, long)[] counts = InProcessCollectives.Run(3, c =>
        {
            var counting = new CountingCollectives(c);
            var network = new ParallelClassifier();
            var parallel = new DataParallel<int>(network, counting);
            var startUp = (counting.AllReduceCalls, counting.BroadcastCalls, counting.BroadcastValues);
            counting.Reset();

            (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(0, 4);
            parallel.TrainStep(x, y, 4, new Sgd(0.1f));
            return (startUp.AllReduceCalls, startUp.BroadcastCalls, startUp.BroadcastValues, counting.AllReduceCalls, counting.AllReducedValues, counting.Calls);
        });

        int parameters = ParallelClassifier.ParameterCount;
        Assert.All(counts, count => Assert.Equal((1L, 1L, (long)parameters, 1L, parameters + 3L, 1L), count));
    }

    [Fact]
    public void StartUp_CopiesRankZerosWeights_ToEveryRank()
    {
        float[][] weights = InProcessCollectives.Run(3, c =>
        {
            var network = new ParallelClassifier();
            network.Parameters.Fill(c.Rank + 1f);
            _ = new DataParallel<int>(network, c);
            return network.Parameters.ToArray();
        });

        Assert.All(weights, w => Assert.All(w, value => Assert.Equal(1f, value)));
    }

    [Fact]
    public void MismatchedNetworks_FailOnEveryRank_AtStartUp()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(3, c =>
        {
            INetwork<int> network = c.Rank == 2 ? new OtherClassifier() : new ParallelClassifier();
            _ = new DataParallel<int>(network, c);
        }));

        Assert.Equal(3, error.InnerExceptions.Count);
        foreach (Exception e in error.InnerExceptions)
        {
            var mismatch = Assert.IsType<InvalidOperationException>(e);
            Assert.Contains("the ranks hold different networks", mismatch.Message);
            Assert.Contains("Every rank must construct the same network class", mismatch.Message);
        }

        Assert.Contains("This rank has 'OtherClassifier'", error.InnerExceptions[2].Message);
        Assert.Contains("differs from rank 0's", error.InnerExceptions[2].Message);
        Assert.Contains("This rank has 'ParallelClassifier'", error.InnerExceptions[1].Message);
        Assert.Contains("matches rank 0's", error.InnerExceptions[1].Message);
    }

    [Fact]
    public void RankWithBadLabels_FailsItsStep_AndTheOthersFailInsteadOfHanging()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(2, c =>
        {
            var parallel = new DataParallel<int>(new ParallelClassifier(), c);
            (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(0, 4);
            if (c.Rank == 1)
                y[0] = 9; // 4 classes
            parallel.TrainStep(x, y, 4, new Sgd(0.1f));
        }, timeout: TimeSpan.FromMinutes(1)));

        Assert.IsType<CollectiveException>(error.InnerExceptions[0]);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerExceptions[1]);
        Assert.Contains("rank 1 threw ArgumentOutOfRangeException", error.InnerExceptions[0].Message);
    }

    [Fact]
    public void EmptyGlobalBatch_IsAnError_AndANegativeBatchNamesTheArgument()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(2, c =>
            new DataParallel<int>(new ParallelClassifier(), c).ComputeGradients([], [], 0)));
        Assert.All(error.InnerExceptions, e => Assert.Contains("the global batch is empty", e.Message));

        var single = Assert.Throws<AggregateException>(() => InProcessCollectives.Run(1, c =>
            new DataParallel<int>(new ParallelClassifier(), c).ComputeGradients([], [], -1)));
        Assert.Equal("batchSize", Assert.IsType<ArgumentOutOfRangeException>(single.InnerExceptions[0]).ParamName);
    }

    [Fact]
    public void BatchNormNetwork_KeepsRunningStatistics_IdenticalOnEveryRank()
    {
        float[][] buffers = InProcessCollectives.Run(2, c =>
        {
            var network = new TinyBatchNormNet();
            var parallel = new DataParallel<int>(network, c);
            var random = new SeededRandom(5, (ulong)c.Rank);
            var x = new float[8 * 4];
            var y = new int[8];
            for (int step = 0; step < 5; step++)
            {
                for (int i = 0; i < x.Length; i++)
                    x[i] = random.NextGaussian() + c.Rank; // the ranks see different data
                parallel.TrainStep(x, y, 8, new Sgd(0.01f));
            }

            return network.Buffers.ToArray();
        });

        Assert.Equal(buffers[0], buffers[1]);
        Assert.NotEqual(new TinyBatchNormNet().Buffers.ToArray(), buffers[0]);
    }

    [Fact]
    public void TrainStep_AllocatesNothing_AfterWarmUp()
    {
        long[] allocated = InProcessCollectives.Run(2, c => CollectiveAllocations.Measure(c, [5, 3]));

        Assert.Equal([0L, 0L], allocated);
    }
}
