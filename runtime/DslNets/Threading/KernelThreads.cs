using System;
using System.Threading;

namespace DslNets.Threading;

/// <summary>
/// Runtime-wide setting: how many threads the dense kernels of every network may use for a large batch. Off by
/// default (1 thread). With <see cref="Count"/> &gt; 1 the big matrix products of a batch of at least
/// <see cref="MinBatch"/> samples are split by rows across persistent helper threads, started once and reused, so
/// a split allocates nothing (unlike <c>Parallel.For</c>). A single sample is never split. Calls from several threads
/// at once are safe: while the helpers serve one call, the others run on their own thread.
/// </summary>
public static class KernelThreads
{
    private static int s_count = 1;
    private static int s_minBatch = 32;

    /// <summary>Threads used per split, the calling thread included: 1 (default) turns splitting off; at most <see cref="Environment.ProcessorCount"/>.</summary>
    public static int Count
    {
        get => Volatile.Read(ref s_count);
        set
        {
            if (value < 1 || value > Math.Max(1, Environment.ProcessorCount))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Use 1 to {Environment.ProcessorCount} threads (1 = no splitting).");
            Volatile.Write(ref s_count, value);
        }
    }

    /// <summary>The smallest batch whose products are split (default 32); at least 2.</summary>
    public static int MinBatch
    {
        get => Volatile.Read(ref s_minBatch);
        set
        {
            if (value < 2)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Splitting needs at least two samples.");
            Volatile.Write(ref s_minBatch, value);
        }
    }

    /// <summary>
    /// True when a product over <paramref name="batchSize"/> samples and <paramref name="multiplyAdds"/> multiply-adds
    /// should be split: large enough that waking a helper (a few microseconds) is worth it.
    /// </summary>
    internal static bool ShouldSplit(int batchSize, long multiplyAdds) =>
        Count > 1 && batchSize >= 2 && batchSize >= MinBatch && multiplyAdds >= MinSplitMultiplyAdds;

    /// <summary>
    /// True when a kernel making <paramref name="passes"/> elementwise passes over <paramref name="count"/> floats (an
    /// optimizer step: one; a packing, read and written: two) should be split: the threshold is on the floats
    /// streamed. Batch norm has its own, higher threshold (NormalizationKernels.MinSplitValues): split by features, it
    /// reads half of every row from the core that wrote it.
    /// </summary>
    internal static bool ShouldSplitElementwise(int count, int passes = 1) => Count > 1 && (long)count * passes >= MinSplitElementwise;

    // About 10 us of streaming: a quarter of a MB of parameters, gradients and state.
    private const int MinSplitElementwise = 1 << 16;

    // About 10 us of one core's work: below that the wake-up and the cache traffic cost more than the second core saves.
    private const long MinSplitMultiplyAdds = 1L << 20;
}
