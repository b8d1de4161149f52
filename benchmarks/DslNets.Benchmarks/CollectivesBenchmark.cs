using System.Diagnostics;
using System.Globalization;
using DslNets.Distributed;
using DslNets.Threading;

namespace DslNets.Benchmarks;

/// <summary>
/// <c>-- --collectives [ranks]</c>: starts itself under <c>mpirun -np ranks</c> (default 2) and prints, from rank 0,
/// the all-reduce latency and bandwidth on this machine's loopback for 4 B to 64 MB, a latency-bandwidth fit
/// (t = alpha + bytes / bandwidth), what a data-parallel training step of the benchmark network sends, and that step's
/// time. Before launching, the same step on one process with 1 and 2 kernel threads (so no idle rank competes for
/// the cores). The figures docs/distributed.md projects from.
/// </summary>
public static class CollectivesBenchmark
{
    private const int GlobalBatch = 256;

    /// <summary>Runs the measurement: re-launches under mpirun unless already started by it.</summary>
    public static int Run(int ranks)
    {
        if (!MpiCollectives.IsLaunchedByMpirun)
        {
            float[] globalInputs = BenchmarkData.Inputs(GlobalBatch * 784, 1);
            int[] globalLabels = BenchmarkData.Labels(GlobalBatch, 1);
            Console.WriteLine($"Training step, BenchmarkMlp, batch {GlobalBatch}, one process; load {LoadAverage()}:");
            foreach (int threads in new[] { 1, 2 })
            {
                double single = SingleProcessStep(threads, globalInputs, globalLabels);
                Console.WriteLine($"  {threads} kernel thread(s): step p50 {single * 1e6:F0} us, {GlobalBatch / single:F0} samples/s");
            }

            Console.WriteLine();
            return Launch(ranks);
        }

        using MpiCollectives mpi = MpiCollectives.Initialize();
        bool print = mpi.Rank == 0;
        if (print)
        {
            Console.WriteLine($"{mpi.Size} MPI ranks on {Environment.ProcessorCount} logical cores; load {LoadAverage()}");
            Console.WriteLine();
            Console.WriteLine("All-reduce (sum, in place, float), p50 of the repetitions:");
            Console.WriteLine("        bytes      us/call    algbw GB/s    busbw GB/s");
        }

        var sizes = new List<(double Bytes, double Seconds)>();
        for (int floats = 1; floats <= 16 << 20; floats *= 4)
        {
            double seconds = MedianSeconds(mpi, floats);
            sizes.Add((floats * 4.0, seconds));
            if (print)
            {
                // algbw = bytes / t; busbw = algbw * 2 (p - 1) / p, what each link carries in a ring (NCCL's convention).
                double algorithmBandwidth = floats * 4.0 / seconds / 1e9;
                double busBandwidth = algorithmBandwidth * 2 * (mpi.Size - 1) / mpi.Size;
                Console.WriteLine($"{floats * 4L,13:N0} {seconds * 1e6,12:F1} {algorithmBandwidth,13:F3} {busBandwidth,13:F3}");
            }
        }

        (double alpha, double secondsPerByte) = FitLatencyBandwidth(sizes);
        if (print)
        {
            Console.WriteLine();
            Console.WriteLine($"fit: t(bytes) = {alpha * 1e6:F1} us + bytes / {1 / secondsPerByte / 1e9:F2} GB/s (all-reduce of {mpi.Size} ranks; least squares on relative error)");
        }

        TrainingStep(mpi, print);
        return 0;
    }

    /// <summary>What one data-parallel step of the benchmark network sends, and how long it takes.</summary>
    private static void TrainingStep(ICollectives mpi, bool print)
    {
        int perRank = GlobalBatch / mpi.Size;
        var counting = new CountingCollectives(mpi);
        var network = new BenchmarkMlp();
        var parallel = new DataParallel<int>(network, counting);
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        float[] inputs = BenchmarkData.Inputs(GlobalBatch * 784, 1);
        int[] labels = BenchmarkData.Labels(GlobalBatch, 1);
        ReadOnlySpan<float> x = inputs.AsSpan(mpi.Rank * perRank * 784, perRank * 784);
        ReadOnlySpan<int> y = labels.AsSpan(mpi.Rank * perRank, perRank);
        for (int i = 0; i < 5; i++)
            parallel.TrainStep(x, y, perRank, optimizer);
        counting.Reset();
        parallel.TrainStep(x, y, perRank, optimizer);
        long calls = counting.Calls, values = counting.AllReducedValues;

        const int Steps = 50;
        var stepTimes = new double[Steps];
        var stopwatch = new Stopwatch();
        for (int i = 0; i < Steps; i++)
        {
            mpi.Barrier();
            stopwatch.Restart();
            parallel.TrainStep(x, y, perRank, optimizer);
            stepTimes[i] = stopwatch.Elapsed.TotalSeconds;
        }

        double collective = MedianSeconds(mpi, (int)values);
        double step = Median(stepTimes);
        if (!print)
            return;
        Console.WriteLine();
        Console.WriteLine($"Data-parallel step, BenchmarkMlp ({network.Parameters.Length:N0} parameters, {network.Buffers.Length:N0} running-statistics values), global batch {GlobalBatch} = {mpi.Size} x {perRank}:");
        Console.WriteLine($"  collectives per step {calls}, floats {values:N0}, bytes {values * 4:N0} per rank");
        Console.WriteLine($"  step p50 {step * 1e6:F0} us, of which all-reduce alone p50 {collective * 1e6:F0} us ({100 * collective / step:F0} %); {GlobalBatch / step:F0} samples/s");
    }

    /// <summary>One process, the whole global batch.</summary>
    private static double SingleProcessStep(int threads, float[] inputs, int[] labels)
    {
        KernelThreads.Count = Math.Min(threads, Environment.ProcessorCount);
        try
        {
            var network = new BenchmarkMlp();
            var optimizer = new Sgd(0.01f, momentum: 0.9f);
            for (int i = 0; i < 5; i++)
                network.TrainStep(inputs, labels, GlobalBatch, optimizer);
            var times = new double[50];
            var stopwatch = new Stopwatch();
            for (int i = 0; i < times.Length; i++)
            {
                stopwatch.Restart();
                network.TrainStep(inputs, labels, GlobalBatch, optimizer);
                times[i] = stopwatch.Elapsed.TotalSeconds;
            }

            return Median(times);
        }
        finally
        {
            KernelThreads.Count = 1;
        }
    }

    /// <summary>p50 seconds of an all-reduce of <paramref name="floats"/> values, each call started together after a barrier.</summary>
    private static double MedianSeconds(ICollectives collectives, int floats)
    {
        var values = new float[floats];
        int repetitions = floats <= 1 << 14 ? 200 : floats <= 1 << 20 ? 30 : 8;
        for (int i = 0; i < 3; i++)
            collectives.AllReduceSum(values);
        var times = new double[repetitions];
        var stopwatch = new Stopwatch();
        for (int i = 0; i < repetitions; i++)
        {
            collectives.Barrier();
            stopwatch.Restart();
            collectives.AllReduceSum(values);
            times[i] = stopwatch.Elapsed.TotalSeconds;
        }

        // Rank 0's p50; the same call on the other ranks ends within one message time of it.
        return Median(times);
    }

    /// <summary>
    /// Fits t = alpha + beta * bytes minimizing the relative error sum(((t_i - model_i) / t_i)^2), so 4-byte and
    /// 64-MB messages count alike: a weighted least-squares line with weights 1 / t_i^2.
    /// </summary>
    private static (double Alpha, double Beta) FitLatencyBandwidth(List<(double Bytes, double Seconds)> points)
    {
        double sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0;
        foreach ((double x, double y) in points)
        {
            double w = 1 / (y * y);
            (sw, swx, swy, swxx, swxy) = (sw + w, swx + w * x, swy + w * y, swxx + w * x * x, swxy + w * x * y);
        }

        double beta = (sw * swxy - swx * swy) / (sw * swxx - swx * swx);
        return ((swy - beta * swx) / sw, beta);
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Starts this program under mpirun with <c>--collectives</c> and relays its output.</summary>
    private static int Launch(int ranks)
    {
        // --bind-to none: mpirun pins each of 2 ranks to one core by default, which on a shared machine leaves a rank
        // waiting for its core while the other is idle. `dotnet run` starts the apphost, `dotnet X.dll` the muxer: start the ranks the same way.
        string host = Environment.ProcessPath ?? "dotnet";
        string command = Path.GetFileNameWithoutExtension(host) == "dotnet" ? $"{host} {typeof(CollectivesBenchmark).Assembly.Location}" : host;
        var start = new ProcessStartInfo("mpirun", $"--allow-run-as-root --oversubscribe --bind-to none -np {ranks.ToString(CultureInfo.InvariantCulture)} {command} --collectives");
        Console.WriteLine($"$ {start.FileName} {start.Arguments}");
        try
        {
            using Process process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"mpirun could not be started ({e.Message}): install OpenMPI with `apt-get install openmpi-bin libopenmpi-dev`.");
            return 1;
        }
    }
}
