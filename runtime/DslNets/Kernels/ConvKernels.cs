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
public static partial class ConvKernels
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
    /// Saves for <see cref="Backward{TWindow, TK, TOut}"/> the unfolded input in <paramref name="columns"/>
    /// (<c>[B * OH * OW, KH * KW * C]</c>; unused when pointwise) and the reordered weight <c>W'</c> in
    /// <paramref name="permutedWeight"/> (<c>[O, KH * KW * C]</c>); <paramref name="packedWeight"/> (<c>[KH * KW * C, O]</c>)
    /// and <paramref name="packedBias"/> (<c>[O]</c>) are scratch. An empty bias means no bias.
    /// </summary>
    /// <remarks>
    /// The product runs on the inference kernel over <c>W'</c> transposed (packed each step, O * KH * KW * C floats):
    /// on the Fashion-MNIST CNN's shapes its broadcast tiles, vectorized over the O output channels, ran 1.4-6x faster
    /// than the training dot tiles, which vectorize over the K taps and fall to scalar code for K = 9 (a 3 x 3 kernel
    /// on one channel).
    /// </remarks>
    public static void Forward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> columns, Memory<float> permutedWeight,
        Memory<float> packedWeight, Memory<float> packedBias, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        PermuteWeight<TWindow, TOut>(permutedWeight.Span, weight.Span);
        DenseKernels.PackForInference<TK, TOut>(packedWeight.Span, packedBias.Span, permutedWeight.Span, bias.Span);
        UnfoldedForward<TWindow, TK, TOut>(output, input, columns, packedWeight, packedBias, FusedActivation.None, batchSize);
    }

    /// <summary>
    /// Gradients of <see cref="Forward{TWindow, TK, TOut}"/>, from what it saved: <c>dWeight</c> (PyTorch layout) and
    /// <c>dBias</c> (unless empty) overwritten, and <c>dInput</c> (<c>[B, H, W, C]</c>, overwritten) unless
    /// <paramref name="inputGradient"/> is empty (the first layer needs none). <paramref name="columnGradient"/>
    /// (<c>[B * OH * OW, KH * KW * C]</c>) is scratch, and so is <paramref name="weightGradientScratch"/>: two
    /// <c>[KH * KW * C, O]</c> blocks per part of the rows that threads may share the weight gradient by (its length
    /// sets the parts; the generated networks give four).
    /// </summary>
    /// <remarks>
    /// The weight gradient is computed transposed, <c>dW'^T [K, O] = columns^T x dOutput</c>, so the dense weight
    /// gradient kernel vectorizes over the output channels (over K = 9 taps it runs scalar code), and in blocks of
    /// <see cref="WeightGradientBlockRows"/> output pixels whose columns and gradients stay in L2 while every tile
    /// of the product passes over them: over the whole batch (12,544 pixels of 288 taps on the CNN's second layer)
    /// each tile re-read 14 MB from memory and the product ran 2-3x slower. The blocks' sums are added up per part of
    /// the rows, the parts on the kernel threads when the batch is split. The input gradient <c>dColumns = dOutput x W'</c> is the inference kernel
    /// with <c>W' [O, K]</c> as its packed <c>[in, out]</c> matrix, then folded back by <see cref="Col2Im{TWindow}(Memory{float}, ReadOnlyMemory{float}, int)"/>.
    /// </remarks>
    public static void Backward<TWindow, TK, TOut>(
        Memory<float> inputGradient, Memory<float> weightGradient, Memory<float> biasGradient,
        ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> input, ReadOnlyMemory<float> columns, ReadOnlyMemory<float> permutedWeight,
        Memory<float> columnGradient, Memory<float> weightGradientScratch, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        int taps = TK.Value, outChannels = TOut.Value, rows = batchSize * TWindow.OutHeight * TWindow.OutWidth;
        bool pointwise = IsPointwise<TWindow>();
        WindowChecks.CheckLength(outputGradient.Length, rows * outChannels, nameof(outputGradient));
        WindowChecks.CheckLength(weightGradient.Length, outChannels * taps, nameof(weightGradient));
        WindowChecks.CheckLength(permutedWeight.Length, outChannels * taps, nameof(permutedWeight));
        WindowChecks.CheckLength(weightGradientScratch.Length, 2 * outChannels * taps, nameof(weightGradientScratch));
        ReadOnlyMemory<float> source = pointwise ? input : columns;
        WindowChecks.CheckLength(source.Length, rows * taps, pointwise ? nameof(input) : nameof(columns));

        if (!biasGradient.IsEmpty)
        {
            WindowChecks.CheckLength(biasGradient.Length, outChannels, nameof(biasGradient));
            Span<float> db = biasGradient.Span.Slice(0, outChannels);
            ReadOnlySpan<float> dy = outputGradient.Span;
            db.Clear();
            for (int r = 0; r < rows; r++)
                TensorPrimitives.Add(db, dy.Slice(r * outChannels, outChannels), db);
        }

        WeightGradient<TWindow, TK, TOut>(weightGradient.Span, outputGradient, source, weightGradientScratch, rows);

        if (inputGradient.IsEmpty)
            return;
        Memory<float> dColumns = pointwise ? inputGradient : columnGradient;
        DenseKernels.InferenceForward<TOut, TK>(dColumns, outputGradient, permutedWeight, Zeros<TK>.Values, FusedActivation.None, rows);
        if (!pointwise)
            Col2Im<TWindow>(inputGradient, columnGradient, batchSize);
    }

    /// <summary>
    /// Packs a convolution for <see cref="InferenceForward{TWindow, TK, TOut}(Memory{float}, ReadOnlyMemory{float}, Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, FusedActivation, int)"/>:
    /// the taps reordered (through <paramref name="permutedWeight"/>, <c>[O, KH * KW * C]</c> scratch) and transposed to
    /// <c>[KH * KW * C, O]</c>, as <see cref="DenseKernels.PackForInference{TIn, TOut}(Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float})"/> packs a dense layer.
    /// Where Winograd runs (ConvKernels.Winograd.cs: the shapes suit it and <paramref name="packedWeight"/> has room for
    /// <see cref="InferencePackedLength{TWindow, TK, TOut}"/> floats), the transformed weights <c>[16, C, O]</c> instead.
    /// </summary>
    public static void PackForInference<TWindow, TK, TOut>(
        Span<float> packedWeight, Span<float> packedBias, Span<float> permutedWeight, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        PermuteWeight<TWindow, TOut>(permutedWeight, weight);
        DenseKernels.PackForInference<TK, TOut>(DirectPacking<TWindow, TK, TOut>(packedWeight), packedBias, permutedWeight, bias);
        if (UsesWinograd<TWindow, TOut>(packedWeight.Length))
            TransformWeights<TWindow, TOut>(packedWeight);
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
        DenseKernels.PackForInference<TK, TOut>(DirectPacking<TWindow, TK, TOut>(packedWeight), packedBias, permutedWeight, bias, gamma, beta, runningMean, runningVar, epsilon);
        if (UsesWinograd<TWindow, TOut>(packedWeight.Length))
            TransformWeights<TWindow, TOut>(packedWeight);
    }

    /// <summary>
    /// Inference forward over weights packed by <c>PackForInference</c>: <paramref name="columns"/> is scratch
    /// (<c>[B * OH * OW, KH * KW * C]</c>, unused when pointwise); <paramref name="activation"/> runs in the product's
    /// epilogue. <paramref name="input"/> and <paramref name="output"/> may be the same memory (the input is then fully
    /// unfolded before the product writes), except for a pointwise convolution. Where it applies, the direct kernel
    /// (ConvKernels.Direct.cs) runs instead of the unfolding: it reads the taps from one zero-padded sample at a time and
    /// uses only <see cref="PaddedSampleLength{TWindow}"/> floats of <paramref name="columns"/> per kernel thread. Over
    /// Winograd's packing the Winograd kernel runs (ConvKernels.Winograd.cs), with <see cref="WinogradScratchLength{TWindow, TOut}"/>
    /// floats of <paramref name="columns"/> per kernel thread, and the output must not overlap the input.
    /// </summary>
    public static void InferenceForward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> columns, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        if (UsesWinograd<TWindow, TOut>(packedWeight.Length))
            WinogradForward<TWindow, TK, TOut>(output, input, columns, packedWeight, packedBias, activation, batchSize);
        else if (!TryDirect<TWindow, TK, TOut>(output, input, columns, packedWeight, packedBias, activation, batchSize))
            UnfoldedForward<TWindow, TK, TOut>(output, input, columns, packedWeight, packedBias, activation, batchSize);
    }

    /// <summary>
    /// The product over the unfolded input: <see cref="Im2Col{TWindow}(Memory{float}, ReadOnlyMemory{float}, int)"/> into
    /// <paramref name="columns"/> (kept for the backward pass in training), then the dense inference product.
    /// </summary>
    private static void UnfoldedForward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> columns, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
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
        if (UsesWinograd<TWindow, TOut>(packedWeight.Length))
        {
            WinogradForward<TWindow, TK, TOut>(output, input, staging, columns, packedWeight, packedBias, activation, batchSize);
            return;
        }

        if (SuitsDirect<TWindow, TOut>())
        {
            // On one thread straight from the caller's span; staged for a split (the helpers need memory, not a span).
            if (DirectParts<TWindow, TK, TOut>(batchSize) == 1
                && TryDirect<TWindow, TK, TOut>(output.Span, input, columns.Span, packedWeight.Span, packedBias.Span, activation, batchSize))
            {
                return;
            }

            input.Slice(0, inputLength).CopyTo(staging.Span);
            if (TryDirect<TWindow, TK, TOut>(output, staging.Slice(0, inputLength), columns, packedWeight, packedBias, activation, batchSize))
                return;
        }

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

    /// <summary>Output pixels per weight-gradient block: their columns and gradients (about 256 KB) stay in L2.</summary>
    private static int WeightGradientBlockRows<TK, TOut>()
        where TK : struct, IDimension
        where TOut : struct, IDimension =>
        Math.Clamp(65536 / (TK.Value + TOut.Value) / 6 * 6, 24, 384);

    /// <summary><c>weightGradient [O, C, KH, KW] = (columns^T x dOutput)</c> reordered; see <see cref="Backward{TWindow, TK, TOut}"/>.</summary>
    private static void WeightGradient<TWindow, TK, TOut>(
        Span<float> weightGradient, ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> columns, Memory<float> scratch, int rows)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        int size = TK.Value * TOut.Value;
        // The rows are cut into as many parts as the scratch holds (at least a block each), whatever the thread count,
        // so the sums are added in the same order, and the gradient is bit-identical, on one thread or several.
        int parts = Math.Max(1, Math.Min(scratch.Length / (2 * size), rows / WeightGradientBlockRows<TK, TOut>()));
        var work = new WeightGradientParts<TK, TOut>(scratch, outputGradient, columns, rows, parts);
        if (parts > 1 && KernelThreads.ShouldSplit(rows, (long)rows * size))
            RowSplitter.Run(ref work, parts, 1);
        else
            work.Run(0, parts);

        // Part p's sum is the first block of the p-th pair; add them into part 0's, then reorder into PyTorch's layout.
        Span<float> total = scratch.Span.Slice(0, size);
        for (int p = 1; p < parts; p++)
            TensorPrimitives.Add(total, scratch.Span.Slice(2 * p * size, size), total);
        int channels = TWindow.Channels, window = TWindow.WindowHeight * TWindow.WindowWidth, outChannels = TOut.Value, taps = TK.Value;
        for (int o = 0; o < outChannels; o++)
        {
            Span<float> row = weightGradient.Slice(o * taps, taps);
            for (int c = 0; c < channels; c++)
            {
                for (int k = 0; k < window; k++)
                    row[c * window + k] = total[(k * channels + c) * outChannels + o];
            }
        }
    }

    /// <summary>Part <c>p</c> of <c>parts</c> sums its share of the rows, block by block, into <c>scratch[2p]</c> (<c>[K, O]</c>), using <c>scratch[2p + 1]</c> per block.</summary>
    private readonly struct WeightGradientParts<TK, TOut>(Memory<float> scratch, ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> columns, int rows, int parts) : IRowWork
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        public void Run(int start, int end)
        {
            int taps = TK.Value, outChannels = TOut.Value, size = taps * outChannels, block = WeightGradientBlockRows<TK, TOut>();
            ReadOnlySpan<float> dy = outputGradient.Span, x = columns.Span;
            for (int p = start; p < end; p++)
            {
                Span<float> sum = scratch.Span.Slice(2 * p * size, size), blockSum = scratch.Span.Slice((2 * p + 1) * size, size);
                int first = (int)((long)rows * p / parts), last = (int)((long)rows * (p + 1) / parts);
                sum.Clear();
                for (int r = first; r < last; r += block)
                {
                    int n = Math.Min(block, last - r);
                    // dW'^T [K, O] = columns^T dY: the dense weight gradient with the columns as its "output gradient".
                    DenseKernels.Backward<TOut, TK>(default, blockSum, default, x.Slice(r * taps, n * taps), dy.Slice(r * outChannels, n * outChannels), default, n);
                    TensorPrimitives.Add(sum, blockSum, sum);
                }
            }
        }
    }

    /// <summary>A zero bias of <typeparamref name="TK"/> values for products that have none (allocated once per size).</summary>
    private static class Zeros<TK>
        where TK : struct, IDimension
    {
        public static readonly float[] Values = new float[TK.Value];
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
