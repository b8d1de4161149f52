using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace DslNets.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/DslNets.Benchmarks -- --filter '*'</c>; <c>-- --profile [threads]</c> prints the per-stage breakdown; <c>-- --collectives [ranks]</c> the all-reduce and data-parallel figures under mpirun.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks chosen by the command line (BenchmarkDotNet switches), with a short job by default.</summary>
    public static void Main(string[] args)
    {
        if (args is ["--collectives", ..])
        {
            Environment.ExitCode = CollectivesBenchmark.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2);
            return;
        }

        if (args is ["--profile", ..])
        {
            KernelProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
            return;
        }

        // ShortRun's 3 warm-ups, but 15 measured iterations instead of 3: ONNX Runtime's single-sample time moved by
        // 5-10 % between 3-iteration runs, as much as the margin of the ratio targets.
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithIterationCount(15).WithId("Short15"))
            .AddDiagnoser(MemoryDiagnoser.Default);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
