using System;
using System.Numerics.Tensors;
using System.Text;

namespace DslNets.Distributed;

/// <summary>
/// Data-parallel training of one network replica per rank: each rank computes gradients on its own slice of the
/// global batch, one all-reduce averages them over the global batch, and every rank applies the same optimizer step
/// to the same weights, so the replicas stay identical (PyTorch <c>DistributedDataParallel</c>).
/// </summary>
/// <typeparam name="TTarget"><see cref="int"/> class labels or <see cref="float"/> targets, as the network trains.</typeparam>
/// <remarks>
/// <para><b>Start-up</b> (the constructor, collective: every rank constructs it): one all-reduce checks that every rank
/// holds the same architecture (<see cref="INetwork.Fingerprint"/> and buffer sizes) and throws
/// <see cref="InvalidOperationException"/> on every rank when not; one broadcast then copies rank 0's parameters and
/// running statistics to every rank. Dropout noise is re-seeded per rank (rank 0 keeps its stream), so replicas do not
/// draw the same masks.</para>
/// <para><b>A step</b>: rank r holds n_r samples (ranks may differ; 0 is allowed) of a global batch of
/// N = sum n_r. After the local <c>ComputeGradients</c> its gradient g_r is the mean over its n_r samples plus the
/// regularization gradient R. One all-reduce of w_r [g_r, b_r, dataLoss_r, regularizationLoss] and n_r (b: running
/// statistics; w_r = n_r / E, E the previous step's global batch, the same on every rank) gives, when N = E,
/// sum n_r g_r / N = (mean data gradient over the global batch) + R directly: the global-batch gradient, with
/// regularization counted once because the weights n_r / N sum to 1 (when N differs from E — the first step, an
/// epoch's short last batch — the sum is rescaled by E / N). The loss is reduced the same way, in the same buffer. One
/// collective per step of <see cref="INetwork.Parameters"/>.Length + 3 floats, plus the running statistics of plain
/// (not synchronized) batch norms.</para>
/// <para><b>Batch norm</b>: a synchronized batch norm (<c>[BatchNorm(Sync = true)]</c>, <see cref="ISyncBatchNormNetwork"/>)
/// reduces its statistics over the same collectives, one all-reduce forward and one backward per layer (the constructor
/// hands the collectives to the network), so the network equals one process on the concatenated batch and its running
/// statistics are the same on every rank without further work; a rank without samples still makes those all-reduces
/// (<see cref="ISyncBatchNormNetwork.ComputeGradientsWithoutSamples"/>). A plain batch norm normalizes each rank's
/// slice with that slice's statistics (as PyTorch DDP without SyncBatchNorm); its running statistics are averaged over
/// ranks (weighted by n_r) in the gradient all-reduce so every rank evaluates the same model, and such a network does
/// not equal one process on the concatenated batch.</para>
/// <para>No allocation per step: the staging buffer is allocated once here.</para>
/// </remarks>
public sealed class DataParallel<TTarget>
    where TTarget : unmanaged
{
    // A 64-bit architecture hash travels as 16 four-bit digits: digit, digit squared and rank 0's digit stay exact
    // integers in float sums up to 2^24 / 225 ranks, and sum(d^2) * size == sum(d)^2 holds exactly when all ranks agree.
    private const int HashDigits = 16;

    private readonly INetwork<TTarget> _network;
    private readonly ICollectives _collectives;
    private readonly float[] _staging;
    private readonly int _parameterCount;
    private readonly int _bufferCount;

    // The buffer ranges averaged over ranks each step: everything but the running statistics of synchronized batch
    // norms, which are the same on every rank by construction.
    private readonly (int Offset, int Length)[] _averagedBuffers;
    private readonly int _averagedCount;
    private readonly ISyncBatchNormNetwork? _synchronized;

    // The previous step's global batch (0 before the first step): the denominator of this step's weights.
    private int _expectedGlobalBatch;

    /// <summary>
    /// Checks that every rank holds the same architecture and copies rank 0's weights to every rank. Collective:
    /// every rank of <paramref name="collectives"/> must call it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ranks hold different networks (thrown on every rank).</exception>
    public DataParallel(INetwork<TTarget> network, ICollectives collectives)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(collectives);
        _network = network;
        _collectives = collectives;
        _parameterCount = network.Parameters.Length;
        _bufferCount = network.Buffers.Length;
        _averagedBuffers = AveragedBuffers(network);
        foreach ((int _, int length) in _averagedBuffers)
            _averagedCount += length;
        _staging = new float[Math.Max(_parameterCount + _averagedCount + 3, _parameterCount + _bufferCount)];

        CheckSameArchitecture();
        Span<float> state = _staging.AsSpan(0, _parameterCount + _bufferCount);
        if (collectives.Rank == 0)
        {
            network.Parameters.CopyTo(state);
            network.Buffers.CopyTo(state[_parameterCount..]);
        }

        collectives.Broadcast(state, root: 0);
        state[.._parameterCount].CopyTo(network.Parameters);
        state[_parameterCount..].CopyTo(network.Buffers);
        network.OnParametersChanged();
        if (network is ISyncBatchNormNetwork synchronized)
        {
            synchronized.Collectives = collectives;
            _synchronized = synchronized;
        }

        if (collectives.Rank != 0)
        {
            SeededRandom noise = network.NoiseState;
            network.NoiseState = new SeededRandom((long)noise.NextUInt32() << 32 | noise.NextUInt32(), (ulong)collectives.Rank);
        }
    }

    /// <summary>The replica on this rank.</summary>
    public INetwork<TTarget> Network => _network;

    /// <summary>The collectives the replicas synchronize through.</summary>
    public ICollectives Collectives => _collectives;

    /// <summary>The global batch of the last step: the sum of every rank's batch size.</summary>
    public int GlobalBatchSize { get; private set; }

    /// <summary>The mean data loss over the global batch of the last step (the same on every rank).</summary>
    public float DataLoss { get; private set; }

    /// <summary>The L1/L2 penalty of the last step (counted once; the same on every rank).</summary>
    public float RegularizationLoss { get; private set; }

    /// <summary>
    /// Computes this rank's gradients on its <paramref name="batchSize"/> samples, then averages gradients, loss and
    /// running statistics over the global batch in one all-reduce. Afterwards <see cref="INetwork.Gradients"/> holds
    /// the global-batch gradient on every rank (as does <see cref="AveragedGradients"/>). Collective: every rank calls
    /// it once per step.
    /// </summary>
    /// <param name="inputs">This rank's samples, row after row.</param>
    /// <param name="targets">This rank's labels or targets.</param>
    /// <param name="batchSize">This rank's sample count, 0 to <see cref="INetwork.MaxBatch"/>; a rank without samples still takes part.</param>
    /// <returns>The global-batch loss (mean data loss + regularization), the same on every rank.</returns>
    /// <exception cref="InvalidOperationException">No rank had a sample (the global batch is empty).</exception>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int batchSize)
    {
        float loss = Average(inputs, targets, batchSize);
        AveragedGradients.CopyTo(_network.Gradients);
        return loss;
    }

    /// <summary>
    /// The global-batch gradient of the last step (<see cref="ComputeGradients"/> or <see cref="TrainStep"/>), the same
    /// on every rank: the mean data gradient over the global batch plus the regularization gradient.
    /// </summary>
    public ReadOnlySpan<float> AveragedGradients => _staging.AsSpan(0, _parameterCount);

    /// <summary>
    /// The local gradient, the all-reduce and the averaging of <see cref="ComputeGradients"/>, leaving the global-batch
    /// gradient in <see cref="AveragedGradients"/> (the staging buffer) without copying it to the network.
    /// </summary>
    private float Average(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int batchSize)
    {
        if (batchSize < 0 || batchSize > _network.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Expected batchSize in [0, MaxBatch = {_network.MaxBatch}].");

        Span<float> staging = _staging.AsSpan(0, _parameterCount + _averagedCount + 3);
        Span<float> gradients = staging[.._parameterCount];
        Span<float> buffers = staging.Slice(_parameterCount, _averagedCount);

        // Rank r sends n_r / E times its values, E the previous step's global batch (the same number on every rank), so
        // when this step's global batch N equals E — every step of an epoch but maybe its last — the sum that comes back
        // is already the global mean: one pass over the gradients (into the staging buffer) instead of two. Otherwise
        // (the first step: E = 0, weight n_r) the sum is rescaled by E / N (1 / N) in place.
        int expected = _expectedGlobalBatch;
        float weight = expected > 0 ? (float)batchSize / expected : batchSize;
        if (batchSize > 0)
        {
            _network.ComputeGradients(inputs, targets, batchSize);
            TensorPrimitives.Multiply(_network.Gradients, weight, gradients);
            int at = 0;
            foreach ((int offset, int length) in _averagedBuffers)
            {
                TensorPrimitives.Multiply(_network.Buffers.Slice(offset, length), weight, buffers.Slice(at, length));
                at += length;
            }

            staging[^3] = weight * _network.DataLoss;
            staging[^2] = weight * _network.RegularizationLoss; // the same on every rank: weighted, it comes back once
        }
        else
        {
            // Synchronized batch norms still make their all-reduces (and move their running statistics) without samples.
            _synchronized?.ComputeGradientsWithoutSamples();
            staging.Clear();
        }

        staging[^1] = batchSize;
        _collectives.AllReduceSum(staging);

        float globalBatch = staging[^1];
        if (!(globalBatch >= 1f))
            throw new InvalidOperationException($"Rank {_collectives.Rank}: every rank passed batchSize 0, so the global batch is empty.");
        if (globalBatch != expected)
        {
            TensorPrimitives.Multiply(staging[..^1], (expected > 0 ? expected : 1f) / globalBatch, staging[..^1]);
            _expectedGlobalBatch = (int)globalBatch;
        }

        if (_averagedCount > 0)
        {
            int at = 0;
            foreach ((int offset, int length) in _averagedBuffers)
            {
                buffers.Slice(at, length).CopyTo(_network.Buffers.Slice(offset, length));
                at += length;
            }

            _network.OnParametersChanged();
        }

        GlobalBatchSize = (int)globalBatch;
        DataLoss = staging[^3];
        RegularizationLoss = staging[^2];
        return DataLoss + RegularizationLoss;
    }

    /// <summary>
    /// The buffer ranges a step averages: all of <see cref="INetwork.Buffers"/> except the tensors of synchronized
    /// batch norms (<see cref="OperationInfo.Synchronized"/>), in layout order, adjacent ranges merged.
    /// </summary>
    private static (int Offset, int Length)[] AveragedBuffers(INetwork network)
    {
        var synchronized = new bool[network.Buffers.Length];
        foreach (OperationInfo operation in network.Operations)
        {
            if (!operation.Synchronized)
                continue;
            string prefix = operation.TensorPrefix + ".";
            foreach (TensorInfo tensor in network.Tensors)
            {
                if (!tensor.IsParameter && tensor.Name.StartsWith(prefix, StringComparison.Ordinal))
                    synchronized.AsSpan(tensor.Offset, tensor.Length).Fill(true);
            }
        }

        var ranges = new System.Collections.Generic.List<(int, int)>();
        for (int start = 0; start < synchronized.Length;)
        {
            if (synchronized[start])
            {
                start++;
                continue;
            }

            int end = start;
            while (end < synchronized.Length && !synchronized[end])
                end++;
            ranges.Add((start, end - start));
            start = end;
        }

        return ranges.ToArray();
    }

    /// <summary>
    /// <see cref="ComputeGradients"/>, then one step of <paramref name="optimizer"/> on this rank's replica (the same
    /// step on every rank, so the replicas stay identical). Collective. The step reads the global-batch gradient from
    /// <see cref="AveragedGradients"/> and does not copy it to <see cref="INetwork.Gradients"/>, which keeps this rank's
    /// own gradient (a pass over every gradient saved per step).
    /// </summary>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int batchSize, IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.Bind(_parameterCount);
        float loss = Average(inputs, targets, batchSize);
        optimizer.Step(_network.Parameters, AveragedGradients);
        _network.OnParametersChanged();
        return loss;
    }

    private void CheckSameArchitecture()
    {
        ulong hash = ArchitectureHash(_network);
        Span<float> check = stackalloc float[3 * HashDigits];
        check.Clear();
        for (int d = 0; d < HashDigits; d++)
        {
            float digit = (hash >> (4 * d)) & 0xF;
            check[d] = digit;
            check[HashDigits + d] = digit * digit;
            if (_collectives.Rank == 0)
                check[2 * HashDigits + d] = digit;
        }

        _collectives.AllReduceSum(check);
        int size = _collectives.Size;
        bool agree = true;
        ulong rank0Hash = 0;
        for (int d = 0; d < HashDigits; d++)
        {
            double sum = check[d];
            agree &= size * (double)check[HashDigits + d] == sum * sum;
            rank0Hash |= (ulong)check[2 * HashDigits + d] << (4 * d);
        }

        if (!agree)
        {
            string relation = rank0Hash == hash ? "matches rank 0's" : $"differs from rank 0's {rank0Hash:x16}";
            throw new InvalidOperationException(
                $"Rank {_collectives.Rank} of {size}: the ranks hold different networks. This rank has '{_network.Name}' " +
                $"({_parameterCount} parameters, {_bufferCount} buffer values, architecture hash {hash:x16}, which {relation}); " +
                $"fingerprint: {_network.Fingerprint}. Every rank must construct the same network class.");
        }
    }

    /// <summary>FNV-1a over the fingerprint and the buffer sizes: equal on ranks with the same parameter layout.</summary>
    private static ulong ArchitectureHash(INetwork network)
    {
        ulong hash = 14695981039346656037UL;
        string text = $"{network.Fingerprint}|{network.Parameters.Length}|{network.Buffers.Length}|{network.InputSize}|{network.OutputSize}";
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
