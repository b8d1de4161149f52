using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DslNets.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project benchmarks/DslNets.Benchmarks -- --filter '*'</c>;
/// <c>-- --profile [threads] [batch]</c> prints the per-stage breakdown against the measured FMA peak;
/// <c>-- --profile-cnn [batch]</c> the same for the CNN's inference, stage by stage, on one thread;
/// <c>-- --collectives [ranks] [--bind-to core|none]</c> the all-reduce and data-parallel figures under mpirun;
/// <c>-- --dissect [ranks] [--bind-to core|none]</c> the data-parallel step's phases per rank;
/// <c>-- --versus [rounds] [onnx|torch|threads|spin ...]</c> each target ratio with DslNets and its peer alternated in
/// short blocks in the same run (<see cref="VersusBenchmark"/>). After the
/// BenchmarkDotNet classes, the same run launches the PyTorch peer for the batches and thread counts measured.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks chosen by the command line (BenchmarkDotNet switches), with a short job by default.</summary>
    public static void Main(string[] args)
    {
        if (args is ["--collectives", ..])
        {
            // The launcher passes the one-process step times on to the ranks: --collectives <ranks> <baseline us, ...>.
            // The user's command: --collectives [ranks] [--bind-to core|none]; the launcher's, under mpirun:
            // --collectives <ranks> <baseline us, ...>.
            (int ranks, string bindTo, string? baseline) = RankArguments(args[1..]);
            Environment.ExitCode = CollectivesBenchmark.Run(ranks, baseline: baseline, bindTo: bindTo);
            return;
        }

        if (args is ["--dissect", ..])
        {
            // The user's command: --dissect [ranks] [--bind-to core|none]; the launcher's, under mpirun:
            // --dissect <ranks> <records directory>.
            (int ranks, string bindTo, string? directory) = RankArguments(args[1..]);
            Environment.ExitCode = StepDissection.Run(ranks, bindTo: bindTo, directory: directory);
            return;
        }

        if (args is ["--versus", ..])
        {
            Environment.ExitCode = VersusBenchmark.Run(args[1..]);
            return;
        }

        if (args is ["--profile-cnn", ..])
        {
            CnnProfile.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64);
            return;
        }

        if (args is ["--profile", ..])
        {
            try
            {
                KernelProfile.Run(
                    args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1,
                    args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64);
            }
            catch (ArgumentOutOfRangeException e)
            {
                Console.Error.WriteLine($"--profile [threads] [batch]: {e.Message}");
                Environment.ExitCode = 2;
            }

            return;
        }

        // ShortRun's 3 warm-ups, but 15 measured iterations instead of 3: ONNX Runtime's single-sample time moved by
        // 5-10 % between 3-iteration runs, as much as the margin of the ratio targets.
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithIterationCount(15).WithId("Short15"))
            .AddDiagnoser(MemoryDiagnoser.Default)
            // The default 2 minutes is not enough to build the benchmark project on a machine shared with other builds.
            .WithBuildTimeout(TimeSpan.FromMinutes(10));
        Console.WriteLine($"CPU: {FmaPeak.CpuModel()}; kernel path {FmaPeak.KernelPath}; FP32 FMA peak (one core): {FmaPeak.Describe()}");
        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
        CompareWithPyTorch(summaries);
    }

    /// <summary>
    /// Runs the PyTorch peer for every (batch, threads) of DslNets' training rows and prints each next to DslNets
    /// with the ratio of medians (DslNets / PyTorch, below 1 is faster); the batched inference rows are compared too.
    /// Medians on both sides: on a machine shared with other work, a mean is dominated by the rounds that lost the core.
    /// </summary>
    private static void CompareWithPyTorch(Summary[] summaries)
    {
        var rows = summaries
            .SelectMany(summary => summary.Reports)
            // Only the MLP rows have a PyTorch peer (and a Threads parameter); the CNN rows are compared with ONNX Runtime.
            .Where(report => report.ResultStatistics is not null && report.BenchmarkCase.Descriptor.WorkloadMethod.Name == "DslNets"
                && (report.BenchmarkCase.Descriptor.Type == typeof(TrainingBenchmarks) || report.BenchmarkCase.Descriptor.Type == typeof(InferenceBenchmarks)))
            .Select(report => (
                Kind: report.BenchmarkCase.Descriptor.Type == typeof(TrainingBenchmarks) ? "train" : "infer",
                Batch: (int)report.BenchmarkCase.Parameters["Batch"],
                Threads: (int)report.BenchmarkCase.Parameters["Threads"],
                Microseconds: report.ResultStatistics!.Median / 1e3))
            .Where(row => row.Batch > 1)
            .ToArray();
        if (!rows.Any(row => row.Kind == "train"))
            return;

        IReadOnlyList<PeerTime> peer = PyTorchPeer.Run(
            rows.Select(row => row.Batch).Distinct().Order(), rows.Select(row => row.Threads).Distinct().Order(), out string description);
        Console.WriteLine();
        Console.WriteLine($"// * DslNets vs PyTorch (same run; {FmaPeak.CpuModel()}, kernel path {FmaPeak.KernelPath}) *");
        Console.WriteLine($"// {description}");
        Console.WriteLine("| Call | Batch | Threads | DslNets (median) | PyTorch (median) | PyTorch (best round) | Ratio of medians (DslNets / PyTorch) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows.OrderBy(row => row.Kind == "infer").ThenBy(row => row.Batch).ThenBy(row => row.Threads))
        {
            PeerTime? match = peer.FirstOrDefault(time => time.Kind == row.Kind && time.Batch == row.Batch && time.Threads == row.Threads);
            string call = row.Kind == "train" ? "Training step (SGD momentum)" : "Inference";
            Console.WriteLine(match is null
                ? $"| {call} | {row.Batch} | {row.Threads} | {row.Microseconds:N1} us | not run | | {PyTorchPeer.InstallHint} |"
                : $"| {call} | {row.Batch} | {row.Threads} | {row.Microseconds:N1} us | {match.MedianMicroseconds:N1} us | {match.BestMicroseconds:N1} us | {row.Microseconds / match.MedianMicroseconds:F2} |");
        }
    }

    /// <summary>
    /// The MPI modes' arguments after the mode: the user's <c>[ranks] [--bind-to core|none]</c> (2 ranks, not bound by
    /// default), or the launcher's <c>&lt;ranks&gt; &lt;extra&gt;</c> under mpirun.
    /// </summary>
    private static (int Ranks, string BindTo, string? Extra) RankArguments(string[] rest)
    {
        int ranks = 2, next = 0;
        if (rest.Length > 0 && rest[0] != "--bind-to")
        {
            ranks = int.Parse(rest[0], CultureInfo.InvariantCulture);
            next = 1;
        }

        if (rest.Length >= next + 2 && rest[next] == "--bind-to")
            return (ranks, rest[next + 1], null);
        return (ranks, "none", rest.Length > next ? rest[next] : null);
    }
}
