using System.Diagnostics;
using System.Numerics.Tensors;
using DslNets.Kernels;

namespace DslNets.Benchmarks;

/// <summary>
/// <c>-- --profile [threads] [batch]</c>: times each stage of the benchmark network's training step and inference
/// with a Stopwatch (best of many rounds of about a millisecond) and, for the matrix products and the whole calls, the GFLOP/s
/// reached and its share of the FP32 FMA peak measured first in the same process (<see cref="FmaPeak"/>) for the
/// SIMD width the kernels take. A breakdown for docs/benchmarks.md, not a replacement for the BenchmarkDotNet suite.
/// </summary>
public static class KernelProfile
{
    private static double _peak = double.NaN;

    /// <summary>The FMA peak the shares of peak are printed against (set by the profile that runs).</summary>
    internal static double Peak { get => _peak; set => _peak = value; }

    private readonly struct Size10 : IDimension { public static int Value => 10; }
    private readonly struct Size128 : IDimension { public static int Value => 128; }
    private readonly struct Size256 : IDimension { public static int Value => 256; }
    private readonly struct Size784 : IDimension { public static int Value => 784; }

    /// <summary>Prints one line per stage: microseconds per call and, for products, GFLOP/s.</summary>
    /// <param name="threads">Kernel threads (<see cref="Threading.KernelThreads.Count"/>) for the products and whole calls.</param>
    /// <param name="batch">Samples per training step and per batched inference call (2 to the network's 256: batch
    /// norm trains on at least 2; batch-1 inference is printed at every batch).</param>
    public static void Run(int threads, int batch)
    {
        if (batch < 2)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "--profile times training steps, and batch norm trains on at least 2 samples; batch-1 Predict is printed at every batch.");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, 256);
        Threading.KernelThreads.Count = Math.Min(threads, Environment.ProcessorCount);
        Console.WriteLine($"CPU: {FmaPeak.CpuModel()}; {Environment.ProcessorCount} logical processors; .NET {Environment.Version}");
        Console.WriteLine($"Kernel path: {FmaPeak.KernelPath}");
        Console.WriteLine($"FP32 FMA peak, one core (12 register-resident FMA chains): {FmaPeak.Describe()}");
        _peak = FmaPeak.KernelPathGflops * Threading.KernelThreads.Count;
        Console.WriteLine($"Share of peak below: against {_peak:F1} GFLOP/s ({FmaPeak.KernelPath} x {Threading.KernelThreads.Count} thread(s))");
        Console.WriteLine();
        float[] x = BenchmarkData.Inputs(batch * 784, 1);
        int[] labels = BenchmarkData.Labels(batch, 1);
        float[] w1 = BenchmarkData.Inputs(256 * 784, 2), w2 = BenchmarkData.Inputs(128 * 256, 3), w3 = BenchmarkData.Inputs(10 * 128, 4);
        float[] b3 = new float[10];
        float[] h1 = new float[batch * 256], h2 = new float[batch * 128], y = new float[batch * 10];
        float[] d1 = BenchmarkData.Inputs(batch * 256, 5), d2 = BenchmarkData.Inputs(batch * 128, 6), d3 = new float[batch * 10];
        float[] dw1 = new float[256 * 784], dw2 = new float[128 * 256], dw3 = new float[10 * 128], db3 = new float[10];
        float[] dx2 = new float[batch * 256], dx3 = new float[batch * 128];
        float[] xhat = new float[batch * 256], mean = new float[256], rstd = new float[256], runMean = new float[256], runVar = new float[256];
        float[] gamma = Enumerable.Repeat(1f, 256).ToArray(), beta = new float[256], dgamma = new float[256], dbeta = new float[256];
        float[] mask = new float[batch * 128];
        var random = new SeededRandom(1);

        Console.WriteLine($"Stage ({Threading.KernelThreads.Count} kernel thread(s), batch {batch})".PadRight(ColumnWidth) + "  us/call   GFLOP/s  of peak");
        Product("forward 784x256 (packs W^T, panel tiles)", batch * 784L * 256, () => DenseKernels.Forward<Size784, Size256>(h1.AsMemory(), x, w1, default, batch));
        Product("forward 256x128", batch * 256L * 128, () => DenseKernels.Forward<Size256, Size128>(h2.AsMemory(), h1, w2, default, batch));
        Product("forward 128x10 (+bias)", batch * 128L * 10, () => DenseKernels.Forward<Size128, Size10>(y.AsSpan(), h2, w3, b3, batch));
        Stage($"batch norm forward {batch}x256", () => NormalizationKernels.BatchNormTrainingForward(h1, xhat, mean, rstd, runMean, runVar, h1, gamma, beta, 0.1f, 1e-5f, batch, 256));
        Stage($"ReLU forward {batch}x256", () => ActivationKernels.ReLUForward(h1, h1, batch * 256));
        Stage($"dropout mask {batch}x128", () => NoiseKernels.DropoutMask(mask, ref random, 0.3f, batch * 128));
        Stage($"apply mask {batch}x128", () => NoiseKernels.ApplyMask(h2, h2, mask, batch * 128));
        Stage($"softmax cross-entropy {batch}x10", () => LossKernels.SoftmaxCrossEntropy(d3, y, labels, batch, 10));
        Product("backward 128x10 (dW, db, dX)", 2 * batch * 128L * 10, () => DenseKernels.Backward<Size128, Size10>(dx3.AsSpan(), dw3, db3, d3, h2, w3, batch));
        Stage($"ReLU backward {batch}x256", () => ActivationKernels.ReLUBackward(dx2, d1, h1, batch * 256));
        Stage($"batch norm backward {batch}x256", () => NormalizationKernels.BatchNormBackward(dx2, dgamma, dbeta, d1, xhat, rstd, gamma, batch, 256));
        Product("backward 256x128 (dW, dX)", 2 * batch * 256L * 128, () => DenseKernels.Backward<Size256, Size128>(dx2.AsMemory(), dw2, default, d2, h1, w2, batch));
        Product("backward 784x256 (dW only)", batch * 784L * 256, () => DenseKernels.Backward<Size784, Size256>(Memory<float>.Empty, dw1, default, d1, x, w1, batch));

        var network = new BenchmarkMlp();
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        network.TrainStep(x, labels, batch, optimizer);
        float[] parameters = network.Parameters.ToArray(), gradients = network.Gradients.ToArray();
        Stage($"SGD momentum update ({parameters.Length:N0} parameters)", () => optimizer.StepArrays(parameters, gradients));
        var adamW = new AdamW(2e-3f, weightDecay: 1e-4f);
        Stage("AdamW update (same parameters)", () => adamW.StepArrays(parameters, gradients));
        long stepMultiplyAdds = BenchmarkMlp.StepMultiplyAdds(batch);
        Product("ComputeGradients (whole)", stepMultiplyAdds, () => network.ComputeGradients(x, labels, batch));
        double trainStep = Product("TrainStep (whole; products' flop / step time)", stepMultiplyAdds, () => network.TrainStep(x, labels, batch, optimizer));
        // 64-byte aligned, as the network's packed inference weights are (a float[] starts 16 bytes into a line, and
        // every 64-byte load of a streamed weight row then straddles two lines: the 784x256 stage measured 51 % of peak
        // on plain arrays against 80 % for the whole Predict on the aligned buffer).
        Memory<float> p1 = Aligned(784 * 256), p2 = Aligned(256 * 128), p3 = Aligned(128 * 10);
        float[] pb1 = new float[256], pb2 = new float[128];
        DenseKernels.PackForInference<Size784, Size256>(p1.Span, pb1, w1, default);
        DenseKernels.PackForInference<Size256, Size128>(p2.Span, pb2, w2, default);
        DenseKernels.PackForInference<Size128, Size10>(p3.Span, b3, w3, default);
        foreach (int inferenceBatch in new[] { batch, 1 })
        {
            Product($"inference 784x256 +ReLU, batch {inferenceBatch}", inferenceBatch * 784L * 256, () => DenseKernels.InferenceForward<Size784, Size256>(h1.AsMemory(), x, p1, pb1, FusedActivation.ReLU, inferenceBatch));
            Product($"inference 256x128 +ReLU, batch {inferenceBatch}", inferenceBatch * 256L * 128, () => DenseKernels.InferenceForward<Size256, Size128>(h2.AsMemory(), h1, p2, pb2, FusedActivation.ReLU, inferenceBatch));
            Product($"inference 128x10, batch {inferenceBatch}", inferenceBatch * 128L * 10, () => DenseKernels.InferenceForward<Size128, Size10>(y.AsSpan(), h2, p3.Span, b3, FusedActivation.None, inferenceBatch));
            if (inferenceBatch == 1)
                Stage("the three layers in a row, batch 1", () =>
                {
                    DenseKernels.InferenceForward<Size784, Size256>(h1.AsSpan(), x, p1.Span, pb1, FusedActivation.ReLU, 1);
                    DenseKernels.InferenceForward<Size256, Size128>(h2.AsSpan(), h1, p2.Span, pb2, FusedActivation.ReLU, 1);
                    DenseKernels.InferenceForward<Size128, Size10>(y.AsSpan(), h2, p3.Span, b3, FusedActivation.None, 1);
                });
            if (inferenceBatch == 1)
                Stage("read the 784x256 packed weights once (TensorPrimitives.Sum)", () => TensorPrimitives.Sum(p1.Span));
            Stage($"softmax {inferenceBatch}x10", () => ActivationKernels.SoftmaxForward(y, y, inferenceBatch, 10));
        }

        float[] probabilities = new float[batch * 10];
        double predict = Product($"Predict batch {batch} (whole)", batch * (784L * 256 + 256 * 128 + 128 * 10), () => network.Predict(x, probabilities, batch));
        Product("Predict batch 1 (whole)", 784L * 256 + 256 * 128 + 128 * 10, () => network.Predict(x.AsSpan(0, 784), probabilities.AsSpan(0, 10)));
        NetworkStages.Run(batch, x, labels);

        Console.WriteLine();
        IReadOnlyList<PeerTime> peer = PyTorchPeer.Run([batch], [Threading.KernelThreads.Count], out string description);
        Console.WriteLine(description);
        foreach (PeerTime time in peer)
        {
            double ours = time.Kind == "train" ? trainStep : predict;
            Console.WriteLine(
                $"PyTorch {(time.Kind == "train" ? "training step" : "inference"),-13} batch {time.Batch}, {time.Threads} thread(s): "
                + $"best {time.BestMicroseconds:F1} us, median {time.MedianMicroseconds:F1} us; DslNets / PyTorch (best / best) {ours / time.BestMicroseconds:F2}");
        }
    }

    internal const int ColumnWidth = 48;

    internal static Memory<float> Aligned(int length) => new AlignedBuffer(length).AsMemory(0, length);

    internal static double Product(string name, long multiplyAdds, Action action)
    {
        double us = Time(action);
        double gflops = 2.0 * multiplyAdds / (us * 1e3);
        Console.WriteLine($"{name.PadRight(ColumnWidth)} {us,8:F2} {gflops,9:F1} {gflops / _peak,8:P0}");
        return us;
    }

    internal static void Stage(string name, Action action) => Console.WriteLine($"{name.PadRight(ColumnWidth)} {Time(action),8:F2}");

    /// <summary>
    /// Microseconds per call: the best of many short rounds (each at least <see cref="RoundMilliseconds"/>, for
    /// about 1.5 s) after half a second of calls. On a machine shared with other work a long round almost always
    /// includes time the process spent off the core; the best short round is the time with the core, which is what
    /// a share of the peak needs. (Tiered compilation promotes a method to optimized code only after its calls
    /// have settled for 100 ms, which a short stage would not reach within a fixed call count; hence the warm-up.)
    /// </summary>
    internal static double Time(Action action)
    {
        long warmUp = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warmUp).TotalMilliseconds < 500)
            action();
        int calls = 1;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
                action();
            if (Stopwatch.GetElapsedTime(start).TotalMilliseconds >= RoundMilliseconds)
                break;
            calls *= 2;
        }

        double best = double.MaxValue;
        long measuring = Stopwatch.GetTimestamp();
        for (int round = 0; round < 7 || Stopwatch.GetElapsedTime(measuring).TotalMilliseconds < 1500; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
                action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls);
        }

        return best;
    }

    private const double RoundMilliseconds = 1;
}
