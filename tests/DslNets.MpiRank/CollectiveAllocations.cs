using System;
using DslNets.Distributed;

namespace DslNets.MpiRank;

/// <summary>Bytes a backend allocates on the calling thread over warm calls (expected: 0).</summary>
public static class CollectiveAllocations
{
    /// <summary>
    /// 100 calls each of all-reduce, broadcast and barrier, then 10 data-parallel training steps of the classifier and
    /// 10 of the synchronized-batch-norm classifier, all after a warm-up.
    /// </summary>
    public static long Measure(ICollectives collectives, int[] split) =>
        OfCollectives(collectives, root: 0)
        + TrainingStepAllocations(new ParallelClassifier(), collectives, split)
        + TrainingStepAllocations(new SyncBatchNormClassifier(), collectives, split);

    /// <summary>Bytes allocated by 100 rounds of all-reduce, broadcast from <paramref name="root"/> and barrier, after 3 warm-up rounds.</summary>
    public static long OfCollectives(ICollectives collectives, int root)
    {
        var values = new float[1000];
        for (int i = 0; i < 3; i++)
            Round(collectives, values, root);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            Round(collectives, values, root);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void Round(ICollectives collectives, float[] values, int root)
    {
        collectives.AllReduceSum(values);
        collectives.Broadcast(values, root);
        collectives.Barrier();
    }

    private static long TrainingStepAllocations(INetwork<int> network, ICollectives collectives, int[] split)
    {
        int offset = 0;
        for (int r = 0; r < collectives.Rank; r++)
            offset += split[r];
        int count = split[collectives.Rank];
        int globalBatch = 0;
        foreach (int size in split)
            globalBatch += size;
        (float[] x, int[] y) = DataParallelScenario.ClassifierBatch(0, globalBatch);
        var parallel = new DataParallel<int>(network, collectives);
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        for (int i = 0; i < 3; i++)
            Step(parallel, x, y, offset, count, optimizer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            Step(parallel, x, y, offset, count, optimizer);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void Step(DataParallel<int> parallel, float[] x, int[] y, int offset, int count, IOptimizer optimizer) =>
        parallel.TrainStep(x.AsSpan(offset * ParallelClassifier.InputSize, count * ParallelClassifier.InputSize), y.AsSpan(offset, count), count, optimizer);
}
