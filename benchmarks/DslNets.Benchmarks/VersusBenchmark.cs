using System.Globalization;
using DslNets.Threading;

namespace DslNets.Benchmarks;

/// <summary>
/// <c>-- --versus [rounds] [onnx] [torch] [threads] [spin]</c>: each ratio of the speed targets measured by
/// alternating short blocks (about <see cref="BlockMilliseconds"/> each) of DslNets and of its peer in the same
/// process and the same seconds, the order swapped every round (see <see cref="PairedRounds"/>). This machine's speed
/// moves in phases of seconds, so peers measured one after the other (BenchmarkDotNet's separate processes, the
/// PyTorch peer after every DslNets row) compare two phases; a per-round ratio compares two blocks a few tens of
/// milliseconds apart. Groups: <c>onnx</c> (inference against ONNX Runtime in-process), <c>torch</c> (training step
/// against a persistent PyTorch peer), <c>threads</c> (two kernel threads against one at batch 256), <c>spin</c>
/// (the PyTorch peer with passive waiting against its libraries' default spin-waiting); all four by default.
/// </summary>
public static class VersusBenchmark
{
    /// <summary>Target length of one block of calls of one side.</summary>
    private const double BlockMilliseconds = 20;

    /// <summary>Pause between the blocks of the <c>spin</c> group: longer than OpenBLAS's ~0.1 s of spinning after a call.</summary>
    private static readonly TimeSpan SpinPause = TimeSpan.FromMilliseconds(300);

    private static readonly string[] Groups = ["onnx", "torch", "threads", "spin"];

    /// <summary>Parses <c>[rounds] [group ...]</c> and runs the groups; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> arguments)
    {
        int rounds = 30;
        var groups = new List<string>();
        foreach (string argument in arguments)
        {
            if (int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0)
                rounds = count;
            else if (Groups.Contains(argument))
                groups.Add(argument);
            else
            {
                Console.Error.WriteLine($"--versus: unknown argument '{argument}'. Use --versus [rounds] [{string.Join("] [", Groups)}] (rounds a positive integer, default 30; all groups by default).");
                return 2;
            }
        }

        if (groups.Count == 0)
            groups.AddRange(Groups);

        Console.WriteLine($"CPU: {FmaPeak.CpuModel()}; {Environment.ProcessorCount} logical processors; .NET {Environment.Version}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load {CollectivesBenchmark.LoadAverage()}");
        Console.WriteLine($"Kernel path: {FmaPeak.KernelPath}; FP32 FMA peak, one core (12 register-resident FMA chains): {FmaPeak.Describe()}");
        Console.WriteLine($"{rounds} rounds per row; each round one block of about {BlockMilliseconds} ms of each side, the order swapped every round.");
        Console.WriteLine("Per-call times: median of the rounds (best round). Ratios: of the two sides' best rounds, and the median of the per-round ratios with their interquartile range and range.");
        Console.WriteLine("Others' CPU: cores' worth of busy and stolen time (/proc/stat) of everything but this process and the PyTorch peer during the rounds.");
        foreach (string group in groups)
        {
            Console.WriteLine();
            switch (group)
            {
                case "onnx": Inference(rounds); break;
                case "torch": Training(rounds); break;
                case "threads": Threads(rounds); break;
                case "spin": Spin(rounds); break;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load after the run {CollectivesBenchmark.LoadAverage()}");
        return 0;
    }

    private static void Inference(int rounds)
    {
        Console.WriteLine("### DslNets Predict vs ONNX Runtime (1 intra-op thread, the network's own export), in-process");
        Console.WriteLine($"ONNX Runtime's MLAS picks its kernels by CPUID and has no switch: on an AVX-512 machine it runs AVX-512 even when DslNets is forced onto the AVX2 path (DslNets path now: {FmaPeak.KernelPath}).");
        Console.WriteLine();
        Console.WriteLine("| Network | Batch | DslNets threads | DslNets us | ONNX Runtime us | Ratio of bests | Per-round ratio, median | Target | DslNets B/call | Calls per block (DslNets / ORT) | Others' CPU (cores) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        (string Network, Func<INetwork<int>> Create, int Batch, int Threads, string Target)[] rows =
        [
            ("MLP", () => new BenchmarkMlp(), 1, 1, "<= 0.6"),
            ("MLP", () => new BenchmarkMlp(), 1, 2, "none"),
            ("MLP", () => new BenchmarkMlp(), 64, 1, "<= 0.9"),
            ("MLP", () => new BenchmarkMlp(), 64, 2, "none"),
            ("CNN", () => new BenchmarkCnn(), 1, 1, "<= 0.8"),
            ("CNN", () => new BenchmarkCnn(), 64, 1, "<= 1.0"),
        ];
        foreach (var row in rows)
        {
            KernelThreads.Count = Math.Min(row.Threads, Environment.ProcessorCount);
            using var peer = new OnnxPeer(row.Create(), row.Batch);
            PairedRounds measured = PairedRounds.Measure(
                PairedSide.Loop("DslNets", peer.RunDslNets), PairedSide.Loop("ONNX Runtime", peer.RunOnnx), rounds, BlockMilliseconds);
            Console.WriteLine(
                $"| {row.Network} | {row.Batch} | {KernelThreads.Count} | {Times(measured.FirstSpread, measured.First)} | {Times(measured.SecondSpread, measured.Second)} "
                + $"| {measured.RatioOfBests:F2} | {measured.RatioSpread.Describe()} | {row.Target} | {measured.FirstBytesPerCall:F0} | {measured.FirstCalls} / {measured.SecondCalls} | {measured.OtherCores:F2} |");
        }

        KernelThreads.Count = 1;
    }

    private static void Training(int rounds)
    {
        Console.WriteLine("### DslNets TrainStep vs PyTorch (SGD momentum 0.9, same network), persistent peer (train_step.py --serve)");
        using PyTorchServer? server = PyTorchServer.Start("passive", 0.5, out string description);
        Console.WriteLine($"Peer: {description}");
        Console.WriteLine("Share of peak: the step's matrix products' flop over the step's time, against the FMA peak of the DslNets kernel path times the threads.");
        Console.WriteLine("Peer idle CPU: CPU time the PyTorch process used while DslNets ran (spinning threads take a core from DslNets).");
        Console.WriteLine();
        Console.WriteLine("| Batch | Threads | DslNets us | PyTorch us | Ratio of bests | Per-round ratio, median | Target | DslNets share of peak (best) | PyTorch share (best) | DslNets B/call | Peer idle CPU | Steps per block (DslNets / PyTorch) | Others' CPU (cores) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach ((int batch, int threads) in new[] { (64, 1), (256, 1), (256, 2) })
        {
            int kernelThreads = Math.Min(threads, Environment.ProcessorCount);
            if (server is null)
            {
                Console.WriteLine($"| {batch} | {threads} | | not run | | | | | | | | {PyTorchPeer.InstallHint} | |");
                continue;
            }

            var network = new BenchmarkMlp();
            var optimizer = new Sgd(0.01f, momentum: 0.9f);
            float[] inputs = BenchmarkData.Inputs(batch * 784, 1);
            int[] labels = BenchmarkData.Labels(batch, 1);
            var answers = new List<PeerSteps>();
            PairedRounds measured = PairedRounds.Measure(
                PairedSide.Loop("DslNets", () => network.TrainStep(inputs, labels, batch, optimizer), () => KernelThreads.Count = kernelThreads),
                PeerSide(server, batch, kernelThreads, answers), // the same thread count on both sides, capped by the cores
                rounds, BlockMilliseconds);
            double peak = FmaPeak.KernelPathGflops * kernelThreads;
            double flop = 2.0 * BenchmarkMlp.StepMultiplyAdds(batch);
            Console.WriteLine(
                $"| {batch} | {threads} | {Times(measured.FirstSpread, measured.First)} | {Times(measured.SecondSpread, measured.Second)} "
                + $"| {measured.RatioOfBests:F2} | {measured.RatioSpread.Describe()} | {(threads == 1 ? "<= 0.4" : "none")} "
                + $"| {Share(flop, measured.First.Min(), peak)} | {Share(flop, measured.Second.Min(), peak)} | {measured.FirstBytesPerCall:F0} "
                + $"| {IdleCpu(answers, rounds)} | {measured.FirstCalls} / {measured.SecondCalls} | {measured.OtherCores:F2} |");
        }

        KernelThreads.Count = 1;
    }

    private static void Threads(int rounds)
    {
        Console.WriteLine("### Two kernel threads vs one, batch 256, in-process");
        Console.WriteLine();
        Console.WriteLine("| Call | Batch | 1 thread us | 2 threads us | Throughput ratio of bests | Per-round throughput ratio, median | Target | B/call (1 / 2 threads) | Share of peak, best (1 / 2 threads) | Others' CPU (cores) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        const int batch = 256;
        int two = Math.Min(2, Environment.ProcessorCount);
        float[] inputs = BenchmarkData.Inputs(batch * 784, 1);
        int[] labels = BenchmarkData.Labels(batch, 1);
        double flop = 2.0 * BenchmarkMlp.StepMultiplyAdds(batch);
        foreach (string call in new[] { "TrainStep", "ComputeGradients" })
        {
            // One network per side, so each keeps its own optimizer state and buffers warm.
            var one = new BenchmarkMlp();
            var both = new BenchmarkMlp();
            var oneOptimizer = new Sgd(0.01f, momentum: 0.9f);
            var bothOptimizer = new Sgd(0.01f, momentum: 0.9f);
            Action oneCall = call == "TrainStep" ? () => one.TrainStep(inputs, labels, batch, oneOptimizer) : () => one.ComputeGradients(inputs, labels, batch);
            Action bothCall = call == "TrainStep" ? () => both.TrainStep(inputs, labels, batch, bothOptimizer) : () => both.ComputeGradients(inputs, labels, batch);
            // First = one thread, second = two: First / Second is the two-thread throughput over the one-thread one.
            PairedRounds measured = PairedRounds.Measure(
                PairedSide.Loop("1 thread", oneCall, () => KernelThreads.Count = 1),
                PairedSide.Loop("2 threads", bothCall, () => KernelThreads.Count = two),
                rounds, BlockMilliseconds);
            Console.WriteLine(
                $"| {call} | {batch} | {Times(measured.FirstSpread, measured.First)} | {Times(measured.SecondSpread, measured.Second)} "
                + $"| {measured.RatioOfBests:F2} | {measured.RatioSpread.Describe()} | >= 1.6 | {measured.FirstBytesPerCall:F0} / {measured.SecondBytesPerCall:F0} "
                + $"| {Share(flop, measured.First.Min(), FmaPeak.KernelPathGflops)} / {Share(flop, measured.Second.Min(), FmaPeak.KernelPathGflops * two)} | {measured.OtherCores:F2} |");
        }

        KernelThreads.Count = 1;
    }

    private static void Spin(int rounds)
    {
        Console.WriteLine($"### PyTorch with passive waiting vs its default spin-waiting, {SpinPause.TotalMilliseconds:F0} ms pause before every block");
        Console.WriteLine("Two peer processes; the pause lets the default one's threads stop spinning, so each block starts on idle cores. Ratio = passive / default (above 1: passive waiting slows torch).");
        Console.WriteLine();
        using PyTorchServer? passive = PyTorchServer.Start("passive", 0.5, out string passiveDescription);
        using PyTorchServer? spinning = PyTorchServer.Start("default", 0.5, out string spinningDescription);
        Console.WriteLine($"Peers: {passiveDescription}");
        Console.WriteLine($"       {spinningDescription}");
        Console.WriteLine();
        Console.WriteLine("| Batch | Threads | Passive us | Default us | Ratio of bests | Per-round ratio, median | Idle CPU in the pauses: passive | default | Others' CPU (cores) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---|---:|---:|---:|");
        foreach ((int batch, int threads) in new[] { (256, 2), (64, 1) })
        {
            if (passive is null || spinning is null)
            {
                Console.WriteLine($"| {batch} | {threads} | not run | | | | | {PyTorchPeer.InstallHint} | |");
                continue;
            }

            var passiveAnswers = new List<PeerSteps>();
            var spinningAnswers = new List<PeerSteps>();
            PairedRounds measured = PairedRounds.Measure(
                PeerSide(passive, batch, threads, passiveAnswers), PeerSide(spinning, batch, threads, spinningAnswers), rounds, BlockMilliseconds, SpinPause);
            Console.WriteLine(
                $"| {batch} | {threads} | {Times(measured.FirstSpread, measured.First)} | {Times(measured.SecondSpread, measured.Second)} "
                + $"| {measured.RatioOfBests:F2} | {measured.RatioSpread.Describe()} | {IdleCpu(passiveAnswers, rounds)} | {IdleCpu(spinningAnswers, rounds)} | {measured.OtherCores:F2} |");
        }
    }

    /// <summary>A block of <paramref name="threads"/>-thread training steps at <paramref name="batch"/> in the peer; each answer is kept in <paramref name="answers"/>.</summary>
    private static PairedSide PeerSide(PyTorchServer server, int batch, int threads, List<PeerSteps> answers) => new("PyTorch", steps =>
    {
        PeerSteps answer = server.Steps(batch, threads, steps);
        answers.Add(answer);
        return answer.Microseconds.Sum();
    }, InProcess: false, () => server.ProcessorTime);

    /// <summary>
    /// CPU the peer used while it waited, over the measured rounds: the last <paramref name="rounds"/> answers (the
    /// ones before sized the block). Each answer's wait is the other side's block before it, and any pause.
    /// </summary>
    private static string IdleCpu(List<PeerSteps> answers, int rounds)
    {
        PeerSteps[] measured = answers.TakeLast(rounds).ToArray();
        return $"{measured.Sum(answer => answer.IdleCpuMilliseconds):F1} ms of {measured.Sum(answer => answer.IdleMilliseconds):F0} ms";
    }

    /// <summary><c>1,234.5 (1,100.2)</c>: median of the rounds and, in parentheses, the best.</summary>
    private static string Times(Spread spread, double[] rounds) => $"{spread.Median:N1} ({rounds.Min():N1})";

    private static string Share(double flop, double microseconds, double peakGflops) => $"{flop / (microseconds * 1e3) / peakGflops:P0}";
}
