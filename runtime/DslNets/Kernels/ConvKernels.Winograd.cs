using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DslNets.Declarations;
using DslNets.Threading;

namespace DslNets.Kernels;

/// <summary>
/// The inference convolution of a 3 x 3 kernel with stride 1 and dilation 1 by Winograd's minimal filtering
/// F(2x2, 3x3) (Lavin and Gray, 2016): per 2 x 2 block of outputs (a tile), the 4 x 4 inputs it reads are transformed,
/// <c>V = B^T d B</c>, multiplied point by point with the transformed kernel <c>U = G g G^T</c> and summed over the
/// input channels, <c>M[xi] = sum_c V[xi, c] U[xi, c, :]</c> (16 products <c>[tiles, C] x [C, O]</c>), and transformed
/// back, <c>Y = A^T M A</c>: 16 multiplies per tile and channel pair instead of the direct sum's 36.
/// </summary>
/// <remarks>
/// <para>
/// Why: at batch 1 the Fashion-MNIST CNN's second convolution (14 x 14 x 32 -> 64, 7.2 MFLOP direct) already ran at
/// 84-88 % of the FMA peak as a direct convolution, and the dense layer after it is bound by reading its weights, so
/// fewer multiplies was the lever left on Predict's time. U is computed once, when the inference weights are packed
/// (with the batch norm folded in); per sample the kernel pads the input once, and per band of up to
/// <see cref="WinogradSizes.MaxBandTiles"/> tiles transforms the input, runs the 16 products on the direct kernel's
/// register tiles (<see cref="DenseKernels.ConvTile6x4{TSimd, TVector}"/>: 6 tiles x 4 vectors at AVX-512,
/// <see cref="DenseKernels.ConvTile6x2{TSimd, TVector}"/> with AVX2's 16 registers) with each <c>U[xi]</c> (C x O) in
/// L1, and transforms the output, adding the folded bias and the ReLU there.
/// </para>
/// <para>
/// A 2 x 2 tile is exactly one window of a following 2 x 2, stride 2 max pool: with that pool fused, the output
/// transform takes the max of its 4 values (NaN if any is, as PyTorch and <see cref="PoolKernels.MaxPoolForward{TWindow}(Span{float}, ReadOnlySpan{float}, int)"/>),
/// then adds the bias and applies ReLU (both commute with the max, as in the few-taps kernel), and writes only the
/// pooled pixel; tiles no pool window reads (the last row or column of an odd output) are not computed. Without
/// that pool, the tiles of an odd output's last row and column are computed whole and only their inside stored.
/// </para>
/// <para>
/// Numerics: the transforms add and subtract up to 4 inputs and 9 kernel taps (scaled by 1/4, exact in binary)
/// before the products, so the result rounds differently from the direct sum, within a small multiple of it
/// (tested against the loops at <c>1e-5 * (1 + sum |terms|)</c>). Infinite inputs can give NaN where the direct sum
/// gives an infinity (<c>inf - inf</c> in <c>B^T d B</c>); NaN inputs give NaN exactly where the direct sum does.
/// </para>
/// <para>
/// When it runs (<see cref="UsesWinograd{TWindow, TOut}(int)"/>): the geometry above, at least a vector of output
/// channels at a width the process runs, at least <see cref="WinogradMinChannels"/> input channels, and a packed
/// weight buffer with room for U (the generated networks reserve it for every 3 x 3, stride 1, dilation 1
/// convolution, sized by <see cref="WinogradSizes"/>); packing and forward pass decide with this one rule.
/// </para>
/// </remarks>
public static partial class ConvKernels
{
    /// <summary>
    /// Fewest input channels Winograd runs for: the products' depth is C, so with few channels the transforms and the
    /// accumulators' loads and stores around each short product outweigh the multiplies saved. Measured with
    /// <c>--profile-cnn 1</c> (AVX-512, one thread, 28 x 28 same padding, ReLU; direct vs Winograd, us, load 7-10):
    /// 3 -> 8 channels 15.7 vs 16.8, 8 -> 16 27.9 vs 37.3, 16 -> 16 53.5 vs 42.9; the CNN's 14 x 14 x 32 -> 64 with its
    /// pool 46.6 vs 30.2 at batch 1 and 3016 vs 1974 at batch 64 (per call), so the rule does not depend on the batch.
    /// </summary>
    private const int WinogradMinChannels = 16;

    /// <summary>True (a JIT-time constant) when the geometry is F(2x2, 3x3)'s and a SIMD width the process runs fits the output channels.</summary>
    internal static bool CanRunWinograd<TWindow, TOut>()
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension =>
        WinogradGeometry<TWindow>()
        && ((Vector512.IsHardwareAccelerated && TOut.Value >= Vector512<float>.Count) || (Vector256.IsHardwareAccelerated && TOut.Value >= Vector256<float>.Count));

    /// <summary>
    /// The one rule for Winograd (see the remarks): it can run, it pays for these shapes, and
    /// <paramref name="packedWeightLength"/> holds the transformed weights.
    /// </summary>
    internal static bool UsesWinograd<TWindow, TOut>(int packedWeightLength)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension =>
        SuitsWinograd<TWindow, TOut>() && packedWeightLength >= WinogradSizes.TransformedWeightLength(TWindow.Channels, TOut.Value);

    /// <summary>True (a JIT-time constant) when Winograd can run and pays for these shapes, given room for its weights.</summary>
    private static bool SuitsWinograd<TWindow, TOut>()
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension =>
        CanRunWinograd<TWindow, TOut>() && TWindow.Channels >= WinogradMinChannels;

    /// <summary>
    /// Floats to reserve for the packed inference weights of this convolution: <c>KH * KW * C * O</c>, or, where the
    /// geometry allows Winograd, room for its transformed weights <c>[16, C, O]</c> (what the generated networks reserve).
    /// </summary>
    public static int InferencePackedLength<TWindow, TK, TOut>()
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension =>
        WinogradSizes.PackedWeightLength(TK.Value, TWindow.Channels, TOut.Value, WinogradGeometry<TWindow>());

    /// <summary>Floats of scratch one kernel thread needs for the Winograd kernel (<see cref="WinogradSizes.ScratchLength"/>).</summary>
    public static int WinogradScratchLength<TWindow, TOut>()
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension =>
        WinogradSizes.ScratchLength(TWindow.Channels, TOut.Value, TWindow.InHeight, TWindow.InWidth, TWindow.PaddingTop, TWindow.PaddingLeft, TWindow.OutHeight, TWindow.OutWidth);

    private static bool WinogradGeometry<TWindow>()
        where TWindow : struct, IWindow2D =>
        WinogradSizes.Suits(TWindow.WindowHeight, TWindow.WindowWidth, TWindow.StrideHeight, TWindow.StrideWidth, TWindow.DilationHeight, TWindow.DilationWidth);

    /// <summary>True when <typeparamref name="TPool"/> is a 2 x 2, stride 2 max pool without padding: one window per tile.</summary>
    private static bool WinogradPoolAligned<TPool>()
        where TPool : struct, IWindow2D =>
        TPool.WindowHeight == 2 && TPool.WindowWidth == 2 && TPool.StrideHeight == 2 && TPool.StrideWidth == 2
        && TPool.PaddingTop == 0 && TPool.PaddingLeft == 0 && TPool.DilationHeight == 1 && TPool.DilationWidth == 1;

    /// <summary>
    /// Where the packing chose Winograd, the direct packing <c>[9 * C, O]</c> is written at the end of the U room
    /// (offset <c>7 * C * O</c>) and transformed in place by <see cref="TransformWeights{TWindow, TOut}"/>; else the whole buffer.
    /// </summary>
    private static Span<float> DirectPacking<TWindow, TK, TOut>(Span<float> packedWeight)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        if (!UsesWinograd<TWindow, TOut>(packedWeight.Length))
            return packedWeight;
        int size = TK.Value * TOut.Value;
        return packedWeight.Slice(WinogradSizes.TransformedWeightLength(TWindow.Channels, TOut.Value) - size, size);
    }

    /// <summary>
    /// <c>U[xi, c, o] = (G g G^T)[xi]</c> for each kernel <c>g = packed[(ky * 3 + kx) * C + c, o]</c> read from the direct
    /// packing at offset <c>7 * C * O</c> of <paramref name="packedWeight"/>, written from offset 0, in place: the 9 taps of
    /// one (c, o) are read before its 16 points are written, and the points of (c, o) overwrite only taps of (c, o).
    /// <c>G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]</c>; sums in double, rounded once.
    /// </summary>
    internal static void TransformWeights<TWindow, TOut>(Span<float> packedWeight)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int channels = TWindow.Channels, filters = TOut.Value, plane = channels * filters, start = 7 * plane;
        WindowChecks.CheckLength(packedWeight.Length, WinogradSizes.TransformedWeightLength(channels, filters), nameof(packedWeight));
        Span<double> g = stackalloc double[9];
        Span<double> gg = stackalloc double[12];
        for (int c = 0; c < channels; c++)
        {
            for (int o = 0; o < filters; o++)
            {
                int at = c * filters + o;
                for (int k = 0; k < 9; k++)
                    g[k] = packedWeight[start + k * plane + at];
                // G g: 4 rows of 3.
                for (int x = 0; x < 3; x++)
                {
                    gg[x] = g[x];
                    gg[3 + x] = 0.5 * (g[x] + g[3 + x] + g[6 + x]);
                    gg[6 + x] = 0.5 * (g[x] - g[3 + x] + g[6 + x]);
                    gg[9 + x] = g[6 + x];
                }

                // (G g) G^T: 4 points per row.
                for (int r = 0; r < 4; r++)
                {
                    double a0 = gg[3 * r], a1 = gg[3 * r + 1], a2 = gg[3 * r + 2];
                    packedWeight[(4 * r) * plane + at] = (float)a0;
                    packedWeight[(4 * r + 1) * plane + at] = (float)(0.5 * (a0 + a1 + a2));
                    packedWeight[(4 * r + 2) * plane + at] = (float)(0.5 * (a0 - a1 + a2));
                    packedWeight[(4 * r + 3) * plane + at] = (float)a2;
                }
            }
        }
    }

    /// <summary>
    /// The Winograd inference convolution over weights transformed by <see cref="TransformWeights{TWindow, TOut}"/>:
    /// <c>output [B, OH, OW, O]</c> must not overlap <c>input [B, H, W, C]</c>; <paramref name="scratch"/> holds
    /// <see cref="WinogradScratchLength{TWindow, TOut}"/> floats per kernel thread used (the batch is split by samples).
    /// </summary>
    internal static void WinogradForward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> scratch, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        int parts = CheckWinograd<TWindow, TK, TOut>(output.Span, input.Span, scratch.Length, packedWeight.Span, packedBias.Span, batchSize);
        var work = new WinogradWork<TWindow, TOut>(output, input, scratch, packedWeight, packedBias, activation == FusedActivation.ReLU, batchSize, parts);
        if (parts > 1)
            RowSplitter.Run(ref work, parts, 1);
        else
            work.Run(0, 1);
    }

    /// <summary><see cref="WinogradForward{TWindow, TK, TOut}(Memory{float}, ReadOnlyMemory{float}, Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, FusedActivation, int)"/> for the first layer's span (staged when split).</summary>
    private static void WinogradForward<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlySpan<float> input, Memory<float> staging, Memory<float> scratch, ReadOnlyMemory<float> packedWeight,
        ReadOnlyMemory<float> packedBias, FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        int parts = CheckWinograd<TWindow, TK, TOut>(output.Span, input, scratch.Length, packedWeight.Span, packedBias.Span, batchSize);
        if (parts == 1)
        {
            WinogradSamples<TWindow, TOut>(output.Span, input, scratch.Span, packedWeight.Span, packedBias.Span, activation == FusedActivation.ReLU, 0, batchSize);
            return;
        }

        int inputLength = batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        input.Slice(0, inputLength).CopyTo(staging.Span);
        WinogradForward<TWindow, TK, TOut>(output, staging.Slice(0, inputLength), scratch, packedWeight, packedBias, activation, batchSize);
    }

    /// <summary>Checks the Winograd kernel's buffers (exceptions name the argument) and returns the parts to split the batch into.</summary>
    private static int CheckWinograd<TWindow, TK, TOut>(
        ReadOnlySpan<float> output, ReadOnlySpan<float> input, int scratchLength, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckTaps<TWindow, TK>();
        if (!CanRunWinograd<TWindow, TOut>())
            throw new ArgumentException($"The window {typeof(TWindow).Name} is not a 3 x 3, stride 1, dilation 1 convolution with a vector of output channels.", nameof(TWindow));
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        int outputLength = batchSize * TWindow.OutHeight * TWindow.OutWidth * TOut.Value;
        int inputLength = batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        int perPart = WinogradScratchLength<TWindow, TOut>();
        WindowChecks.CheckLength(output.Length, outputLength, nameof(output));
        WindowChecks.CheckLength(input.Length, inputLength, nameof(input));
        WindowChecks.CheckLength(scratchLength, perPart, "scratch");
        WindowChecks.CheckLength(packedWeight.Length, WinogradSizes.TransformedWeightLength(TWindow.Channels, TOut.Value), nameof(packedWeight));
        WindowChecks.CheckLength(packedBias.Length, TOut.Value, nameof(packedBias));
        if (output.Slice(0, outputLength).Overlaps(input.Slice(0, inputLength)))
            throw new ArgumentException("The Winograd convolution's output must not overlap its input.", nameof(output));
        return Math.Max(1, Math.Min(DirectParts<TWindow, TK, TOut>(batchSize), scratchLength / perPart));
    }

    /// <summary>
    /// Samples <c>[first, end)</c> of the Winograd convolution with one part's scratch (lengths checked by the caller);
    /// <paramref name="pooled"/>: followed by a 2 x 2, stride 2 max pool, <paramref name="output"/> <c>[B, OH / 2, OW / 2, O]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WinogradSamples<TWindow, TOut>(
        Span<float> output, ReadOnlySpan<float> input, Span<float> scratch, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias,
        bool relu, int first, int end, bool pooled = false)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int sampleLength = TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        int sampleOutput = (pooled ? (TWindow.OutHeight / 2) * (TWindow.OutWidth / 2) : TWindow.OutHeight * TWindow.OutWidth) * TOut.Value;
        ClearWinogradPadding<TWindow>(scratch);
        for (int b = first; b < end; b++)
        {
            WinogradSample<TWindow, TOut>(
                output.Slice(b * sampleOutput, sampleOutput), input.Slice(b * sampleLength, sampleLength), scratch, packedWeight, packedBias, relu, pooled);
        }
    }

    /// <summary>Zeroes the padded sample at the start of <paramref name="scratch"/>: each sample's copy then writes only the interior.</summary>
    private static void ClearWinogradPadding<TWindow>(Span<float> scratch)
        where TWindow : struct, IWindow2D =>
        scratch.Slice(0, WinogradPaddedWidth<TWindow>() * WinogradSizes.PaddedHeight(TWindow.PaddingTop, TWindow.InHeight, TWindow.OutHeight) * TWindow.Channels).Clear();

    private static int WinogradPaddedWidth<TWindow>()
        where TWindow : struct, IWindow2D =>
        WinogradSizes.PaddedWidth(TWindow.PaddingLeft, TWindow.InWidth, TWindow.OutWidth);

    /// <summary>
    /// One sample: padded into the start of <paramref name="scratch"/> (whose border is zero), then band by band the
    /// transforms and products. <paramref name="pooled"/>: <paramref name="output"/> is the 2 x 2, stride 2 max pool
    /// <c>[OH / 2, OW / 2, O]</c> (rounded down), else the convolution <c>[OH, OW, O]</c>.
    /// </summary>
    private static void WinogradSample<TWindow, TOut>(
        Span<float> output, ReadOnlySpan<float> sample, Span<float> scratch, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias, bool relu, bool pooled)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        PadSample<TWindow>(scratch, sample, WinogradPaddedWidth<TWindow>());
        ref float c = ref MemoryMarshal.GetReference(output), s = ref MemoryMarshal.GetReference(scratch);
        ref float u = ref MemoryMarshal.GetReference(packedWeight), bias = ref MemoryMarshal.GetReference(packedBias);
        if (Vector512.IsHardwareAccelerated && TOut.Value >= Vector512<float>.Count)
            WinogradBands<Simd512, Vector512<float>, TWindow, TOut>(ref c, ref s, ref u, ref bias, relu, pooled);
        else
            WinogradBands<Simd256, Vector256<float>, TWindow, TOut>(ref c, ref s, ref u, ref bias, relu, pooled);
    }

    /// <summary>The bands of one padded sample at one SIMD width: input transform, 16 products, output transform.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WinogradBands<TSimd, TVector, TWindow, TOut>(ref float c, ref float scratch, ref float u, ref float bias, bool relu, bool pooled)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int channels = TWindow.Channels, filters = TOut.Value;
        int tilesHigh = pooled ? TWindow.OutHeight / 2 : WinogradSizes.Tiles(TWindow.OutHeight);
        int tilesWide = pooled ? TWindow.OutWidth / 2 : WinogradSizes.Tiles(TWindow.OutWidth);
        int tiles = tilesHigh * tilesWide, band = WinogradSizes.BandTiles(WinogradSizes.Tiles(TWindow.OutHeight) * WinogradSizes.Tiles(TWindow.OutWidth));
        nint paddedLength = (nint)WinogradPaddedWidth<TWindow>() * WinogradSizes.PaddedHeight(TWindow.PaddingTop, TWindow.InHeight, TWindow.OutHeight) * channels;
        ref float v = ref Unsafe.Add(ref scratch, paddedLength);
        ref float m = ref Unsafe.Add(ref v, (nint)WinogradSizes.TilePoints * band * channels);
        ref float zeros = ref MemoryMarshal.GetArrayDataReference(Zeros<TOut>.Values);
        for (int t0 = 0; t0 < tiles; t0 += band)
        {
            int count = Math.Min(band, tiles - t0);
            if (channels >= TSimd.Count)
                WinogradInput<TSimd, TVector, TWindow>(ref v, ref scratch, t0, count, tilesWide, band);
            else
                WinogradInput<SimdScalar, float, TWindow>(ref v, ref scratch, t0, count, tilesWide, band);
            for (int xi = 0; xi < WinogradSizes.TilePoints; xi++)
            {
                WinogradProduct<TSimd, TVector, TOut>(
                    ref Unsafe.Add(ref m, (nint)xi * band * filters), ref Unsafe.Add(ref v, (nint)xi * band * channels),
                    ref Unsafe.Add(ref u, (nint)xi * channels * filters), ref zeros, count, channels);
            }

            WinogradOutput<TSimd, TVector, TWindow, TOut>(ref c, ref m, ref bias, relu, pooled, t0, count, tilesWide, band);
        }
    }

    /// <summary>
    /// <c>V[xi, i, :] = (B^T d B)[xi]</c> for tiles <c>t0 + i</c> (row-major over <paramref name="tilesWide"/>), <c>d</c> the
    /// tile's 4 x 4 pixels of the padded sample, channels a vector at a time (the last vector shifted back to end at C).
    /// <c>B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WinogradInput<TSimd, TVector, TWindow>(ref float v, ref float padded, int t0, int count, int tilesWide, int band)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
    {
        int channels = TWindow.Channels, width = TSimd.Count;
        nint pixel = channels, row = (nint)WinogradPaddedWidth<TWindow>() * channels, point = (nint)band * channels;
        for (int i = 0; i < count; i++)
        {
            int t = t0 + i, ty = t / tilesWide, tx = t - ty * tilesWide;
            ref float d = ref Unsafe.Add(ref padded, 2 * ty * row + 2 * tx * pixel);
            ref float tile = ref Unsafe.Add(ref v, (nint)i * channels);
            for (int c0 = 0; c0 < channels; c0 += width)
            {
                nint ch = Math.Min(c0, channels - width);
                ref float d0 = ref Unsafe.Add(ref d, ch);
                // Each row of 4 pixels times B (right), then each column of the result times B^T (left).
                InputPoints<TSimd, TVector>(ref d0, pixel, out TVector e00, out TVector e01, out TVector e02, out TVector e03);
                InputPoints<TSimd, TVector>(ref Unsafe.Add(ref d0, row), pixel, out TVector e10, out TVector e11, out TVector e12, out TVector e13);
                InputPoints<TSimd, TVector>(ref Unsafe.Add(ref d0, 2 * row), pixel, out TVector e20, out TVector e21, out TVector e22, out TVector e23);
                InputPoints<TSimd, TVector>(ref Unsafe.Add(ref d0, 3 * row), pixel, out TVector e30, out TVector e31, out TVector e32, out TVector e33);
                ref float out0 = ref Unsafe.Add(ref tile, ch);
                StoreInputPoints<TSimd, TVector>(ref out0, 4 * point, e00, e10, e20, e30);
                StoreInputPoints<TSimd, TVector>(ref Unsafe.Add(ref out0, point), 4 * point, e01, e11, e21, e31);
                StoreInputPoints<TSimd, TVector>(ref Unsafe.Add(ref out0, 2 * point), 4 * point, e02, e12, e22, e32);
                StoreInputPoints<TSimd, TVector>(ref Unsafe.Add(ref out0, 3 * point), 4 * point, e03, e13, e23, e33);
            }
        }
    }

    /// <summary>One row of 4 pixels (<paramref name="step"/> apart) times B: <c>(d0 - d2, d1 + d2, d2 - d1, d1 - d3)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputPoints<TSimd, TVector>(ref float d, nint step, out TVector y0, out TVector y1, out TVector y2, out TVector y3)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector x0 = TSimd.Load(ref d), x1 = TSimd.Load(ref Unsafe.Add(ref d, step));
        TVector x2 = TSimd.Load(ref Unsafe.Add(ref d, 2 * step)), x3 = TSimd.Load(ref Unsafe.Add(ref d, 3 * step));
        y0 = TSimd.Subtract(x0, x2);
        y1 = TSimd.Add(x1, x2);
        y2 = TSimd.Subtract(x2, x1);
        y3 = TSimd.Subtract(x1, x3);
    }

    /// <summary>B^T times one column (<paramref name="x0"/>..<paramref name="x3"/>, one per row), stored as points <c>xi</c> = row * 4 + column, <paramref name="rowStep"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInputPoints<TSimd, TVector>(ref float v, nint rowStep, TVector x0, TVector x1, TVector x2, TVector x3)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TSimd.Store(TSimd.Subtract(x0, x2), ref v);
        TSimd.Store(TSimd.Add(x1, x2), ref Unsafe.Add(ref v, rowStep));
        TSimd.Store(TSimd.Subtract(x2, x1), ref Unsafe.Add(ref v, 2 * rowStep));
        TSimd.Store(TSimd.Subtract(x1, x3), ref Unsafe.Add(ref v, 3 * rowStep));
    }

    /// <summary>
    /// One point's product <c>m [count, O] = v [count, C] x u [C, O]</c> on the direct kernel's register tiles: column strips
    /// of 4 vectors (32 registers) then of 2, blocks of C deep enough to keep the strip of u in L1, 6 tiles at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WinogradProduct<TSimd, TVector, TOut>(ref float m, ref float v, ref float u, ref float zeros, int count, int channels)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TOut : struct, IDimension
    {
        int width = TSimd.Count, n = TOut.Value, col = 0;
        if (!DenseKernels.HasSixteenRegisters<TSimd>())
        {
            for (; col + 4 * width <= n; col += 4 * width)
                WinogradStrip<TSimd, TVector, TOut>(ref m, ref v, ref u, ref zeros, count, channels, col, 0, 0, wide: true);
        }

        for (; col < n; col += 2 * width)
            WinogradStrip<TSimd, TVector, TOut>(ref m, ref v, ref u, ref zeros, count, channels, 0, Math.Min(col, n - width), Math.Min(col + width, n - width), wide: false);
    }

    /// <summary>One column strip of <see cref="WinogradProduct{TSimd, TVector, TOut}"/>, as <see cref="DirectStrip{TSimd, TVector, TWindow, TOut}"/> with one tap row of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WinogradStrip<TSimd, TVector, TOut>(
        ref float m, ref float v, ref float u, ref float zeros, int count, int channels, int col, int first, int second, bool wide)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TOut : struct, IDimension
    {
        int n = TOut.Value, depth = wide ? DirectWideDepth : DirectNarrowDepth;
        int blocks = (channels + depth - 1) / depth, chunk = (channels + blocks - 1) / blocks;
        for (int p0 = 0; p0 < channels; p0 += chunk)
        {
            int steps = Math.Min(chunk, channels - p0);
            bool firstBlock = p0 == 0;
            ref float block = ref Unsafe.Add(ref u, (nint)p0 * n + col);
            ref float a = ref Unsafe.Add(ref v, p0);
            for (int q = 0; q < count; q += DirectTileRows)
            {
                int rows = Math.Min(DirectTileRows, count - q), last = q + rows - 1;
                nint o0 = (nint)q * channels, o1 = (nint)Math.Min(q + 1, last) * channels, o2 = (nint)Math.Min(q + 2, last) * channels;
                nint o3 = (nint)Math.Min(q + 3, last) * channels, o4 = (nint)Math.Min(q + 4, last) * channels, o5 = (nint)last * channels;
                ref float cTile = ref Unsafe.Add(ref m, (nint)q * n + col);
                ref float init = ref firstBlock ? ref Unsafe.Add(ref zeros, col) : ref cTile;
                nint initRow = firstBlock ? 0 : n;
                if (rows == 1)
                {
                    // A lone last tile (49 = 8 x 6 + 1 on a 14 x 14 output): the 6-row tile would cost 6 rows for it.
                    WinogradRowTile<TSimd, TVector>(ref cTile, ref init, ref Unsafe.Add(ref a, o0), steps, ref block, n, first, second, wide);
                }
                else if (wide)
                {
                    DenseKernels.ConvTile6x4<TSimd, TVector>(
                        ref cTile, n, ref init, initRow, ref a, o0, o1, o2, o3, o4, o5, 0, 1, steps, ref block, n, rows, relu: false);
                }
                else
                {
                    DenseKernels.ConvTile6x2<TSimd, TVector>(
                        ref cTile, n, ref init, initRow, ref a, o0, o1, o2, o3, o4, o5, 0, 1, steps, ref block, n, first, second, rows, relu: false);
                }
            }
        }
    }

    /// <summary>
    /// One tile's row of a point's product: 4 vectors from column 0 of <paramref name="c"/> (<paramref name="wide"/>;
    /// <paramref name="first"/> and <paramref name="second"/> unused), else 2 at <paramref name="first"/> and
    /// <paramref name="second"/>; accumulators from <paramref name="init"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WinogradRowTile<TSimd, TVector>(ref float c, ref float init, ref float a, int steps, ref float b, int ldb, int first, int second, bool wide)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        nint f = wide ? 0 : first, s = wide ? width : second;
        TVector c0 = TSimd.Load(ref Unsafe.Add(ref init, f)), c1 = TSimd.Load(ref Unsafe.Add(ref init, s));
        TVector c2 = wide ? TSimd.Load(ref Unsafe.Add(ref init, 2 * width)) : TSimd.Zero, c3 = wide ? TSimd.Load(ref Unsafe.Add(ref init, 3 * width)) : TSimd.Zero;
        ref float bp = ref b;
        for (nint p = 0; p < steps; p++)
        {
            TVector x = TSimd.Broadcast(Unsafe.Add(ref a, p));
            c0 = TSimd.MultiplyAdd(x, TSimd.Load(ref Unsafe.Add(ref bp, f)), c0);
            c1 = TSimd.MultiplyAdd(x, TSimd.Load(ref Unsafe.Add(ref bp, s)), c1);
            if (wide)
            {
                c2 = TSimd.MultiplyAdd(x, TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), c2);
                c3 = TSimd.MultiplyAdd(x, TSimd.Load(ref Unsafe.Add(ref bp, 3 * width)), c3);
            }

            bp = ref Unsafe.Add(ref bp, ldb);
        }

        TSimd.Store(c1, ref Unsafe.Add(ref c, s));
        TSimd.Store(c0, ref Unsafe.Add(ref c, f));
        if (wide)
        {
            TSimd.Store(c2, ref Unsafe.Add(ref c, 2 * width));
            TSimd.Store(c3, ref Unsafe.Add(ref c, 3 * width));
        }
    }

    /// <summary>
    /// <c>Y = A^T M A</c> per tile and vector of output channels, <c>A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]</c>, plus the bias
    /// and the ReLU; pooled, the max of the 4 first (NaN if any is), one pixel stored; else the pixels inside the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WinogradOutput<TSimd, TVector, TWindow, TOut>(
        ref float c, ref float m, ref float bias, bool relu, bool pooled, int t0, int count, int tilesWide, int band)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int n = TOut.Value, width = TSimd.Count, outWidth = TWindow.OutWidth;
        nint point = (nint)band * n;
        for (int i = 0; i < count; i++)
        {
            int t = t0 + i, ty = t / tilesWide, tx = t - ty * tilesWide;
            ref float tile = ref Unsafe.Add(ref m, (nint)i * n);
            for (int o0 = 0; o0 < n; o0 += width)
            {
                nint o = Math.Min(o0, n - width);
                ref float p = ref Unsafe.Add(ref tile, o);
                // A^T times each column of M (points s, 4 + s, 8 + s, 12 + s), then each of the 2 rows times A.
                OutputPoints<TSimd, TVector>(ref p, 4 * point, out TVector r00, out TVector r10);
                OutputPoints<TSimd, TVector>(ref Unsafe.Add(ref p, point), 4 * point, out TVector r01, out TVector r11);
                OutputPoints<TSimd, TVector>(ref Unsafe.Add(ref p, 2 * point), 4 * point, out TVector r02, out TVector r12);
                OutputPoints<TSimd, TVector>(ref Unsafe.Add(ref p, 3 * point), 4 * point, out TVector r03, out TVector r13);
                TVector y00 = TSimd.Add(TSimd.Add(r00, r01), r02), y01 = TSimd.Subtract(TSimd.Subtract(r01, r02), r03);
                TVector y10 = TSimd.Add(TSimd.Add(r10, r11), r12), y11 = TSimd.Subtract(TSimd.Subtract(r11, r12), r13);
                TVector b = TSimd.Load(ref Unsafe.Add(ref bias, o));
                if (pooled)
                {
                    TVector max = TSimd.MaxOrNaN(TSimd.MaxOrNaN(y00, y01), TSimd.MaxOrNaN(y10, y11));
                    StoreOutput<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)t * n + o), TSimd.Add(max, b), relu);
                    continue;
                }

                int oy = 2 * ty, ox = 2 * tx;
                ref float pixel = ref Unsafe.Add(ref c, ((nint)oy * outWidth + ox) * n + o);
                bool right = ox + 1 < outWidth, below = oy + 1 < TWindow.OutHeight;
                StoreOutput<TSimd, TVector>(ref pixel, TSimd.Add(y00, b), relu);
                if (right)
                    StoreOutput<TSimd, TVector>(ref Unsafe.Add(ref pixel, n), TSimd.Add(y01, b), relu);
                if (below)
                {
                    StoreOutput<TSimd, TVector>(ref Unsafe.Add(ref pixel, (nint)outWidth * n), TSimd.Add(y10, b), relu);
                    if (right)
                        StoreOutput<TSimd, TVector>(ref Unsafe.Add(ref pixel, (nint)(outWidth + 1) * n), TSimd.Add(y11, b), relu);
                }
            }
        }
    }

    /// <summary>A^T times one column of 4 points (<paramref name="rowStep"/> apart): <c>(m0 + m1 + m2, m1 - m2 - m3)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputPoints<TSimd, TVector>(ref float m, nint rowStep, out TVector y0, out TVector y1)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector x0 = TSimd.Load(ref m), x1 = TSimd.Load(ref Unsafe.Add(ref m, rowStep));
        TVector x2 = TSimd.Load(ref Unsafe.Add(ref m, 2 * rowStep)), x3 = TSimd.Load(ref Unsafe.Add(ref m, 3 * rowStep));
        y0 = TSimd.Add(TSimd.Add(x0, x1), x2);
        y1 = TSimd.Subtract(TSimd.Subtract(x1, x2), x3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOutput<TSimd, TVector>(ref float destination, TVector value, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        TSimd.Store(relu ? TSimd.Max(value, TSimd.Zero) : value, ref destination);

    /// <summary>Part <c>p</c> of <c>parts</c>: its share of the samples, with its own slice of the scratch.</summary>
    private readonly struct WinogradWork<TWindow, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> scratch, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        bool relu, int batchSize, int parts) : IRowWork
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        public void Run(int start, int end)
        {
            int length = WinogradScratchLength<TWindow, TOut>();
            for (int p = start; p < end; p++)
            {
                int first = (int)((long)batchSize * p / parts), last = (int)((long)batchSize * (p + 1) / parts);
                WinogradSamples<TWindow, TOut>(output.Span, input.Span, scratch.Span.Slice(p * length, length), packedWeight.Span, packedBias.Span, relu, first, last);
            }
        }
    }
}
