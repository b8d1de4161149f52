using System;
using System.Diagnostics;
using System.IO;
using DslNets;
using DslNets.Data;
using DslNets.Distributed;
using Spectre.Console;

namespace FashionMnist;

/// <summary>
/// <c>--mpi</c>: this process is one rank of <c>mpirun -np N dotnet FashionMnist.dll --mpi</c>. Every rank trains its
/// share of each global batch (the trainer's data-parallel mode, synchronized batch norm); rank 0 prints and writes
/// the files, the other ranks print nothing. Before training, a speed check times the same training step on one
/// process (rank 0 alone, while the others wait) and on every rank, so the run reports both figures side by side.
/// </summary>
internal sealed class MpiRun : IDisposable
{
    // Enough warm-up steps for the JIT's tiered compilation to reach the optimized kernels (30 calls, then a
    // background compile), as the training loop has long done when it is timed.
    private const int WarmUpSteps = 40;
    private const int SpeedCheckSteps = 30;

    private readonly MpiCollectives _mpi;

    private MpiRun(MpiCollectives mpi) => _mpi = mpi;

    public ICollectives Collectives => _mpi;

    /// <summary>Rank 0, the rank that prints and writes files.</summary>
    public bool IsRoot => _mpi.Rank == 0;

    /// <summary>Joins the MPI job; null and a message when OpenMPI is missing or the process was not started by mpirun.</summary>
    public static MpiRun? Start(out string? error)
    {
        try
        {
            error = null;
            return new MpiRun(MpiCollectives.Initialize());
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
        {
            error = $"--mpi: {e.Message}";
            return null;
        }
    }

    /// <summary>What this rank prints to: the console on rank 0, nothing elsewhere.</summary>
    public IAnsiConsole Console(IAnsiConsole console) =>
        IsRoot ? console : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });

    /// <summary>
    /// Samples per second of a training step at <paramref name="globalBatch"/> on one process (rank 0 alone, the
    /// others waiting in a broadcast) and on all ranks (each its share, gradients averaged): <see cref="WarmUpSteps"/>
    /// warm-up steps, then <see cref="SpeedCheckSteps"/> timed. Throwaway networks; the same figures on every rank. Collective.
    /// </summary>
    public (double OneProcess, double AllRanks) SpeedCheck(Func<INetwork<int>> create, Dataset<int> training, int globalBatch)
    {
        Span<float> oneProcess = [0f];
        if (IsRoot)
        {
            INetwork<int> alone = create();
            oneProcess[0] = (float)SamplesPerSecond(globalBatch, (x, y, n, optimizer) => alone.TrainStep(x, y, n, optimizer), training, 0, globalBatch);
        }

        _mpi.Broadcast(oneProcess, root: 0);

        int first = (int)((long)globalBatch * _mpi.Rank / _mpi.Size);
        int share = (int)((long)globalBatch * (_mpi.Rank + 1) / _mpi.Size) - first;
        var parallel = new DataParallel<int>(create(), _mpi);
        _mpi.Barrier();
        Span<float> allRanks = [(float)SamplesPerSecond(globalBatch, parallel.TrainStep, training, first, share)];
        _mpi.Broadcast(allRanks, root: 0); // rank 0's clock decides
        return (oneProcess[0], allRanks[0]);
    }

    public void Dispose() => _mpi.Dispose();

    private delegate float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batchSize, IOptimizer optimizer);

    private static double SamplesPerSecond(int globalBatch, Step step, Dataset<int> training, int first, int count)
    {
        int inputSize = training.FeatureCount; // 784 pixels for either model
        ReadOnlySpan<float> x = training.Features.AsSpan(first * inputSize, count * inputSize);
        ReadOnlySpan<int> y = training.Targets.AsSpan(first, count);
        var optimizer = new AdamW(learningRate: 1e-3f);
        for (int i = 0; i < WarmUpSteps; i++)
            step(x, y, count, optimizer);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < SpeedCheckSteps; i++)
            step(x, y, count, optimizer);
        return SpeedCheckSteps * (double)globalBatch / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
