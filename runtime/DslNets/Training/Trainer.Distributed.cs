using System;
using DslNets.Distributed;

namespace DslNets.Training;

/// <summary>
/// The trainer's data-parallel mode (<see cref="TrainerOptions.Collectives"/> set): what changes against one process.
/// </summary>
/// <remarks>
/// <para>Every rank builds the same trainer with the same options and datasets and calls the same methods. Every rank
/// shuffles the epoch with the same seed and takes its contiguous share of each global batch
/// (<see cref="TrainerOptions.BatchSize"/> is the global batch); one all-reduce per batch averages the gradients
/// (<see cref="DataParallel{TTarget}"/>), so without batch norm, or with synchronized batch norm only, the run equals
/// one process with that batch size, to rounding. Validation runs on each rank's share of the validation set and one all-reduce combines the sums. Only
/// rank 0 reports progress and writes checkpoints. The metric early stopping monitors is broadcast from rank 0, so
/// every rank takes rank 0's decision and all stop after the same epoch. Augmentation draws from a stream per rank.</para>
/// </remarks>
public sealed partial class Trainer<TTarget>
{
    private DataParallel<TTarget>? _parallel;

    /// <summary>This rank's number in data-parallel mode; 0 on one process.</summary>
    public int Rank => _parallel?.Collectives.Rank ?? 0;

    /// <summary>Whether this rank reports progress and writes checkpoints: rank 0, or the only process.</summary>
    private bool Reports => Rank == 0;

    /// <summary>The largest global batch: <see cref="INetwork.MaxBatch"/> per rank.</summary>
    private static int MaxGlobalBatch(INetwork network, ICollectives? collectives) =>
        (int)Math.Min(int.MaxValue, (long)network.MaxBatch * (collectives?.Size ?? 1));

    private static string MaxBatchDescription(INetwork network, ICollectives? collectives) =>
        collectives is null ? $"MaxBatch = {network.MaxBatch}" : $"MaxBatch x ranks = {network.MaxBatch} x {collectives.Size}";

    /// <summary>
    /// With a plain (not synchronized) batch norm, which normalizes each rank's share with its own statistics, every
    /// rank needs at least two samples of every batch; only the last two batches can be smaller than
    /// <see cref="TrainerOptions.BatchSize"/>. Synchronized batch norm needs 2 in the global batch, as one process does.
    /// </summary>
    private void CheckShares(int count, int batchCount)
    {
        if (_parallel is null || !_hasPerRankBatchNorm)
            return;
        for (int batch = Math.Max(0, batchCount - 2); batch < batchCount; batch++)
        {
            int size = BatchBounds(batch, batchCount, count).Size;
            if (SmallestShare(size) < 2)
            {
                throw new ArgumentException(
                    $"{_network.Name} has BatchNorm, which needs at least 2 samples per rank, and a batch of {size} leaves a rank fewer " +
                    $"over {_parallel.Collectives.Size} ranks: use a batch size of at least {2 * _parallel.Collectives.Size} and options.DropLast = true " +
                    "when the last batch is smaller.", "training");
            }
        }
    }

    /// <summary>Checks the architectures across ranks and copies rank 0's weights to every rank (collective).</summary>
    private void StartDataParallel(ICollectives? collectives)
    {
        if (collectives is null)
            return;
        _parallel = new DataParallel<TTarget>(_network, collectives);
    }

    /// <summary>
    /// This rank's share of the global batch <c>[start, start + size)</c> of the epoch order: a contiguous range, sizes
    /// differing by at most one between ranks (a rank may get none).
    /// </summary>
    private (int Start, int Size) Share(int start, int size)
    {
        if (_parallel is null)
            return (start, size);
        ICollectives collectives = _parallel.Collectives;
        int first = (int)((long)size * collectives.Rank / collectives.Size);
        int end = (int)((long)size * (collectives.Rank + 1) / collectives.Size);
        return (start + first, end - first);
    }

    /// <summary>The smallest share any rank gets of a global batch of <paramref name="size"/> samples.</summary>
    private int SmallestShare(int size) => _parallel is null ? size : size / _parallel.Collectives.Size;

    /// <summary>One training step on this rank's share; the loss of the global batch.</summary>
    private float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int size) =>
        _parallel is null
            ? _network.TrainStep(inputs, targets, size, _optimizer)
            : _parallel.TrainStep(inputs, targets, size, _optimizer);

    /// <summary>A different augmentation stream per rank (rank 0 keeps the one-process stream).</summary>
    private ulong AugmentationStream(ulong stream) => stream + ((ulong)Rank << 40);

    /// <summary>Adds the other ranks' validation sums to this rank's (one all-reduce of two values).</summary>
    private void CombineValidation(ref double lossSum, ref int correct)
    {
        if (_parallel is null)
            return;
        Span<float> sums = [(float)lossSum, correct];
        _parallel.Collectives.AllReduceSum(sums);
        (lossSum, correct) = (sums[0], (int)MathF.Round(sums[1]));
    }

    /// <summary>Rank 0's value of the monitored metric, on every rank (one broadcast of one value per epoch).</summary>
    private float AgreeOnMonitoredValue(float value)
    {
        if (_parallel is null)
            return value;
        Span<float> shared = [value];
        _parallel.Collectives.Broadcast(shared, root: 0);
        return shared[0];
    }
}
