using DslNets.Kernels;

namespace DslNets.Benchmarks;

/// <summary>
/// <c>-- --profile-cnn [batch]</c>: the CNN's inference (<see cref="BenchmarkCnn"/>'s <c>Predict</c>) stage by stage on
/// one kernel thread, with the same shapes and buffers sized as the network's: first the calls the generated code
/// makes (each convolution with its max pool fused), then their pieces apart (the convolution alone, the unfolding
/// path's im2col and product, the pooling alone), the dense layers, and the whole Predict; convolutions and dense
/// layers also as GFLOP/s and share of the FP32 FMA peak measured in the same process. Times are the best of many short rounds (<see cref="KernelProfile.Time"/>), so the stages add
/// up to about the whole call on a quiet core; a breakdown for docs/benchmarks.md, not the BenchmarkDotNet comparison.
/// </summary>
public static class CnnProfile
{
    /// <summary>Prints one line per stage, then the whole <c>Predict</c>.</summary>
    /// <param name="batch">Samples per call (1 to the network's 256).</param>
    public static void Run(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, 256);
        Threading.KernelThreads.Count = 1;
        Console.WriteLine($"CPU: {FmaPeak.CpuModel()}; {Environment.ProcessorCount} logical processors; .NET {Environment.Version}");
        Console.WriteLine($"Kernel path: {FmaPeak.KernelPath}");
        Console.WriteLine($"FP32 FMA peak, one core (12 register-resident FMA chains): {FmaPeak.Describe()}");
        KernelProfile.Peak = FmaPeak.KernelPathGflops;
        Console.WriteLine($"Share of peak below: against {KernelProfile.Peak:F1} GFLOP/s ({FmaPeak.KernelPath}, one thread)");
        Console.WriteLine();

        const int Pixels1 = 28 * 28, Pixels2 = 14 * 14;
        float[] x = BenchmarkData.Inputs(batch * Pixels1, 1);
        // The generated code's buffers: two ping-pong activations and the convolutions' scratch.
        Memory<float> a = KernelProfile.Aligned(batch * Pixels1 * 32), b = KernelProfile.Aligned(batch * Pixels1 * 32);
        Memory<float> columns = KernelProfile.Aligned(Math.Max(batch * Pixels1 * 9 + batch * Pixels2 * 288, 4 * ConvKernels.WinogradScratchLength<CnnConv2Window, CnnSize64>()));
        Memory<float> staging = KernelProfile.Aligned(batch * Pixels1);
        // w2 with the room the generator reserves (Winograd's U where the rule takes it), w2Direct the direct packing alone.
        Memory<float> w1 = Packed(9 * 32, 2), w2 = Packed(ConvKernels.InferencePackedLength<CnnConv2Window, CnnSize288, CnnSize64>(), 3);
        Memory<float> w2Direct = Packed(288 * 64, 3), w3 = Packed(3136 * 128, 4), w4 = Packed(128 * 10, 5);
        Memory<float> b1 = Packed(32, 6), b2 = Packed(64, 7), b3 = Packed(128, 8), b4 = Packed(10, 9);
        long conv1 = batch * (long)Pixels1 * 32 * 9, conv2 = batch * (long)Pixels2 * 64 * 288;
        long hidden = batch * 3136L * 128, output = batch * 128L * 10;

        Console.WriteLine($"Stage (1 kernel thread, batch {batch})".PadRight(KernelProfile.ColumnWidth) + "  us/call   GFLOP/s  of peak");
        // What Predict runs: each convolution with its pooling fused (ConvKernels' pooled overload), then the pieces.
        Memory<float> pooledScratch = KernelProfile.Aligned(Math.Max(
            ConvKernels.PooledScratchLength<CnnConv1Window, CnnSize9, CnnSize32>(1), ConvKernels.PooledScratchLength<CnnConv2Window, CnnSize288, CnnSize64>(1)));
        KernelProfile.Product(
            "conv1 +BN+ReLU +maxpool fused (Predict's call)", conv1,
            () => ConvKernels.InferenceForward<CnnConv1Window, CnnSize9, CnnSize32, CnnPool1Window>(a, x, staging, pooledScratch, w1, b1, FusedActivation.ReLU, batch));
        KernelProfile.Product(
            "conv2 +BN+ReLU +maxpool fused (Predict's call)", conv2,
            () => ConvKernels.InferenceForward<CnnConv2Window, CnnSize288, CnnSize64, CnnPool2Window>(b, a.Slice(0, batch * Pixels2 * 32), pooledScratch, w2, b2, FusedActivation.ReLU, batch));
        // Share of peak against the direct sum's flops: Winograd does 16/36 of the multiplies, so above ~44 % of the
        // direct rate it is faster than the direct kernel at full peak.
        KernelProfile.Product(
            "  same, direct kernel (no room for Winograd)", conv2,
            () => ConvKernels.InferenceForward<CnnConv2Window, CnnSize288, CnnSize64, CnnPool2Window>(b, a.Slice(0, batch * Pixels2 * 32), pooledScratch, w2Direct, b2, FusedActivation.ReLU, batch));
        KernelProfile.Product(
            "conv1 28x28x1->32 3x3 +BN+ReLU, no pool (direct)", conv1,
            () => ConvKernels.InferenceForward<CnnConv1Window, CnnSize9, CnnSize32>(a, x, staging, columns, w1, b1, FusedActivation.ReLU, batch));
        KernelProfile.Stage(
            "  unfolding path: im2col [B*784, 9]", () => ConvKernels.Im2Col<CnnConv1Window>(columns.Slice(0, batch * Pixels1 * 9), x.AsMemory(0, batch * Pixels1), batch));
        KernelProfile.Product(
            "  unfolding path: product [B*784, 9] x [9, 32]", conv1,
            () => DenseKernels.InferenceForward<CnnSize9, CnnSize32>(a, columns, w1, b1, FusedActivation.ReLU, batch * Pixels1));
        KernelProfile.Stage("maxpool 2 alone: 28x28x32 -> 14x14 (in place)", () => PoolKernels.MaxPoolForward<CnnPool1Window>(a.Span, a.Span, batch));
        KernelProfile.Product(
            "conv2 14x14x32->64 3x3 +BN+ReLU, no pool (direct)", conv2,
            () => ConvKernels.InferenceForward<CnnConv2Window, CnnSize288, CnnSize64>(b, a.Slice(0, batch * Pixels2 * 32), columns, w2Direct, b2, FusedActivation.ReLU, batch));
        KernelProfile.Product(
            "conv2 no pool, room for Winograd (rule's pick)", conv2,
            () => ConvKernels.InferenceForward<CnnConv2Window, CnnSize288, CnnSize64>(b, a.Slice(0, batch * Pixels2 * 32), columns, w2, b2, FusedActivation.ReLU, batch));
        FewChannels<CnnFew3Window, CnnSize27, CnnSize8>("conv 28x28x3->8 3x3", batch);
        FewChannels<CnnFew8Window, CnnSize72, CnnSize16>("conv 28x28x8->16 3x3", batch);
        FewChannels<CnnFew16Window, CnnSize144, CnnSize16>("conv 28x28x16->16 3x3", batch);
        KernelProfile.Stage(
            "  unfolding path: im2col [B*196, 288]", () => ConvKernels.Im2Col<CnnConv2Window>(columns.Slice(0, batch * Pixels2 * 288), a.Slice(0, batch * Pixels2 * 32), batch));
        KernelProfile.Product(
            "  unfolding path: product [B*196,288]x[288,64]", conv2,
            () => DenseKernels.InferenceForward<CnnSize288, CnnSize64>(b, columns, w2Direct, b2, FusedActivation.ReLU, batch * Pixels2));
        KernelProfile.Stage("maxpool 2 alone: 14x14x64 -> 7x7 (in place)", () => PoolKernels.MaxPoolForward<CnnPool2Window>(b.Span, b.Span, batch));
        KernelProfile.Product(
            "dense 3136->128 +ReLU", hidden, () => DenseKernels.InferenceForward<CnnSize3136, CnnSize128>(a, b, w3, b3, FusedActivation.ReLU, batch));
        if (batch == 1)
        {
            // The bound of the dense layer at batch 1 (its 1.6 MB of weights do not fit the 1.25 MB L2), and what
            // streaming them costs the next call's convolution, whose weights and buffers it evicted from L2.
            KernelProfile.Stage("read the 3136x128 packed weights once (Sum)", () => System.Numerics.Tensors.TensorPrimitives.Sum(w3.Span));
            KernelProfile.Stage(
                "dense 3136->128, then conv2 fused (Predict's order)",
                () =>
                {
                    DenseKernels.InferenceForward<CnnSize3136, CnnSize128>(a, b, w3, b3, FusedActivation.ReLU, batch);
                    ConvKernels.InferenceForward<CnnConv2Window, CnnSize288, CnnSize64, CnnPool2Window>(b, a.Slice(0, batch * Pixels2 * 32), pooledScratch, w2, b2, FusedActivation.ReLU, batch);
                });
        }

        KernelProfile.Product("dense 128->10", output, () => DenseKernels.InferenceForward<CnnSize128, CnnSize10>(b, a, w4, b4, FusedActivation.None, batch));
        KernelProfile.Stage($"softmax {batch}x10", () => ActivationKernels.SoftmaxForward(b.Span.Slice(0, batch * 10), b.Span.Slice(0, batch * 10), batch, 10));

        // Trained a few steps first, as the ONNX Runtime comparison does (batch norm with real running statistics).
        var network = new BenchmarkCnn();
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        for (int step = 0; step < 3; step++)
            network.TrainStep(BenchmarkData.Inputs(64 * Pixels1, step), BenchmarkData.Labels(64, step), 64, optimizer);
        float[] probabilities = new float[batch * 10];
        KernelProfile.Product($"Predict batch {batch} (whole)", conv1 + conv2 + hidden + output, () => network.Predict(x, probabilities, batch));
        if (batch != 1)
            KernelProfile.Product("Predict batch 1 (whole)", (conv1 + conv2 + hidden + output) / batch, () => network.Predict(x.AsSpan(0, Pixels1), probabilities.AsSpan(0, 10)));
    }

    /// <summary>
    /// A convolution with few channels (same padding, ReLU, no pool), packed the direct way and with the room for
    /// Winograd's weights: the second row runs whatever <c>ConvKernels</c>' rule picks for the shapes (the rule's
    /// threshold on the input channels comes from these rows).
    /// </summary>
    private static void FewChannels<TWindow, TK, TOut>(string name, int batch)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        int inLength = batch * TWindow.InHeight * TWindow.InWidth * TWindow.Channels, outLength = batch * TWindow.OutHeight * TWindow.OutWidth * TOut.Value;
        long flops = (long)outLength * TK.Value;
        Memory<float> x = BenchmarkData.Inputs(inLength, 11), y = KernelProfile.Aligned(outLength), bias = Packed(TOut.Value, 12);
        Memory<float> scratch = KernelProfile.Aligned(Math.Max(batch * TWindow.OutHeight * TWindow.OutWidth * TK.Value, 4 * ConvKernels.WinogradScratchLength<TWindow, TOut>()));
        Memory<float> direct = Packed(TK.Value * TOut.Value, 13), room = Packed(ConvKernels.InferencePackedLength<TWindow, TK, TOut>(), 13);
        KernelProfile.Product($"{name}, direct", flops, () => ConvKernels.InferenceForward<TWindow, TK, TOut>(y, x, scratch, direct, bias, FusedActivation.ReLU, batch));
        KernelProfile.Product($"{name}, room for Winograd", flops, () => ConvKernels.InferenceForward<TWindow, TK, TOut>(y, x, scratch, room, bias, FusedActivation.ReLU, batch));
    }

    /// <summary>Weights or biases as the network packs them: 64-byte aligned, small values.</summary>
    private static Memory<float> Packed(int length, int seed)
    {
        Memory<float> buffer = KernelProfile.Aligned(length);
        float[] values = BenchmarkData.Inputs(length, seed);
        for (int i = 0; i < length; i++)
            values[i] *= 0.1f;
        values.CopyTo(buffer);
        return buffer;
    }
}
