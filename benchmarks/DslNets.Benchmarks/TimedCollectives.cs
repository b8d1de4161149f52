using System.Diagnostics;
using DslNets.Distributed;

namespace DslNets.Benchmarks;

/// <summary>Adds up the wall time spent inside another backend's collectives (for the data-parallel step's breakdown).</summary>
internal sealed class TimedCollectives(ICollectives inner) : ICollectives
{
    /// <summary>Seconds spent in collectives since it was last set; the benchmark resets it per step.</summary>
    public double Seconds { get; set; }

    public int Rank => inner.Rank;

    public int Size => inner.Size;

    public void AllReduceSum(Span<float> values)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllReduceSum(values);
        Seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public void Broadcast(Span<float> values, int root)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Broadcast(values, root);
        Seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public void Barrier()
    {
        long start = Stopwatch.GetTimestamp();
        inner.Barrier();
        Seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
