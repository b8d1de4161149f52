using System;

namespace DslNets.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, over a fixed group of <see cref="Size"/> ranks (processes
/// or threads) numbered 0 to <see cref="Size"/> - 1. Every rank must call the same collectives in the same order with
/// the same lengths; each call returns when every rank has made it.
/// </summary>
/// <remarks>
/// Backends: <see cref="InProcessCollectives"/> (ranks as threads of one process), <see cref="MpiCollectives"/>
/// (OpenMPI through the system's <c>libmpi.so.40</c>, ranks as processes started by <c>mpirun</c>) and
/// <see cref="CountingCollectives"/> (counts what another backend is asked to do). No backend allocates per call
/// after the first call of each kind.
/// </remarks>
public interface ICollectives
{
    /// <summary>This rank's number, 0 to <see cref="Size"/> - 1. Rank 0 is the one that prints and writes files.</summary>
    int Rank { get; }

    /// <summary>The number of ranks in the group.</summary>
    int Size { get; }

    /// <summary>
    /// In place: every rank's <paramref name="values"/> becomes the element-wise sum of all ranks' values
    /// (<c>MPI_Allreduce</c> with <c>MPI_SUM</c> and <c>MPI_IN_PLACE</c>). Every rank passes the same length.
    /// </summary>
    void AllReduceSum(Span<float> values);

    /// <summary>
    /// Every rank's <paramref name="values"/> becomes rank <paramref name="root"/>'s values (<c>MPI_Bcast</c>).
    /// Every rank passes the same length and the same root.
    /// </summary>
    void Broadcast(Span<float> values, int root);

    /// <summary>Returns when every rank has called it (<c>MPI_Barrier</c>).</summary>
    void Barrier();
}
