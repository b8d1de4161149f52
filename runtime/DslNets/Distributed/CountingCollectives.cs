using System;

namespace DslNets.Distributed;

/// <summary>
/// Passes every call to another backend and counts it: calls and floats per kind of collective. Tests use it to pin
/// down how many collectives a training step makes; the benchmarks use it to report what a step sends.
/// </summary>
public sealed class CountingCollectives(ICollectives inner) : ICollectives
{
    private readonly ICollectives _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc/>
    public int Rank => _inner.Rank;

    /// <inheritdoc/>
    public int Size => _inner.Size;

    /// <summary>Calls of <see cref="AllReduceSum"/> so far.</summary>
    public long AllReduceCalls { get; private set; }

    /// <summary>Floats all-reduced so far (this rank's buffer lengths, summed).</summary>
    public long AllReducedValues { get; private set; }

    /// <summary>Calls of <see cref="Broadcast"/> so far.</summary>
    public long BroadcastCalls { get; private set; }

    /// <summary>Floats broadcast so far.</summary>
    public long BroadcastValues { get; private set; }

    /// <summary>Calls of <see cref="Barrier"/> so far.</summary>
    public long BarrierCalls { get; private set; }

    /// <summary>All collective calls of any kind so far.</summary>
    public long Calls => AllReduceCalls + BroadcastCalls + BarrierCalls;

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values)
    {
        AllReduceCalls++;
        AllReducedValues += values.Length;
        _inner.AllReduceSum(values);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> values, int root)
    {
        BroadcastCalls++;
        BroadcastValues += values.Length;
        _inner.Broadcast(values, root);
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        BarrierCalls++;
        _inner.Barrier();
    }

    /// <summary>Sets every counter back to 0 (for counting one step after a warm-up).</summary>
    public void Reset()
    {
        AllReduceCalls = AllReducedValues = BroadcastCalls = BroadcastValues = BarrierCalls = 0;
    }
}
