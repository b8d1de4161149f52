using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace DslNets.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/DslNets.Benchmarks -- --filter '*'</c>; <c>-- --profile [threads]</c> prints the per-stage breakdown.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks chosen by the command line (BenchmarkDotNet switches), with a short job by default.</summary>
    public static void Main(string[] args)
    {
        if (args is ["--profile", ..])
        {
            KernelProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
            return;
        }

        IConfig config = DefaultConfig.Instance
            .AddJob(Job.ShortRun)
            .AddDiagnoser(MemoryDiagnoser.Default);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
