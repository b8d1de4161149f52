using System.Diagnostics;
using System.Reflection;
using DslNets.Kernels;

namespace DslNets.Benchmarks;

/// <summary>
/// The benchmark network's training step timed stage by stage as the network runs it: the kernel calls of the
/// generated <c>ComputeGradients</c>, in its order, on the network's own arrays at its own offsets (read by
/// reflection from a <see cref="BenchmarkMlp"/>), with a timestamp between stages. The stages of
/// <see cref="KernelProfile"/> call the same kernels one at a time on small private buffers, each repeated until it
/// is warm; inside a step each stage finds the cache as the previous stages left it. At batch 256 the step touches
/// about 7 MB (X, W1, dW1, the packed panels, three 256 KB activations per layer and as many deltas; X is copied
/// into the network only when the products split the batch), far more than the 1.25 MB of L2 on the Ice Lake
/// server, so its streaming passes read from L3; the per-stage table shows where that costs. The sum of the stages is checked against the whole call in the same run.
/// </summary>
internal static class NetworkStages
{
    private readonly struct Size10 : IDimension { public static int Value => 10; }
    private readonly struct Size128 : IDimension { public static int Value => 128; }
    private readonly struct Size256 : IDimension { public static int Value => 256; }
    private readonly struct Size784 : IDimension { public static int Value => 784; }

    public static void Run(int batch, float[] x, int[] labels)
    {
        var network = new BenchmarkMlp();
        float[] act = Field(network, "_activations"), del = Field(network, "_deltas"), saved = Field(network, "_saved");
        float[] par = Field(network, "_parameters"), grad = Field(network, "_gradients"), buf = Field(network, "_buffers"), inputs = Field(network, "_inputs");
        int b = batch;
        var noise = new SeededRandom(BenchmarkMlp.Seed, 1);
        ReadOnlyMemory<float> staged = default;
        (string Name, Action Call)[] stages =
        [
            ("stage the batch (a copy only when split)", () => staged = DenseKernels.StageInput<Size784, Size256>(x, inputs.AsMemory(0, b * 784), b)),
            ("forward 784x256", () => DenseKernels.Forward<Size784, Size256>(act.AsMemory(C("Hidden1_Dense_Out"), b * 256), x.AsSpan(0, b * 784), staged, par.AsMemory(C("Hidden1_Dense_Weight"), 256 * 784), default, b)),
            ($"batch norm forward {b}x256", BatchNormForward(act, saved, buf, par, "Hidden1", b, 256)),
            ($"ReLU forward {b}x256", () => ActivationKernels.ReLUForward(act.AsSpan(C("Hidden1_ReLU_Out"), b * 256), act.AsSpan(C("Hidden1_BatchNorm_Out"), b * 256), b * 256)),
            ("forward 256x128", () => DenseKernels.Forward<Size256, Size128>(act.AsMemory(C("Hidden2_Dense_Out"), b * 128), act.AsMemory(C("Hidden1_ReLU_Out"), b * 256), par.AsMemory(C("Hidden2_Dense_Weight"), 128 * 256), default, b)),
            ($"batch norm forward {b}x128", BatchNormForward(act, saved, buf, par, "Hidden2", b, 128)),
            ($"ReLU forward {b}x128", () => ActivationKernels.ReLUForward(act.AsSpan(C("Hidden2_ReLU_Out"), b * 128), act.AsSpan(C("Hidden2_BatchNorm_Out"), b * 128), b * 128)),
            ($"dropout mask {b}x128", () => NoiseKernels.DropoutMask(saved.AsSpan(C("Hidden2_Dropout_Saved"), b * 128), ref noise, 0.3f, b * 128)),
            ($"apply mask {b}x128", () => NoiseKernels.ApplyMask(act.AsSpan(C("Hidden2_Dropout_Out"), b * 128), act.AsSpan(C("Hidden2_ReLU_Out"), b * 128), saved.AsSpan(C("Hidden2_Dropout_Saved"), b * 128), b * 128)),
            ("forward 128x10 (+bias)", () => DenseKernels.Forward<Size128, Size10>(act.AsMemory(C("Output_Dense_Out"), b * 10), act.AsMemory(C("Hidden2_Dropout_Out"), b * 128), par.AsMemory(C("Output_Dense_Weight"), 1280), par.AsMemory(C("Output_Dense_Bias"), 10), b)),
            ($"softmax cross-entropy {b}x10", () => LossKernels.SoftmaxCrossEntropy(del.AsSpan(C("Output_Dense_Out"), b * 10), act.AsSpan(C("Output_Dense_Out"), b * 10), labels, b, 10)),
            ("backward 128x10 (dW, db, dX)", () => DenseKernels.Backward<Size128, Size10>(del.AsMemory(C("Hidden2_Dropout_Out"), b * 128), grad.AsMemory(C("Output_Dense_Weight"), 1280), grad.AsMemory(C("Output_Dense_Bias"), 10), del.AsMemory(C("Output_Dense_Out"), b * 10), act.AsMemory(C("Hidden2_Dropout_Out"), b * 128), par.AsMemory(C("Output_Dense_Weight"), 1280), b)),
            ($"apply mask backward {b}x128", () => NoiseKernels.ApplyMask(del.AsSpan(C("Hidden2_ReLU_Out"), b * 128), del.AsSpan(C("Hidden2_Dropout_Out"), b * 128), saved.AsSpan(C("Hidden2_Dropout_Saved"), b * 128), b * 128)),
            ($"ReLU backward {b}x128", () => ActivationKernels.ReLUBackward(del.AsSpan(C("Hidden2_BatchNorm_Out"), b * 128), del.AsSpan(C("Hidden2_ReLU_Out"), b * 128), act.AsSpan(C("Hidden2_ReLU_Out"), b * 128), b * 128)),
            ($"batch norm backward {b}x128", BatchNormBackward(del, grad, saved, par, "Hidden2", b, 128)),
            ("backward 256x128 (dW, dX)", () => DenseKernels.Backward<Size256, Size128>(del.AsMemory(C("Hidden1_ReLU_Out"), b * 256), grad.AsMemory(C("Hidden2_Dense_Weight"), 128 * 256), default, del.AsMemory(C("Hidden2_Dense_Out"), b * 128), act.AsMemory(C("Hidden1_ReLU_Out"), b * 256), par.AsMemory(C("Hidden2_Dense_Weight"), 128 * 256), b)),
            ($"ReLU backward {b}x256", () => ActivationKernels.ReLUBackward(del.AsSpan(C("Hidden1_BatchNorm_Out"), b * 256), del.AsSpan(C("Hidden1_ReLU_Out"), b * 256), act.AsSpan(C("Hidden1_ReLU_Out"), b * 256), b * 256)),
            ($"batch norm backward {b}x256", BatchNormBackward(del, grad, saved, par, "Hidden1", b, 256)),
            ("backward 784x256 (dW only)", () => DenseKernels.Backward<Size784, Size256>(Memory<float>.Empty, grad.AsMemory(C("Hidden1_Dense_Weight"), 256 * 784), default, del.AsMemory(C("Hidden1_Dense_Out"), b * 256), x.AsSpan(0, b * 784), staged, par.AsMemory(C("Hidden1_Dense_Weight"), 256 * 784), b)),
        ];

        // Warm up (tiering, as KernelProfile.Time), then rounds of a few steps; each stage keeps its best round.
        long warmUp = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warmUp).TotalMilliseconds < 1000)
        {
            foreach ((_, Action call) in stages)
                call();
        }

        const int StepsPerRound = 4;
        double[] best = Enumerable.Repeat(double.MaxValue, stages.Length).ToArray();
        long[] ticks = new long[stages.Length];
        long measuring = Stopwatch.GetTimestamp();
        for (int round = 0; round < 20 || Stopwatch.GetElapsedTime(measuring).TotalMilliseconds < 3000; round++)
        {
            Array.Clear(ticks);
            for (int step = 0; step < StepsPerRound; step++)
            {
                long last = Stopwatch.GetTimestamp();
                for (int i = 0; i < stages.Length; i++)
                {
                    stages[i].Call();
                    long now = Stopwatch.GetTimestamp();
                    ticks[i] += now - last;
                    last = now;
                }
            }

            for (int i = 0; i < stages.Length; i++)
                best[i] = Math.Min(best[i], ticks[i] * 1e6 / Stopwatch.Frequency / StepsPerRound);
        }

        Console.WriteLine();
        Console.WriteLine($"The network's own calls, in its order, on its arrays ({Threading.KernelThreads.Count} kernel thread(s), batch {batch})".PadRight(KernelProfile.ColumnWidth) + "  us/call");
        for (int i = 0; i < stages.Length; i++)
            Console.WriteLine($"{stages[i].Name.PadRight(KernelProfile.ColumnWidth)} {best[i],8:F2}");
        Console.WriteLine($"{"sum of the stages above (best of each)".PadRight(KernelProfile.ColumnWidth)} {best.Sum(),8:F2}");
        KernelProfile.Stage("ComputeGradients (whole), same network", () => network.ComputeGradients(x, labels, batch));
    }

    /// <summary>The layer's batch-norm forward call, its offsets resolved once (the stage's timing then holds no lookups or strings).</summary>
    private static Action BatchNormForward(float[] act, float[] saved, float[] buf, float[] par, string layer, int b, int n)
    {
        int output = C($"{layer}_BatchNorm_Out"), normalized = C($"{layer}_BatchNorm_Saved"), mean = C($"{layer}_BatchNorm_Mean"), rstd = C($"{layer}_BatchNorm_Rstd");
        int runningMean = C($"{layer}_BatchNorm_RunningMean"), runningVar = C($"{layer}_BatchNorm_RunningVar"), input = C($"{layer}_Dense_Out");
        int gamma = C($"{layer}_BatchNorm_Gamma"), beta = C($"{layer}_BatchNorm_Beta");
        return () => NormalizationKernels.BatchNormTrainingForwardOnThreads(
            act.AsMemory(output, b * n), saved.AsMemory(normalized, b * n), saved.AsMemory(mean, n), saved.AsMemory(rstd, n),
            buf.AsMemory(runningMean, n), buf.AsMemory(runningVar, n), act.AsMemory(input, b * n), par.AsMemory(gamma, n), par.AsMemory(beta, n), 0.1f, 1e-5f, b, n);
    }

    /// <summary>The layer's batch-norm backward call, its offsets resolved once.</summary>
    private static Action BatchNormBackward(float[] del, float[] grad, float[] saved, float[] par, string layer, int b, int n)
    {
        int inputGradient = C($"{layer}_Dense_Out"), gamma = C($"{layer}_BatchNorm_Gamma"), beta = C($"{layer}_BatchNorm_Beta");
        int outputGradient = C($"{layer}_BatchNorm_Out"), normalized = C($"{layer}_BatchNorm_Saved"), rstd = C($"{layer}_BatchNorm_Rstd");
        return () => NormalizationKernels.BatchNormBackwardOnThreads(
            del.AsMemory(inputGradient, b * n), grad.AsMemory(gamma, n), grad.AsMemory(beta, n), del.AsMemory(outputGradient, b * n),
            saved.AsMemory(normalized, b * n), saved.AsMemory(rstd, n), par.AsMemory(gamma, n), b, n);
    }

    /// <summary>
    /// An offset constant of the generated network (private; the generator's names), read by reflection once: the
    /// stages look them up in a dictionary, a few nanoseconds against the microseconds of the smallest stage.
    /// </summary>
    private static int C(string name) =>
        s_offsets.TryGetValue(name, out int offset)
            ? offset
            : throw new InvalidOperationException($"The generated BenchmarkMlp has no constant {name}: update NetworkStages to the generator's layout.");

    private static readonly Dictionary<string, int> s_offsets = typeof(BenchmarkMlp)
        .GetFields(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(int))
        .ToDictionary(field => field.Name, field => (int)field.GetRawConstantValue()!);

    private static float[] Field(BenchmarkMlp network, string name) =>
        typeof(BenchmarkMlp).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(network) as float[]
            ?? throw new InvalidOperationException($"The generated BenchmarkMlp has no float[] field {name}: update NetworkStages to the generator's layout.");
}
