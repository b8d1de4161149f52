using System;
using System.Numerics.Tensors;
using DslNets.Threading;

namespace DslNets.Kernels;

/// <summary>
/// 2-D convolution (PyTorch <c>Conv2d</c>, cross-correlation) over channels-last activations, llm.c style: forward
/// and backward side by side, outputs first. Shapes per batch: input <c>[B, H, W, C]</c> (NHWC), weight
/// <c>[O, C, KH, KW]</c> (PyTorch layout, as stored and saved), bias <c>[O]</c>, output <c>[B, OH, OW, O]</c>.
/// </summary>
/// <remarks>
/// <para>
/// Why channels last and im2col: with NHWC, the taps one output pixel reads are, per kernel row, one contiguous
/// run of <c>KW * C</c> floats, so unfolding the input into columns <c>[B * OH * OW, KH * KW * C]</c> is a few
/// block copies per pixel, and the convolution becomes <c>output[B * OH * OW, O] = columns x W'^T</c>: exactly the
/// product the dense kernels are tuned for (register-blocked tiles at every SIMD width, split across the kernel
/// threads by rows), with rows = output pixels instead of samples. The weight gradient is the dense weight
/// gradient on the same matrices and the input gradient is the dense input gradient folded back (col2im). The
/// output comes out channels last, so the next convolution, pooling and per-channel batch norm (the dense batch
/// norm with rows = B * OH * OW) read it as is. On the Fashion-MNIST CNN (28 x 28 x 1 -> 32, 14 x 14 x 32 -> 64,
/// 3 x 3) the unfolding costs well under a tenth of the product; a direct NCHW convolution would need its own
/// register tiling per kernel size. The price is memory: the columns of a batch are kept for the weight gradient.
/// </para>
/// <para>
/// <c>W'</c> is the weight with its taps reordered to the columns' order, <c>[O, KH, KW, C]</c>
/// (<see cref="PermuteWeight{TWindow, TOut}"/>); it is rebuilt each forward (O * C * KH * KW floats, negligible next
/// to the product) so that the parameters keep PyTorch's layout. With one input channel the orders agree and the
/// weight is used as is. A 1 x 1 convolution with stride 1 and no padding reads its input as the columns.
/// </para>
/// </remarks>
public static class ConvKernels
{
    /// <summary>Taps per output pixel (the columns' width): <c>KH * KW * C</c>.</summary>
    public static int Taps<TWindow>()
        where TWindow : struct, IWindow2D =>
        TWindow.WindowHeight * TWindow.WindowWidth * TWindow.Channels;

    /// <summary>True for a 1 x 1 window with stride 1 and no padding: the input itself is the columns matrix.</summary>
    public static bool IsPointwise<TWindow>()
        where TWindow : struct, IWindow2D =>
        TWindow.WindowHeight == 1 && TWindow.WindowWidth == 1 && TWindow.StrideHeight == 1 && TWindow.StrideWidth == 1
        && TWindow.PaddingTop == 0 && TWindow.PaddingLeft == 0
        && TWindow.OutHeight == TWindow.InHeight && TWindow.OutWidth == TWindow.InWidth;

    /// <summary>
    /// Training forward: <c>output[b, oy, ox, o] = bias[o] + sum_{c, ky, kx} input[b, iy, ix, c] * weight[o, c, ky, kx]</c>.
    /// Saves the unfolded input in <paramref name="columns"/> (<c>[B * OH * OW, KH * KW * C]</c>; unused when pointwise)
    /// and the reordered weight in <paramref name="permutedWeight"/> (<c>[O, KH * KW * C]</c>; unused with one channel)
    /// for <see cref="Backward{TWindow, TK, TOut}"/>. An empty bias means no bias.
    /// </summary>
    public static void Forward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> columns, Memory<float> permutedWeight,
        ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        int rows = batchSize * TWindow.OutHeight * TWindow.OutWidth;
        ReadOnlyMemory<float> gemmWeight = weight;
        if (TWindow.Channels > 1)
        {
            PermuteWeight<TWindow, TOut>(permutedWeight.Span, weight.Span);
            gemmWeight = permutedWeight;
        }

        ReadOnlyMemory<float> source = input;
        if (!IsPointwise<TWindow>())
        {
            Im2Col<TWindow>(columns, input, batchSize);
            source = columns;
        }

        DenseKernels.Forward<TK, TOut>(output, source, gemmWeight, bias, rows);
    }

    /// <summary>
    /// Gradients of <see cref="Forward{TWindow, TK, TOut}"/>, from what it saved: <c>dWeight</c> (PyTorch layout) and
    /// <c>dBias</c> overwritten, and <c>dInput</c> (<c>[B, H, W, C]</c>, overwritten) unless
    /// <paramref name="inputGradient"/> is empty (the first layer needs none). <paramref name="columnGradient"/>
    /// (<c>[B * OH * OW, KH * KW * C]</c>) and <paramref name="permutedWeightGradient"/> (<c>[O, KH * KW * C]</c>) are scratch.
    /// </summary>
    public static void Backward<TWindow, TK, TOut>(
        Memory<float> inputGradient, Memory<float> weightGradient, Memory<float> biasGradient,
        ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> input, ReadOnlyMemory<float> columns,
        ReadOnlyMemory<float> weight, ReadOnlyMemory<float> permutedWeight,
        Memory<float> columnGradient, Memory<float> permutedWeightGradient, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        int rows = batchSize * TWindow.OutHeight * TWindow.OutWidth;
        bool pointwise = IsPointwise<TWindow>();
        bool reordered = TWindow.Channels > 1;
        Memory<float> dColumns = inputGradient.IsEmpty ? default : (pointwise ? inputGradient : columnGradient);
        DenseKernels.Backward<TK, TOut>(
            dColumns, reordered ? permutedWeightGradient : weightGradient, biasGradient, outputGradient,
            pointwise ? input : columns, reordered ? permutedWeight : weight, rows);
        if (reordered)
            UnpermuteWeight<TWindow, TOut>(weightGradient.Span, permutedWeightGradient.Span);
        if (!inputGradient.IsEmpty && !pointwise)
            Col2Im<TWindow>(inputGradient, columnGradient, batchSize);
    }

    /// <summary>
    /// Packs a convolution for <see cref="InferenceForward{TWindow, TK, TOut}(Memory{float}, ReadOnlyMemory{float}, Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, FusedActivation, int)"/>:
    /// the taps reordered (through <paramref name="permutedWeight"/>, <c>[O, KH * KW * C]</c> scratch) and transposed to
    /// <c>[KH * KW * C, O]</c>, as <see cref="DenseKernels.PackForInference{TIn, TOut}(Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float})"/> packs a dense layer.
    /// </summary>
    public static void PackForInference<TWindow, TK, TOut>(
        Span<float> packedWeight, Span<float> packedBias, Span<float> permutedWeight, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        PermuteWeight<TWindow, TOut>(permutedWeight, weight);
        DenseKernels.PackForInference<TK, TOut>(packedWeight, packedBias, permutedWeight, bias);
    }

    /// <summary>
    /// <see cref="PackForInference{TWindow, TK, TOut}(Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// with the following per-channel batch norm (evaluation mode) folded in: per output channel
    /// <c>s = gamma / sqrt(runningVar + eps)</c>, weights times <c>s</c>, bias <c>(bias - runningMean) * s + beta</c>.
    /// </summary>
    public static void PackForInference<TWindow, TK, TOut>(
        Span<float> packedWeight, Span<float> packedBias, Span<float> permutedWeight, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float epsilon)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        PermuteWeight<TWindow, TOut>(permutedWeight, weight);
        DenseKernels.PackForInference<TK, TOut>(packedWeight, packedBias, permutedWeight, bias, gamma, beta, runningMean, runningVar, epsilon);
    }

    /// <summary>
    /// Inference forward over weights packed by <c>PackForInference</c>: <paramref name="columns"/> is scratch
    /// (<c>[B * OH * OW, KH * KW * C]</c>, unused when pointwise); <paramref name="activation"/> runs in the product's
    /// epilogue. <paramref name="input"/> and <paramref name="output"/> may be the same memory (the input is fully
    /// unfolded before the product writes), except for a pointwise convolution.
    /// </summary>
    public static void InferenceForward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> columns, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        ReadOnlyMemory<float> source = input;
        if (!IsPointwise<TWindow>())
        {
            Im2Col<TWindow>(columns, input, batchSize);
            source = columns;
        }

        DenseKernels.InferenceForward<TK, TOut>(output, source, packedWeight, packedBias, activation, batchSize * TWindow.OutHeight * TWindow.OutWidth);
    }

    /// <summary>
    /// <see cref="InferenceForward{TWindow, TK, TOut}(Memory{float}, ReadOnlyMemory{float}, Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, FusedActivation, int)"/>
    /// for the first layer, whose input is the caller's span: unfolded from where it lies, or (pointwise) copied into
    /// <paramref name="staging"/> (<c>[B, H, W, C]</c>).
    /// </summary>
    public static void InferenceForward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlySpan<float> input, Memory<float> staging, Memory<float> columns,
        ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias, FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        int inputLength = batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        WindowChecks.CheckLength(input.Length, inputLength, nameof(input));
        ReadOnlyMemory<float> source;
        if (IsPointwise<TWindow>())
        {
            input.Slice(0, inputLength).CopyTo(staging.Span);
            source = staging;
        }
        else
        {
            Im2Col<TWindow>(columns.Span, input, 0, batchSize);
            source = columns;
        }

        DenseKernels.InferenceForward<TK, TOut>(output, source, packedWeight, packedBias, activation, batchSize * TWindow.OutHeight * TWindow.OutWidth);
    }

    /// <summary>Reorders the taps: <c>permuted[o, ky, kx, c] = weight[o, c, ky, kx]</c> (<c>[O, C, KH, KW]</c> to <c>[O, KH, KW, C]</c>).</summary>
    public static void PermuteWeight<TWindow, TOut>(Span<float> permuted, ReadOnlySpan<float> weight)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int channels = TWindow.Channels, window = TWindow.WindowHeight * TWindow.WindowWidth, taps = channels * window;
        WindowChecks.CheckLength(weight.Length, TOut.Value * taps, nameof(weight));
        WindowChecks.CheckLength(permuted.Length, TOut.Value * taps, nameof(permuted));
        for (int o = 0; o < TOut.Value; o++)
        {
            ReadOnlySpan<float> source = weight.Slice(o * taps, taps);
            Span<float> destination = permuted.Slice(o * taps, taps);
            for (int c = 0; c < channels; c++)
            {
                for (int k = 0; k < window; k++)
                    destination[k * channels + c] = source[c * window + k];
            }
        }
    }

    /// <summary>The inverse of <see cref="PermuteWeight{TWindow, TOut}"/>: <c>weight[o, c, ky, kx] = permuted[o, ky, kx, c]</c>.</summary>
    public static void UnpermuteWeight<TWindow, TOut>(Span<float> weight, ReadOnlySpan<float> permuted)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int channels = TWindow.Channels, window = TWindow.WindowHeight * TWindow.WindowWidth, taps = channels * window;
        WindowChecks.CheckLength(weight.Length, TOut.Value * taps, nameof(weight));
        WindowChecks.CheckLength(permuted.Length, TOut.Value * taps, nameof(permuted));
        for (int o = 0; o < TOut.Value; o++)
        {
            ReadOnlySpan<float> source = permuted.Slice(o * taps, taps);
            Span<float> destination = weight.Slice(o * taps, taps);
            for (int c = 0; c < channels; c++)
            {
                for (int k = 0; k < window; k++)
                    destination[c * window + k] = source[k * channels + c];
            }
        }
    }

    /// <summary>
    /// Unfolds the input: <c>columns[(b * OH + oy) * OW + ox, (ky * KW + kx) * C + c] = input[b, iy, ix, c]</c>, zero
    /// where the tap falls in the padding. Split by samples across the kernel threads for a large batch.
    /// </summary>
    public static void Im2Col<TWindow>(Memory<float> columns, ReadOnlyMemory<float> input, int batchSize)
        where TWindow : struct, IWindow2D
    {
        CheckWindowBuffers<TWindow>(columns.Length, input.Length, batchSize);
        if (!KernelThreads.ShouldSplit(batchSize, (long)batchSize * TWindow.OutHeight * TWindow.OutWidth * Taps<TWindow>()))
        {
            Im2Col<TWindow>(columns.Span, input.Span, 0, batchSize);
            return;
        }

        var work = new Im2ColSamples<TWindow>(columns, input);
        RowSplitter.Run(ref work, batchSize, 1);
    }

    /// <summary>
    /// Folds column gradients back onto the input: <c>inputGradient[b, iy, ix, c] = sum</c> of the column entries
    /// that read it (overwritten; padding taps dropped). Split by samples across the kernel threads for a large batch.
    /// </summary>
    public static void Col2Im<TWindow>(Memory<float> inputGradient, ReadOnlyMemory<float> columnGradient, int batchSize)
        where TWindow : struct, IWindow2D
    {
        CheckWindowBuffers<TWindow>(columnGradient.Length, inputGradient.Length, batchSize);
        if (!KernelThreads.ShouldSplit(batchSize, (long)batchSize * TWindow.OutHeight * TWindow.OutWidth * Taps<TWindow>()))
        {
            Col2Im<TWindow>(inputGradient.Span, columnGradient.Span, 0, batchSize);
            return;
        }

        var work = new Col2ImSamples<TWindow>(inputGradient, columnGradient);
        RowSplitter.Run(ref work, batchSize, 1);
    }

    /// <summary><see cref="Im2Col{TWindow}(Memory{float}, ReadOnlyMemory{float}, int)"/> for samples <c>[first, end)</c>; lengths checked by the caller.</summary>
    internal static void Im2Col<TWindow>(Span<float> columns, ReadOnlySpan<float> input, int first, int end)
        where TWindow : struct, IWindow2D
    {
        int channels = TWindow.Channels, height = TWindow.InHeight, width = TWindow.InWidth;
        int kernelWidth = TWindow.WindowWidth, rowTaps = kernelWidth * channels, taps = TWindow.WindowHeight * rowTaps;
        int outHeight = TWindow.OutHeight, outWidth = TWindow.OutWidth;
        bool contiguousRow = TWindow.DilationWidth == 1;
        for (int b = first; b < end; b++)
        {
            ReadOnlySpan<float> sample = input.Slice(b * height * width * channels, height * width * channels);
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int ox = 0; ox < outWidth; ox++)
                {
                    Span<float> row = columns.Slice(((b * outHeight + oy) * outWidth + ox) * taps, taps);
                    int ix0 = ox * TWindow.StrideWidth - TWindow.PaddingLeft;
                    for (int ky = 0; ky < TWindow.WindowHeight; ky++)
                    {
                        Span<float> destination = row.Slice(ky * rowTaps, rowTaps);
                        int iy = oy * TWindow.StrideHeight - TWindow.PaddingTop + ky * TWindow.DilationHeight;
                        if ((uint)iy >= (uint)height)
                        {
                            destination.Clear();
                            continue;
                        }

                        ReadOnlySpan<float> inputRow = sample.Slice(iy * width * channels, width * channels);
                        if (contiguousRow && ix0 >= 0 && ix0 + kernelWidth <= width)
                        {
                            // The kernel row lies inside the input: its taps are one contiguous run in NHWC.
                            inputRow.Slice(ix0 * channels, rowTaps).CopyTo(destination);
                            continue;
                        }

                        for (int kx = 0; kx < kernelWidth; kx++)
                        {
                            int ix = ix0 + kx * TWindow.DilationWidth;
                            Span<float> tap = destination.Slice(kx * channels, channels);
                            if ((uint)ix < (uint)width)
                                inputRow.Slice(ix * channels, channels).CopyTo(tap);
                            else
                                tap.Clear();
                        }
                    }
                }
            }
        }
    }

    /// <summary><see cref="Col2Im{TWindow}(Memory{float}, ReadOnlyMemory{float}, int)"/> for samples <c>[first, end)</c>; lengths checked by the caller.</summary>
    internal static void Col2Im<TWindow>(Span<float> inputGradient, ReadOnlySpan<float> columnGradient, int first, int end)
        where TWindow : struct, IWindow2D
    {
        int channels = TWindow.Channels, height = TWindow.InHeight, width = TWindow.InWidth;
        int kernelWidth = TWindow.WindowWidth, rowTaps = kernelWidth * channels, taps = TWindow.WindowHeight * rowTaps;
        int outHeight = TWindow.OutHeight, outWidth = TWindow.OutWidth;
        bool contiguousRow = TWindow.DilationWidth == 1;
        for (int b = first; b < end; b++)
        {
            Span<float> sample = inputGradient.Slice(b * height * width * channels, height * width * channels);
            sample.Clear();
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int ox = 0; ox < outWidth; ox++)
                {
                    ReadOnlySpan<float> row = columnGradient.Slice(((b * outHeight + oy) * outWidth + ox) * taps, taps);
                    int ix0 = ox * TWindow.StrideWidth - TWindow.PaddingLeft;
                    for (int ky = 0; ky < TWindow.WindowHeight; ky++)
                    {
                        int iy = oy * TWindow.StrideHeight - TWindow.PaddingTop + ky * TWindow.DilationHeight;
                        if ((uint)iy >= (uint)height)
                            continue;
                        ReadOnlySpan<float> source = row.Slice(ky * rowTaps, rowTaps);
                        Span<float> inputRow = sample.Slice(iy * width * channels, width * channels);
                        if (contiguousRow && ix0 >= 0 && ix0 + kernelWidth <= width)
                        {
                            Span<float> destination = inputRow.Slice(ix0 * channels, rowTaps);
                            TensorPrimitives.Add(destination, source, destination);
                            continue;
                        }

                        for (int kx = 0; kx < kernelWidth; kx++)
                        {
                            int ix = ix0 + kx * TWindow.DilationWidth;
                            if ((uint)ix >= (uint)width)
                                continue;
                            Span<float> destination = inputRow.Slice(ix * channels, channels);
                            TensorPrimitives.Add(destination, source.Slice(kx * channels, channels), destination);
                        }
                    }
                }
            }
        }
    }

    private static void CheckTaps<TWindow, TK>()
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
    {
        if (TK.Value != Taps<TWindow>())
        {
            throw new ArgumentException(
                $"The column width {TK.Value} is not KH * KW * C = {TWindow.WindowHeight} * {TWindow.WindowWidth} * {TWindow.Channels} of the window {typeof(TWindow).Name}.",
                nameof(TK));
        }
    }

    private static void CheckWindowBuffers<TWindow>(int columnsLength, int inputLength, int batchSize)
        where TWindow : struct, IWindow2D
    {
        WindowChecks.CheckLength(columnsLength, batchSize * TWindow.OutHeight * TWindow.OutWidth * Taps<TWindow>(), "columns");
        WindowChecks.CheckLength(inputLength, batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels, "input");
    }

    private readonly struct Im2ColSamples<TWindow>(Memory<float> columns, ReadOnlyMemory<float> input) : IRowWork
        where TWindow : struct, IWindow2D
    {
        public void Run(int start, int end) => Im2Col<TWindow>(columns.Span, input.Span, start, end);
    }

    private readonly struct Col2ImSamples<TWindow>(Memory<float> inputGradient, ReadOnlyMemory<float> columnGradient) : IRowWork
        where TWindow : struct, IWindow2D
    {
        public void Run(int start, int end) => Col2Im<TWindow>(inputGradient.Span, columnGradient.Span, start, end);
    }
}
