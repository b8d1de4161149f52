using System.Diagnostics;
using System.Globalization;

namespace DslNets.Benchmarks;

/// <summary>
/// One contender of a paired measurement: <see cref="Run"/> makes the given number of calls and returns the
/// microseconds they took by the contender's own clock (a stopwatch around the loop in-process; the sum of the step
/// times the PyTorch peer measured itself). <see cref="InProcess"/> sides have their allocated bytes counted; an
/// out-of-process side gives <see cref="ProcessorTime"/>, its process's CPU time so far, so that the CPU the rest of
/// the machine used during the rounds can be told apart from the contenders'.
/// </summary>
internal sealed record PairedSide(string Name, Func<int, double> Run, bool InProcess, Func<TimeSpan>? ProcessorTime = null)
{
    /// <summary>A side that calls <paramref name="call"/> in a loop timed by a stopwatch, after <paramref name="prepare"/> (e.g. setting the kernel threads).</summary>
    public static PairedSide Loop(string name, Action call, Action? prepare = null) => new(name, calls =>
    {
        prepare?.Invoke();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
            call();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }, InProcess: true);
}

/// <summary>Median, quartiles and range of a sample (quartiles interpolated between order statistics).</summary>
internal readonly record struct Spread(double Median, double Lower, double Upper, double Min, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("No values to summarize.", nameof(values));
        return new Spread(Quantile(sorted, 0.5), Quantile(sorted, 0.25), Quantile(sorted, 0.75), sorted[0], sorted[^1]);
    }

    /// <summary>The q-quantile of sorted values, linear between the two nearest order statistics.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    /// <summary><c>0.93 (IQR 0.90-0.97, range 0.85-1.10)</c>.</summary>
    public string Describe(string format = "F2") =>
        string.Format(CultureInfo.InvariantCulture, $"{{0:{format}}} (IQR {{1:{format}}}-{{2:{format}}}, range {{3:{format}}}-{{4:{format}}})", Median, Lower, Upper, Min, Max);
}

/// <summary>
/// Per-call microseconds of two sides over rounds in which each ran one block right after the other, and the
/// statistics of <c>--versus</c>: each side's median and best round, the ratio of the bests, and the spread of the
/// per-round ratios First / Second. A per-round ratio compares two blocks a few tens of milliseconds apart, so a
/// phase of the machine that slows both cancels out of it; the ratio of bests compares each side's luckiest round.
/// </summary>
/// <param name="First">First side's microseconds per call, one per round.</param>
/// <param name="Second">Second side's microseconds per call, one per round.</param>
/// <param name="FirstCalls">Calls per block of the first side.</param>
/// <param name="SecondCalls">Calls per block of the second side.</param>
/// <param name="FirstBytesPerCall">Bytes the process allocated per call of the first side during its blocks; NaN when it runs elsewhere.</param>
/// <param name="SecondBytesPerCall">Bytes per call of the second side; NaN when it runs elsewhere.</param>
/// <param name="OtherCores">
/// Cores' worth of CPU the rest of the machine used during the rounds (busy and stolen time in /proc/stat, less
/// this process and an out-of-process side): on 2 vCPUs, 1 means one of them was not ours. NaN without /proc/stat.
/// </param>
internal sealed record PairedRounds(
    double[] First, double[] Second, int FirstCalls, int SecondCalls, double FirstBytesPerCall, double SecondBytesPerCall, double OtherCores)
{
    /// <summary>Median and spread of the first side's per-call times.</summary>
    public Spread FirstSpread => Spread.Of(First);

    /// <summary>Median and spread of the second side's per-call times.</summary>
    public Spread SecondSpread => Spread.Of(Second);

    /// <summary>First's best round over Second's best round.</summary>
    public double RatioOfBests => First.Min() / Second.Min();

    /// <summary>First / Second within each round.</summary>
    public double[] RoundRatios => First.Zip(Second, (first, second) => first / second).ToArray();

    /// <summary>Median and spread of <see cref="RoundRatios"/>.</summary>
    public Spread RatioSpread => Spread.Of(RoundRatios);

    /// <summary>
    /// Warms each side up and sizes its block to about <paramref name="blockMilliseconds"/>, then runs
    /// <paramref name="rounds"/> rounds of one block of each, <paramref name="second"/> first in even rounds and
    /// <paramref name="first"/> first in odd ones, with <paramref name="pause"/> between blocks (zero: none).
    /// </summary>
    public static PairedRounds Measure(PairedSide first, PairedSide second, int rounds, double blockMilliseconds, TimeSpan pause = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        int firstCalls = CallsPerBlock(first, blockMilliseconds), secondCalls = CallsPerBlock(second, blockMilliseconds);
        double[] firstTimes = new double[rounds], secondTimes = new double[rounds];
        long firstBytes = 0, secondBytes = 0;
        var machine = MachineCpu.Start(first, second);
        for (int round = 0; round < rounds; round++)
        {
            for (int turn = 0; turn < 2; turn++)
            {
                bool isFirst = (round + turn) % 2 == 1;
                PairedSide side = isFirst ? first : second;
                int calls = isFirst ? firstCalls : secondCalls;
                if (pause > TimeSpan.Zero)
                    Thread.Sleep(pause);
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                double microseconds = side.Run(calls);
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                if (isFirst)
                {
                    firstTimes[round] = microseconds / calls;
                    firstBytes += allocated;
                }
                else
                {
                    secondTimes[round] = microseconds / calls;
                    secondBytes += allocated;
                }
            }
        }

        return new PairedRounds(
            firstTimes, secondTimes, firstCalls, secondCalls,
            first.InProcess ? (double)firstBytes / ((long)firstCalls * rounds) : double.NaN,
            second.InProcess ? (double)secondBytes / ((long)secondCalls * rounds) : double.NaN,
            machine.OtherCores());
    }

    /// <summary>
    /// Runs blocks, doubling their size while one lasts less than half of <paramref name="blockMilliseconds"/>, until
    /// the side has been called for <see cref="WarmUpMilliseconds"/> (tiered compilation promotes a hot method after
    /// its calls settle for 100 ms, and the first row's first calls run unoptimized code; the PyTorch peer warms
    /// itself up too). Then sizes the block to <paramref name="blockMilliseconds"/> at the best per-call time of
    /// the second half of the warm-up and <see cref="SizingBlocks"/> more blocks: on a loaded machine any one block
    /// may have lost the core, and a block sized from it would be far too short.
    /// </summary>
    private static int CallsPerBlock(PairedSide side, double blockMilliseconds)
    {
        long warmUp = Stopwatch.GetTimestamp();
        int calls = 1;
        double bestPerCall = double.MaxValue;
        while (true)
        {
            double microseconds = side.Run(calls);
            double elapsed = Stopwatch.GetElapsedTime(warmUp).TotalMilliseconds;
            // The second half of the warm-up runs optimized code: its blocks count for the size too.
            if (elapsed >= WarmUpMilliseconds / 2)
                bestPerCall = Math.Min(bestPerCall, microseconds / calls);
            if (microseconds < blockMilliseconds * 500)
                calls *= 2;
            else if (elapsed >= WarmUpMilliseconds)
                break;
        }

        for (int block = 0; block < SizingBlocks; block++)
            bestPerCall = Math.Min(bestPerCall, side.Run(calls) / calls);
        return Math.Max(1, (int)Math.Round(blockMilliseconds * 1e3 / bestPerCall));
    }

    private const int SizingBlocks = 5;

    private const double WarmUpMilliseconds = 1000;
}

/// <summary>
/// The machine's busy CPU time (user, nice, system, irq, softirq and steal in /proc/stat's first line, in
/// USER_HZ ticks) and the contenders' own CPU time, read at the start of the rounds; <see cref="OtherCores"/> is
/// what the rest of the machine used since, in cores (stolen time counts: the hypervisor gave our vCPU to someone else).
/// </summary>
internal readonly struct MachineCpu
{
    private readonly long _start;
    private readonly double? _busy;
    private readonly TimeSpan _ours;
    private readonly PairedSide[] _peers;

    private MachineCpu(long start, double? busy, TimeSpan ours, PairedSide[] peers)
    {
        _start = start;
        _busy = busy;
        _ours = ours;
        _peers = peers;
    }

    public static MachineCpu Start(params PairedSide[] sides)
    {
        PairedSide[] peers = sides.Where(side => side.ProcessorTime is not null).ToArray();
        return new MachineCpu(Stopwatch.GetTimestamp(), BusySeconds(), ContendersTime(peers), peers);
    }

    /// <summary>Cores' worth of CPU used by other processes since <see cref="Start"/>; NaN without /proc/stat.</summary>
    public double OtherCores()
    {
        double wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        if (_busy is not double busyBefore || BusySeconds() is not double busyAfter)
            return double.NaN;
        double ours = (ContendersTime(_peers) - _ours).TotalSeconds;
        return Math.Max(0, busyAfter - busyBefore - ours) / wall;
    }

    private static TimeSpan ContendersTime(PairedSide[] peers)
    {
        using var self = Process.GetCurrentProcess();
        TimeSpan total = self.TotalProcessorTime;
        foreach (PairedSide peer in peers)
            total += peer.ProcessorTime!();
        return total;
    }

    private static double? BusySeconds()
    {
        if (!File.Exists("/proc/stat"))
            return null;
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
        long ticks = 0;
        foreach (int index in new[] { 1, 2, 3, 6, 7, 8 })
            ticks += long.Parse(fields[index], CultureInfo.InvariantCulture);
        return ticks / (double)UserHz;
    }

    /// <summary>Linux's USER_HZ, the unit of /proc/stat: 100 on every mainstream architecture.</summary>
    private const int UserHz = 100;
}
