using System.Diagnostics;
using System.Numerics.Tensors;
using DslNets.Kernels;

namespace DslNets.Benchmarks;

/// <summary>
/// <c>-- --profile</c>: times each stage of the benchmark network's training step and inference with a Stopwatch
/// (best of 7 rounds of 1,000 calls, one thread) and, for the matrix products, the GFLOP/s it reaches. A breakdown for docs/benchmarks.md, not a replacement for the BenchmarkDotNet suite.
/// </summary>
public static class KernelProfile
{
    private const int Batch = 64;

    private readonly struct Size10 : IDimension { public static int Value => 10; }
    private readonly struct Size128 : IDimension { public static int Value => 128; }
    private readonly struct Size256 : IDimension { public static int Value => 256; }
    private readonly struct Size784 : IDimension { public static int Value => 784; }

    /// <summary>Prints one line per stage: microseconds per call and, for products, GFLOP/s.</summary>
    /// <param name="threads">Kernel threads (<see cref="Threading.KernelThreads.Count"/>) for the products and whole calls.</param>
    public static void Run(int threads)
    {
        Threading.KernelThreads.Count = Math.Min(threads, Environment.ProcessorCount);
        float[] x = BenchmarkData.Inputs(Batch * 784, 1);
        int[] labels = BenchmarkData.Labels(Batch, 1);
        float[] w1 = BenchmarkData.Inputs(256 * 784, 2), w2 = BenchmarkData.Inputs(128 * 256, 3), w3 = BenchmarkData.Inputs(10 * 128, 4);
        float[] b3 = new float[10];
        float[] h1 = new float[Batch * 256], h2 = new float[Batch * 128], y = new float[Batch * 10];
        float[] d1 = BenchmarkData.Inputs(Batch * 256, 5), d2 = BenchmarkData.Inputs(Batch * 128, 6), d3 = new float[Batch * 10];
        float[] dw1 = new float[256 * 784], dw2 = new float[128 * 256], dw3 = new float[10 * 128], db3 = new float[10];
        float[] dx2 = new float[Batch * 256], dx3 = new float[Batch * 128];
        float[] xhat = new float[Batch * 256], mean = new float[256], rstd = new float[256], runMean = new float[256], runVar = new float[256];
        float[] gamma = Enumerable.Repeat(1f, 256).ToArray(), beta = new float[256], dgamma = new float[256], dbeta = new float[256];
        float[] mask = new float[Batch * 128];
        var random = new SeededRandom(1);

        Console.WriteLine($"Stage ({Threading.KernelThreads.Count} kernel thread(s))                    us/call   GFLOP/s");
        Product("forward 784x256 (dot tiles, W [O, I])", Batch * 784L * 256, () => DenseKernels.Forward<Size784, Size256>(h1.AsMemory(), x, w1, default, Batch));
        Product("forward 256x128", Batch * 256L * 128, () => DenseKernels.Forward<Size256, Size128>(h2.AsMemory(), h1, w2, default, Batch));
        Product("forward 128x10 (+bias)", Batch * 128L * 10, () => DenseKernels.Forward<Size128, Size10>(y.AsSpan(), h2, w3, b3, Batch));
        Stage("batch norm forward 64x256", () => NormalizationKernels.BatchNormTrainingForward(h1, xhat, mean, rstd, runMean, runVar, h1, gamma, beta, 0.1f, 1e-5f, Batch, 256));
        Stage("ReLU forward 64x256", () => ActivationKernels.ReLUForward(h1, h1, Batch * 256));
        Stage("dropout mask 64x128", () => NoiseKernels.DropoutMask(mask, ref random, 0.3f, Batch * 128));
        Stage("apply mask 64x128", () => NoiseKernels.ApplyMask(h2, h2, mask, Batch * 128));
        Stage("softmax cross-entropy 64x10", () => LossKernels.SoftmaxCrossEntropy(d3, y, labels, Batch, 10));
        Product("backward 128x10 (dW, db, dX)", 2 * Batch * 128L * 10, () => DenseKernels.Backward<Size128, Size10>(dx3.AsSpan(), dw3, db3, d3, h2, w3, Batch));
        Stage("ReLU backward 64x256", () => ActivationKernels.ReLUBackward(dx2, d1, h1, Batch * 256));
        Stage("batch norm backward 64x256", () => NormalizationKernels.BatchNormBackward(dx2, dgamma, dbeta, d1, xhat, rstd, gamma, Batch, 256));
        Product("backward 256x128 (dW, dX)", 2 * Batch * 256L * 128, () => DenseKernels.Backward<Size256, Size128>(dx2.AsMemory(), dw2, default, d2, h1, w2, Batch));
        Product("backward 784x256 (dW only)", Batch * 784L * 256, () => DenseKernels.Backward<Size784, Size256>(Memory<float>.Empty, dw1, default, d1, x, w1, Batch));

        var network = new BenchmarkMlp();
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        network.TrainStep(x, labels, Batch, optimizer);
        float[] parameters = network.Parameters.ToArray(), gradients = network.Gradients.ToArray();
        Stage($"SGD momentum update ({parameters.Length:N0} parameters)", () => optimizer.StepArrays(parameters, gradients));
        var adamW = new AdamW(2e-3f, weightDecay: 1e-4f);
        Stage("AdamW update (same parameters)", () => adamW.StepArrays(parameters, gradients));
        Stage("ComputeGradients (whole)", () => network.ComputeGradients(x, labels, Batch));
        Stage("TrainStep (whole)", () => network.TrainStep(x, labels, Batch, optimizer));
        float[] p1 = new float[784 * 256], pb1 = new float[256], p2 = new float[256 * 128], pb2 = new float[128], p3 = new float[128 * 10];
        DenseKernels.PackForInference<Size784, Size256>(p1, pb1, w1, default);
        DenseKernels.PackForInference<Size256, Size128>(p2, pb2, w2, default);
        DenseKernels.PackForInference<Size128, Size10>(p3, b3, w3, default);
        foreach (int batch in new[] { Batch, 1 })
        {
            Product($"inference 784x256 +ReLU, batch {batch}", batch * 784L * 256, () => DenseKernels.InferenceForward<Size784, Size256>(h1.AsMemory(), x, p1, pb1, FusedActivation.ReLU, batch));
            Product($"inference 256x128 +ReLU, batch {batch}", batch * 256L * 128, () => DenseKernels.InferenceForward<Size256, Size128>(h2.AsMemory(), h1, p2, pb2, FusedActivation.ReLU, batch));
            Product($"inference 128x10, batch {batch}", batch * 128L * 10, () => DenseKernels.InferenceForward<Size128, Size10>(y.AsSpan(), h2, p3, b3, FusedActivation.None, batch));
            if (batch == 1)
                Stage("the three layers in a row, batch 1", () =>
                {
                    DenseKernels.InferenceForward<Size784, Size256>(h1.AsSpan(), x, p1, pb1, FusedActivation.ReLU, 1);
                    DenseKernels.InferenceForward<Size256, Size128>(h2.AsSpan(), h1, p2, pb2, FusedActivation.ReLU, 1);
                    DenseKernels.InferenceForward<Size128, Size10>(y.AsSpan(), h2, p3, b3, FusedActivation.None, 1);
                });
            if (batch == 1)
                Stage("read the 784x256 packed weights once (TensorPrimitives.Sum)", () => TensorPrimitives.Sum(p1));
            Stage($"softmax {batch}x10", () => ActivationKernels.SoftmaxForward(y, y, batch, 10));
        }

        float[] probabilities = new float[Batch * 10];
        Product("Predict batch 64 (whole)", Batch * (784L * 256 + 256 * 128 + 128 * 10), () => network.Predict(x, probabilities, Batch));
        Product("Predict batch 1 (whole)", 784L * 256 + 256 * 128 + 128 * 10, () => network.Predict(x.AsSpan(0, 784), probabilities.AsSpan(0, 10)));
    }

    private static void Product(string name, long multiplyAdds, Action action)
    {
        double us = Time(action);
        double gflops = 2.0 * multiplyAdds / (us * 1e3);
        Console.WriteLine($"{name,-46} {us,8:F2} {gflops,9:F0}");
    }

    private static void Stage(string name, Action action) => Console.WriteLine($"{name,-46} {Time(action),8:F2}");

    private static double Time(Action action)
    {
        // Half a second of calls first: tiered compilation promotes a method to optimized code only after its
        // calls have settled for 100 ms, which a short stage would not reach within a fixed call count.
        long warmUp = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warmUp).TotalMilliseconds < 500)
            action();
        double best = double.MaxValue;
        for (int round = 0; round < 7; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 1000; i++)
                action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / 1000);
        }

        return best;
    }
}
