using System.Diagnostics;
using System.Globalization;
using DslNets.Distributed;
using DslNets.Threading;

namespace DslNets.Benchmarks;

/// <summary>
/// <c>-- --collectives [ranks]</c>: starts itself under <c>mpirun -np ranks</c> (default 2) and prints, from rank 0,
/// the all-reduce latency and bandwidth on this machine's loopback for 4 B to 64 MB, a latency-bandwidth fit
/// (t = alpha + bytes / bandwidth), what a data-parallel training step of the benchmark network sends, and that step's
/// time and the time spent in collectives inside it, for <see cref="BenchmarkMlp"/> (plain batch norm) and
/// <see cref="BenchmarkSyncMlp"/> (synchronized batch norm). Before launching, the same steps on one process with 1 and 2
/// kernel threads (so no idle rank competes for the cores). The figures docs/distributed.md projects from.
/// </summary>
public static class CollectivesBenchmark
{
    internal const int GlobalBatch = 256;

    /// <summary>Warm-up steps before any measurement (at least; the one-process rows also warm up for <see cref="WarmUpSeconds"/>).</summary>
    internal const int WarmUpSteps = 300;

    private const double WarmUpSeconds = 2;

    /// <summary>Measured steps per row; the row reports their median.</summary>
    private const int Steps = 100;

    /// <summary>The data-parallel rows are measured in this many alternating rounds of <see cref="Steps"/> / Rounds steps.</summary>
    private const int Rounds = 5;

    /// <summary>
    /// Runs the measurement: on one process the training steps of both networks with 1 and 2 kernel threads, then
    /// itself under mpirun; under mpirun the collectives and the data-parallel steps. <paramref name="baseline"/> (set by
    /// the launcher) is the one-process, one-thread step time of each network in microseconds, for the speed-up column;
    /// <paramref name="bindTo"/> is mpirun's binding policy for the ranks.
    /// </summary>
    public static int Run(int ranks, string? baseline, string bindTo = "none")
    {
        if (!MpiCollectives.IsLaunchedByMpirun)
        {
            float[] globalInputs = BenchmarkData.Inputs(GlobalBatch * 784, 1);
            int[] globalLabels = BenchmarkData.Labels(GlobalBatch, 1);
            Console.WriteLine($"{Environment.ProcessorCount} logical cores, {FmaPeak.CpuModel()}; load {LoadAverage()}");
            Console.WriteLine($"Training step, global batch {GlobalBatch}, one process (p50 of {Steps} steps):");
            var oneThread = new List<string>();
            foreach ((string name, Func<INetwork<int>> create) in Networks)
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    double single = SingleProcessStep(create, threads, globalInputs, globalLabels);
                    Console.WriteLine($"  {name,-17} {threads} kernel thread(s): step {single * 1e6,8:F0} us, {GlobalBatch / single,8:F0} samples/s");
                    if (threads == 1)
                        oneThread.Add((single * 1e6).ToString("F1", CultureInfo.InvariantCulture));
                }
            }

            Console.WriteLine();
            return Launch(ranks, $"--collectives {ranks.ToString(CultureInfo.InvariantCulture)} {string.Join(',', oneThread)}", bindTo);
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
            Console.WriteLine();
            Console.WriteLine($"Data-parallel step, global batch {GlobalBatch} = {mpi.Size} x {GlobalBatch / mpi.Size} (p50 of {Steps} steps in {Rounds} rounds alternating the networks, each step after a barrier):");
            Console.WriteLine("  network           collectives  bytes/rank    step us  in collectives us    samples/s  vs 1 process, 1 thread");
        }

        string[] oneProcess = baseline?.Split(',') ?? [];
        var steps = new ParallelSteps[Networks.Length];
        for (int n = 0; n < Networks.Length; n++)
            steps[n] = new ParallelSteps(mpi, Networks[n].Create());

        // Warm-up past the JIT's tiers, then the networks' steps in alternating rounds, so both see the same machine.
        WarmUp(mpi, steps);
        for (int round = 0; round < Rounds; round++)
        {
            foreach (ParallelSteps step in steps)
                step.MeasureRound(mpi, round * (Steps / Rounds), Steps / Rounds);
        }

        for (int n = 0; n < Networks.Length; n++)
        {
            double? oneThreadSeconds = n < oneProcess.Length ? double.Parse(oneProcess[n], CultureInfo.InvariantCulture) / 1e6 : null;
            if (print)
                steps[n].Print(Networks[n].Name, oneThreadSeconds);
        }

        if (print)
            Console.WriteLine($"load after the run {LoadAverage()} (the issue's target: 2 ranks >= 1.6x one process with one thread)");
        return 0;
    }

    /// <summary>The networks measured: plain batch norm (per-rank statistics) and synchronized batch norm.</summary>
    internal static readonly (string Name, Func<INetwork<int>> Create)[] Networks =
    [
        (nameof(BenchmarkMlp), () => new BenchmarkMlp()),
        (nameof(BenchmarkSyncMlp), () => new BenchmarkSyncMlp()),
    ];

    /// <summary>
    /// Warms every network's data-parallel step up for at least <see cref="WarmUpSteps"/> steps and
    /// <see cref="WarmUpSeconds"/> seconds (a fixed count alone left code in tier 0 when the machine was slow). The ranks
    /// agree when to stop with a one-float all-reduce per round, so all make the same collectives.
    /// </summary>
    private static void WarmUp(ICollectives mpi, ParallelSteps[] steps)
    {
        Span<float> done = stackalloc float[1];
        var clock = Stopwatch.StartNew();
        for (int i = 0; ; i++)
        {
            foreach (ParallelSteps step in steps)
                step.Step();
            done[0] = i >= WarmUpSteps && clock.Elapsed.TotalSeconds >= WarmUpSeconds ? 1f : 0f;
            mpi.AllReduceSum(done);
            if (done[0] == mpi.Size)
                return;
        }
    }

    /// <summary>One network's data-parallel step: what it sends, how long it takes, and how much of it is spent in collectives.</summary>
    private sealed class ParallelSteps
    {
        private readonly TimedCollectives _timed;
        private readonly CountingCollectives _counting;
        private readonly DataParallel<int> _parallel;
        private readonly Sgd _optimizer = new(0.01f, momentum: 0.9f);
        private readonly float[] _inputs;
        private readonly int[] _labels;
        private readonly int _perRank;
        private readonly double[] _stepTimes = new double[Steps];
        private readonly double[] _collectiveTimes = new double[Steps];
        private long _calls = -1, _values;

        public ParallelSteps(ICollectives mpi, INetwork<int> network)
        {
            _perRank = GlobalBatch / mpi.Size;
            _timed = new TimedCollectives(mpi);
            _counting = new CountingCollectives(_timed);
            _parallel = new DataParallel<int>(network, _counting);
            _inputs = BenchmarkData.Inputs(GlobalBatch * 784, 1).AsSpan(mpi.Rank * _perRank * 784, _perRank * 784).ToArray();
            _labels = BenchmarkData.Labels(GlobalBatch, 1).AsSpan(mpi.Rank * _perRank, _perRank).ToArray();
        }

        public void Step() => _parallel.TrainStep(_inputs, _labels, _perRank, _optimizer);

        /// <summary>Steps <paramref name="count"/> times, each after a barrier, recording from index <paramref name="first"/>.</summary>
        public void MeasureRound(ICollectives mpi, int first, int count)
        {
            if (_calls < 0)
            {
                _counting.Reset();
                Step();
                (_calls, _values) = (_counting.Calls, _counting.AllReducedValues);
            }

            var stopwatch = new Stopwatch();
            for (int i = first; i < first + count; i++)
            {
                mpi.Barrier();
                _timed.Seconds = 0;
                stopwatch.Restart();
                Step();
                _stepTimes[i] = stopwatch.Elapsed.TotalSeconds;
                _collectiveTimes[i] = _timed.Seconds;
            }
        }

        public void Print(string name, double? oneThreadSeconds)
        {
            double step = Median(_stepTimes), inCollectives = Median(_collectiveTimes);
            string speedUp = oneThreadSeconds is { } one ? $"{one / step:F2}x" : "-";
            Console.WriteLine(
                $"  {name,-17} {_calls,11} {_values * 4,11:N0} {step * 1e6,10:F0} {inCollectives * 1e6,10:F0} ({100 * inCollectives / step,3:F0} %) {GlobalBatch / step,12:F0}  {speedUp}");
        }
    }

    /// <summary>One process, the whole global batch.</summary>
    private static double SingleProcessStep(Func<INetwork<int>> create, int threads, float[] inputs, int[] labels)
    {
        KernelThreads.Count = Math.Min(threads, Environment.ProcessorCount);
        try
        {
            INetwork<int> network = create();
            var optimizer = new Sgd(0.01f, momentum: 0.9f);
            // Warm up by time, not by count: 40 steps (the old warm-up) left the first network measured partly in
            // tier-0/OSR code, 1.5x slower than the same computation measured second.
            var warmUp = Stopwatch.StartNew();
            for (int i = 0; i < WarmUpSteps || warmUp.Elapsed.TotalSeconds < WarmUpSeconds; i++)
                network.TrainStep(inputs, labels, GlobalBatch, optimizer);
            var times = new double[Steps];
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

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Starts this program under mpirun with <paramref name="arguments"/> (the mode and what the ranks need), and relays its output.</summary>
    internal static int Launch(int ranks, string arguments, string bindTo)
    {
        // --bind-to none by default: mpirun pins each of 2 ranks to one core by default, which on a shared machine
        // leaves a rank waiting for its core while the other is idle; `--bind-to core` measures the pinned case. `dotnet run` starts the apphost, `dotnet X.dll` the muxer: start the ranks the same way.
        string host = Environment.ProcessPath ?? "dotnet";
        string command = Path.GetFileNameWithoutExtension(host) == "dotnet" ? $"{host} {typeof(CollectivesBenchmark).Assembly.Location}" : host;
        var start = new ProcessStartInfo("mpirun", $"--allow-run-as-root --oversubscribe --bind-to {bindTo} -np {ranks.ToString(CultureInfo.InvariantCulture)} {command} {arguments}");
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
