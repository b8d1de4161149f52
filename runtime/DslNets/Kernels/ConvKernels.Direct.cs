using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DslNets.Threading;

namespace DslNets.Kernels;

/// <summary>
/// The inference convolution without a columns matrix (implicit GEMM): each sample is copied once into a
/// zero-padded <c>[H', W', C]</c> buffer of its own, and the register tiles of the product read every output pixel's
/// taps straight from it, kernel row by kernel row (<see cref="DenseKernels.ConvTile6x4{TSimd, TVector}"/>).
/// </summary>
/// <remarks>
/// <para>
/// Why: the unfolded columns of a batch are KH * KW times the input. On the Fashion-MNIST CNN's second layer at
/// batch 64 (14 x 14 x 32 -> 64, 3 x 3) the columns are 14 MB: writing them took a quarter of the product's time,
/// and the product, blocked by L1-sized slices of the weights, read them back from memory once per slice (at about
/// a third of the FMA peak, measured with <c>--profile-cnn</c>). A padded sample is 32 KB and stays in L1/L2 while
/// all its pixels are computed; the weights, cut into blocks of whole kernel rows (24 KB for 96 taps x 64 filters), stay
/// in L1 while every 6-pixel tile of the sample runs over them, partial sums waiting in the sample's output (L2)
/// between blocks. This is the "indirect" convolution of MLAS and XNNPACK in its simplest form: the per-pixel
/// addresses replace the copy.
/// </para>
/// <para>
/// It runs when the tap runs are contiguous (dilation 1 along the width), the output has at least a vector of channels
/// for the widest SIMD width the process takes (else the 128-bit and scalar paths of the unfolding kernel serve),
/// the input and output do not overlap, and the columns scratch holds one padded sample per part of the batch split
/// across the kernel threads (always, for the buffers the generated networks pass); otherwise the unfolding path.
/// </para>
/// </remarks>
public static partial class ConvKernels
{
    /// <summary>Reduction rows per weight block of the 4-vector tiles: 128 x 4 vectors x 64 B = 32 KB at AVX-512.</summary>
    private const int DirectWideDepth = 128;

    /// <summary>Reduction rows per weight block of the 2-vector tiles: 256 x 2 vectors x 32 B = 16 KB at AVX2.</summary>
    private const int DirectNarrowDepth = 256;

    /// <summary>Pixels per tile (rows of the implicit product).</summary>
    private const int DirectTileRows = 6;

    /// <summary>Height of the zero-padded sample: the input with its top padding, and as many zero rows below as the last window needs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PaddedHeight<TWindow>()
        where TWindow : struct, IWindow2D =>
        Math.Max(TWindow.PaddingTop + TWindow.InHeight, (TWindow.OutHeight - 1) * TWindow.StrideHeight + (TWindow.WindowHeight - 1) * TWindow.DilationHeight + 1);

    /// <summary>Width of the zero-padded sample (dilation 1 along the width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PaddedWidth<TWindow>()
        where TWindow : struct, IWindow2D =>
        Math.Max(TWindow.PaddingLeft + TWindow.InWidth, (TWindow.OutWidth - 1) * TWindow.StrideWidth + TWindow.WindowWidth);

    /// <summary>Floats of one zero-padded sample, the scratch each part of the batch needs.</summary>
    internal static int PaddedSampleLength<TWindow>()
        where TWindow : struct, IWindow2D =>
        PaddedHeight<TWindow>() * PaddedWidth<TWindow>() * TWindow.Channels;

    /// <summary>True (a JIT-time constant) when the window and the output channels suit the direct kernel; see the remarks.</summary>
    internal static bool SuitsDirect<TWindow, TOut>()
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension =>
        !IsPointwise<TWindow>() && TWindow.DilationWidth == 1
        && (Vector512.IsHardwareAccelerated ? TOut.Value >= Vector512<float>.Count : Vector256.IsHardwareAccelerated && TOut.Value >= Vector256<float>.Count);

    /// <summary>Parts the batch is split into across the kernel threads (one padded sample of scratch each).</summary>
    private static int DirectParts<TWindow, TK, TOut>(int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension =>
        KernelThreads.ShouldSplit(batchSize, (long)batchSize * TWindow.OutHeight * TWindow.OutWidth * TK.Value * TOut.Value)
            ? Math.Min(KernelThreads.Count, batchSize)
            : 1;

    /// <summary>Runs the direct kernel when it applies (see the remarks) and returns whether it did.</summary>
    private static bool TryDirect<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> columns, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        if (!SuitsDirect<TWindow, TOut>())
            return false;
        int parts = DirectParts<TWindow, TK, TOut>(batchSize);
        if (columns.Length < parts * PaddedSampleLength<TWindow>() || !CheckDirect<TWindow, TK, TOut>(output.Span, input.Span, packedWeight.Span, packedBias.Span, batchSize))
            return false;
        var work = new DirectWork<TWindow, TK, TOut>(output, input, columns, packedWeight, packedBias, activation == FusedActivation.ReLU, batchSize, parts);
        if (parts > 1)
            RowSplitter.Run(ref work, parts, 1);
        else
            work.Run(0, 1);
        return true;
    }

    /// <summary>The direct kernel (as the overload over memory) for the first layer's span, on the calling thread (the caller stages it for a split).</summary>
    private static bool TryDirect<TWindow, TK, TOut>(
        Span<float> output, ReadOnlySpan<float> input, Span<float> columns, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias,
        FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        if (!SuitsDirect<TWindow, TOut>() || columns.Length < PaddedSampleLength<TWindow>()
            || !CheckDirect<TWindow, TK, TOut>(output, input, packedWeight, packedBias, batchSize))
        {
            return false;
        }

        DirectSamples<TWindow, TOut>(output, input, columns, packedWeight, packedBias, activation == FusedActivation.ReLU, 0, batchSize);
        return true;
    }

    /// <summary>Checks the buffers' lengths (exceptions name the argument); false when the input and output overlap.</summary>
    private static bool CheckDirect<TWindow, TK, TOut>(
        ReadOnlySpan<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        int outputLength = batchSize * TWindow.OutHeight * TWindow.OutWidth * TOut.Value;
        int inputLength = batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        WindowChecks.CheckLength(output.Length, outputLength, nameof(output));
        WindowChecks.CheckLength(input.Length, inputLength, nameof(input));
        WindowChecks.CheckLength(packedWeight.Length, TK.Value * TOut.Value, nameof(packedWeight));
        WindowChecks.CheckLength(packedBias.Length, TOut.Value, nameof(packedBias));
        return !output.Slice(0, outputLength).Overlaps(input.Slice(0, inputLength));
    }

    /// <summary>Samples <c>[first, end)</c>: each padded into <paramref name="padded"/>, then its product; lengths checked by the caller.</summary>
    /// <remarks>
    /// Compiled optimized straight away: entered once per call, its loop would otherwise run as tier-0/OSR code until
    /// 30 calls have passed and the background JIT has caught up (on a loaded machine the AVX2 Predict at batch 64
    /// measured 2x slower over its first second of calls).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DirectSamples<TWindow, TOut>(
        Span<float> output, ReadOnlySpan<float> input, Span<float> padded, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias,
        bool relu, int first, int end)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int sampleLength = TWindow.InHeight * TWindow.InWidth * TWindow.Channels, sampleOutput = TWindow.OutHeight * TWindow.OutWidth * TOut.Value;
        Span<float> sample = padded.Slice(0, PaddedSampleLength<TWindow>());
        // The border is zeroed once: each sample's copy writes only the interior.
        sample.Clear();
        for (int b = first; b < end; b++)
        {
            PadSample<TWindow>(sample, input.Slice(b * sampleLength, sampleLength));
            DirectProduct<TWindow, TOut>(output.Slice(b * sampleOutput, sampleOutput), sample, packedWeight, packedBias, relu);
        }
    }

    /// <summary>Copies one sample <c>[H, W, C]</c> into the interior of <paramref name="padded"/>, whose border is zero.</summary>
    private static void PadSample<TWindow>(Span<float> padded, ReadOnlySpan<float> sample)
        where TWindow : struct, IWindow2D =>
        PadSample<TWindow>(padded, sample, PaddedWidth<TWindow>());

    /// <summary><see cref="PadSample{TWindow}(Span{float}, ReadOnlySpan{float})"/> into rows of <paramref name="paddedWidth"/> pixels.</summary>
    private static void PadSample<TWindow>(Span<float> padded, ReadOnlySpan<float> sample, int paddedWidth)
        where TWindow : struct, IWindow2D
    {
        int channels = TWindow.Channels, rowLength = TWindow.InWidth * channels;
        for (int iy = 0; iy < TWindow.InHeight; iy++)
            sample.Slice(iy * rowLength, rowLength).CopyTo(padded.Slice(((TWindow.PaddingTop + iy) * paddedWidth + TWindow.PaddingLeft) * channels, rowLength));
    }

    /// <summary>One padded sample's product at the widest SIMD width the output channels fill (few taps: <see cref="FewTapsProduct{TSimd, TVector, TWindow, TOut}"/>).</summary>
    private static void DirectProduct<TWindow, TOut>(Span<float> output, ReadOnlySpan<float> padded, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias, bool relu)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        ref float c = ref MemoryMarshal.GetReference(output), a = ref MemoryMarshal.GetReference(padded);
        ref float w = ref MemoryMarshal.GetReference(packedWeight), bias = ref MemoryMarshal.GetReference(packedBias);
        if (Vector512.IsHardwareAccelerated && TOut.Value >= Vector512<float>.Count)
        {
            if (SuitsFewTaps<TWindow, TOut>())
                FewTapsProduct<Simd512, Vector512<float>, TWindow, TOut>(ref c, ref a, ref w, ref bias, relu);
            else
                DirectProduct<Simd512, Vector512<float>, TWindow, TOut>(ref c, ref a, ref w, ref bias, relu);
        }
        else if (SuitsFewTaps<TWindow, TOut>())
        {
            FewTapsProduct<Simd256, Vector256<float>, TWindow, TOut>(ref c, ref a, ref w, ref bias, relu);
        }
        else
        {
            DirectProduct<Simd256, Vector256<float>, TWindow, TOut>(ref c, ref a, ref w, ref bias, relu);
        }
    }

    /// <summary>
    /// Scratch floats the convolution with a fused max pool needs for <paramref name="parts"/> parts of the batch (the
    /// kernel threads it may use): per part, one sample's convolution output <c>[OH, OW, O]</c>, and the largest of its
    /// padded input, its unfolded columns <c>[OH * OW, K]</c> (the unfolding serves where the direct kernel does not) and,
    /// where Winograd may run, its scratch (the generated networks reserve that for every 3 x 3, stride 1, dilation 1 window).
    /// </summary>
    public static int PooledScratchLength<TWindow, TK, TOut>(int parts)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension =>
        parts * (PooledUnfoldedLength<TWindow, TK, TOut>() + TWindow.OutHeight * TWindow.OutWidth * TOut.Value);

    /// <summary>The pooled kernel's room for the convolution's input: padded sample, unfolded columns, or Winograd's scratch where the geometry allows it.</summary>
    private static int PooledUnfoldedLength<TWindow, TK, TOut>()
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension =>
        Math.Max(
            Math.Max(PaddedSampleLength<TWindow>(), TWindow.OutHeight * TWindow.OutWidth * TK.Value),
            SuitsWinograd<TWindow, TOut>() ? WinogradScratchLength<TWindow, TOut>() : 0);

    /// <summary>
    /// Inference convolution followed by the max pool <typeparamref name="TPool"/> over its output (no pool padding),
    /// sample by sample: the convolution of one sample goes to <paramref name="scratch"/> (<see cref="PooledScratchLength{TWindow, TK, TOut}"/>
    /// floats per kernel thread used), where the pooling reads it back from L2, and only the pooled <c>[B, PH, PW, O]</c>
    /// reaches <paramref name="output"/>, which must not overlap <paramref name="input"/>.
    /// </summary>
    /// <remarks>
    /// On the Fashion-MNIST CNN the first convolution's output (batch 64: 28 x 28 x 32 floats per sample, 6.4 MB) was
    /// written to memory and read back by the pooling, which then took longer than the convolution itself; per sample
    /// it is 100 KB and never leaves L2.
    /// </remarks>
    public static void InferenceForward<TWindow, TK, TOut, TPool>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> scratch, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        int parts = CheckPooled<TWindow, TK, TOut, TPool>(output.Span, input.Span, scratch.Length, packedWeight.Span, packedBias.Span, batchSize);
        var work = new PooledWork<TWindow, TK, TOut, TPool>(output, input, scratch, packedWeight, packedBias, activation, batchSize, parts);
        if (parts > 1)
            RowSplitter.Run(ref work, parts, 1);
        else
            work.Run(0, 1);
    }

    /// <summary>
    /// <see cref="InferenceForward{TWindow, TK, TOut, TPool}(Memory{float}, ReadOnlyMemory{float}, Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, FusedActivation, int)"/>
    /// for the first layer, whose input is the caller's span: read where it lies on one thread, copied into
    /// <paramref name="staging"/> (<c>[B, H, W, C]</c>) when the batch is split across the kernel threads.
    /// </summary>
    public static void InferenceForward<TWindow, TK, TOut, TPool>(
        Memory<float> output, ReadOnlySpan<float> input, Memory<float> staging, Memory<float> scratch, ReadOnlyMemory<float> packedWeight,
        ReadOnlyMemory<float> packedBias, FusedActivation activation, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        int parts = CheckPooled<TWindow, TK, TOut, TPool>(output.Span, input, scratch.Length, packedWeight.Span, packedBias.Span, batchSize);
        if (parts == 1)
        {
            PooledSamples<TWindow, TK, TOut, TPool>(output.Span, input, scratch.Span, packedWeight.Span, packedBias.Span, activation, 0, batchSize);
            return;
        }

        int inputLength = batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        input.Slice(0, inputLength).CopyTo(staging.Span);
        InferenceForward<TWindow, TK, TOut, TPool>(output, staging.Slice(0, inputLength), scratch, packedWeight, packedBias, activation, batchSize);
    }

    /// <summary>Checks the shapes and buffers of the pooled convolution (exceptions name the argument) and returns the parts to split the batch into.</summary>
    private static int CheckPooled<TWindow, TK, TOut, TPool>(
        ReadOnlySpan<float> output, ReadOnlySpan<float> input, int scratchLength, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias, int batchSize)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        CheckTaps<TWindow, TK>();
        if (TPool.Channels != TOut.Value || TPool.InHeight != TWindow.OutHeight || TPool.InWidth != TWindow.OutWidth || TPool.PaddingTop != 0 || TPool.PaddingLeft != 0)
        {
            throw new ArgumentException(
                $"The pool {typeof(TPool).Name} must read the convolution's output [{TWindow.OutHeight}, {TWindow.OutWidth}, {TOut.Value}] without padding.", nameof(TPool));
        }

        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        int outputLength = batchSize * TPool.OutHeight * TPool.OutWidth * TOut.Value;
        int inputLength = batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        WindowChecks.CheckLength(output.Length, outputLength, nameof(output));
        WindowChecks.CheckLength(input.Length, inputLength, nameof(input));
        WindowChecks.CheckLength(scratchLength, PooledScratchLength<TWindow, TK, TOut>(1), "scratch");
        WindowChecks.CheckLength(packedWeight.Length, TK.Value * TOut.Value, nameof(packedWeight));
        WindowChecks.CheckLength(packedBias.Length, TOut.Value, nameof(packedBias));
        if (output.Slice(0, outputLength).Overlaps(input.Slice(0, inputLength)))
            throw new ArgumentException("The pooled convolution's output must not overlap its input.", nameof(output));
        return Math.Max(1, Math.Min(DirectParts<TWindow, TK, TOut>(batchSize), scratchLength / PooledScratchLength<TWindow, TK, TOut>(1)));
    }

    /// <summary>Samples <c>[first, end)</c> of the pooled convolution, with one part's scratch; checked by the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PooledSamples<TWindow, TK, TOut, TPool>(
        Span<float> output, ReadOnlySpan<float> input, Span<float> scratch, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias,
        FusedActivation activation, int first, int end)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        int pixels = TWindow.OutHeight * TWindow.OutWidth, sampleLength = TWindow.InHeight * TWindow.InWidth * TWindow.Channels;
        int pooledLength = TPool.OutHeight * TPool.OutWidth * TOut.Value;
        int unfoldedLength = PooledUnfoldedLength<TWindow, TK, TOut>();
        Span<float> unfolded = scratch.Slice(0, unfoldedLength);
        Span<float> convolved = scratch.Slice(unfoldedLength, pixels * TOut.Value);
        if (UsesWinograd<TWindow, TOut>(packedWeight.Length))
        {
            // One window of a 2 x 2, stride 2 pool per tile: pooled in the output transform; else pooled from L2 as below.
            if (WinogradPoolAligned<TPool>())
            {
                WinogradSamples<TWindow, TOut>(output, input, unfolded, packedWeight, packedBias, activation == FusedActivation.ReLU, first, end, pooled: true);
                return;
            }

            for (int b = first; b < end; b++)
            {
                WinogradSamples<TWindow, TOut>(convolved, input.Slice(b * sampleLength, sampleLength), unfolded, packedWeight, packedBias, activation == FusedActivation.ReLU, 0, 1);
                PoolKernels.MaxPoolForward<TPool>(output.Slice(b * pooledLength, pooledLength), convolved, 1);
            }

            return;
        }

        if (SuitsDirect<TWindow, TOut>())
            unfolded.Slice(0, PaddedSampleLength<TWindow>()).Clear(); // the padded sample's border, zeroed once (not the columns' room)
        for (int b = first; b < end; b++)
        {
            ReadOnlySpan<float> sample = input.Slice(b * sampleLength, sampleLength);
            if (SuitsFewTapsPooled<TWindow, TOut, TPool>())
            {
                PadSample<TWindow>(unfolded, sample);
                FewTapsPooled<TWindow, TOut, TPool>(output.Slice(b * pooledLength, pooledLength), unfolded, packedWeight, packedBias, activation == FusedActivation.ReLU);
                continue;
            }

            if (SuitsDirect<TWindow, TOut>())
            {
                PadSample<TWindow>(unfolded, sample);
                DirectProduct<TWindow, TOut>(convolved, unfolded, packedWeight, packedBias, activation == FusedActivation.ReLU);
            }
            else
            {
                Im2Col<TWindow>(unfolded, sample, 0, 1);
                DenseKernels.InferenceForward<TK, TOut>(convolved, unfolded.Slice(0, pixels * TK.Value), packedWeight, packedBias, activation, pixels);
            }

            PoolKernels.MaxPoolForward<TPool>(output.Slice(b * pooledLength, pooledLength), convolved, 1);
        }
    }

    private readonly struct PooledWork<TWindow, TK, TOut, TPool>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> scratch, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize, int parts) : IRowWork
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        public void Run(int start, int end)
        {
            int length = PooledScratchLength<TWindow, TK, TOut>(1);
            for (int p = start; p < end; p++)
            {
                int first = (int)((long)batchSize * p / parts), last = (int)((long)batchSize * (p + 1) / parts);
                PooledSamples<TWindow, TK, TOut, TPool>(output.Span, input.Span, scratch.Span.Slice(p * length, length), packedWeight.Span, packedBias.Span, activation, first, last);
            }
        }
    }

    /// <summary>
    /// One sample: <c>c[q, 0:O] = act(bias + sum over the taps of pixel q's window in the padded sample <paramref name="a"/>
    /// times the packed weights [KH * KW * C, O])</c>. Column strips of 4 vectors (32 registers) then of 2; per strip,
    /// blocks of whole kernel rows of the weights; per block, every 6-pixel tile of the sample.
    /// </summary>
    /// <remarks>
    /// Never inlined: the 6 x 2 tile holds 15 of AVX2's 16 vector registers and needs 12 general registers for its
    /// addresses and counters; inlined into a caller with more live values (the pooled kernel's loop), the JIT spilled
    /// them inside the inner loop and the AVX2 convolution ran at half the speed.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void DirectProduct<TSimd, TVector, TWindow, TOut>(ref float c, ref float a, ref float w, ref float bias, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int width = TSimd.Count, n = TOut.Value, col = 0;
        if (!DenseKernels.HasSixteenRegisters<TSimd>())
        {
            for (; col + 4 * width <= n; col += 4 * width)
                DirectStrip<TSimd, TVector, TWindow, TOut>(ref c, ref a, ref w, ref bias, relu, col, 0, 0, wide: true);
        }

        for (; col < n; col += 2 * width)
        {
            // A partial last vector is shifted back to end at n; a lone last vector is computed twice (identical values).
            DirectStrip<TSimd, TVector, TWindow, TOut>(ref c, ref a, ref w, ref bias, relu, 0, Math.Min(col, n - width), Math.Min(col + width, n - width), wide: false);
        }
    }

    /// <summary>One column strip: 4 vectors from <paramref name="col"/> (<paramref name="wide"/>), else 2 at <paramref name="first"/> and <paramref name="second"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DirectStrip<TSimd, TVector, TWindow, TOut>(
        ref float c, ref float a, ref float w, ref float bias, bool relu, int col, int first, int second, bool wide)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int n = TOut.Value, channels = TWindow.Channels, outWidth = TWindow.OutWidth, pixels = TWindow.OutHeight * outWidth;
        int rowLength = TWindow.WindowWidth * channels, kernelHeight = TWindow.WindowHeight;
        int paddedRow = PaddedWidth<TWindow>() * channels;
        nint rowStride = (nint)TWindow.DilationHeight * paddedRow;
        int blockRows = Math.Max(1, (wide ? DirectWideDepth : DirectNarrowDepth) / rowLength);
        for (int r0 = 0; r0 < kernelHeight; r0 += blockRows)
        {
            int kernelRows = Math.Min(blockRows, kernelHeight - r0);
            bool firstBlock = r0 == 0, lastBlock = r0 + kernelRows == kernelHeight;
            ref float block = ref Unsafe.Add(ref w, (nint)r0 * rowLength * n + col);
            ref float taps = ref Unsafe.Add(ref a, r0 * rowStride);
            for (int q = 0; q < pixels; q += DirectTileRows)
            {
                int rows = Math.Min(DirectTileRows, pixels - q), last = q + rows - 1;
                // Pixel q + i's first tap; missing pixels of a last partial tile repeat the last pixel.
                nint o0 = TapOffset<TWindow>(q, paddedRow), o1 = TapOffset<TWindow>(Math.Min(q + 1, last), paddedRow);
                nint o2 = TapOffset<TWindow>(Math.Min(q + 2, last), paddedRow), o3 = TapOffset<TWindow>(Math.Min(q + 3, last), paddedRow);
                nint o4 = TapOffset<TWindow>(Math.Min(q + 4, last), paddedRow), o5 = TapOffset<TWindow>(last, paddedRow);
                ref float cTile = ref Unsafe.Add(ref c, (nint)q * n + col);
                ref float init = ref firstBlock ? ref Unsafe.Add(ref bias, col) : ref cTile;
                nint initRow = firstBlock ? 0 : n;
                if (wide)
                {
                    DenseKernels.ConvTile6x4<TSimd, TVector>(
                        ref cTile, n, ref init, initRow, ref taps, o0, o1, o2, o3, o4, o5, rowStride, kernelRows, rowLength, ref block, n, rows, relu && lastBlock);
                }
                else
                {
                    DenseKernels.ConvTile6x2<TSimd, TVector>(
                        ref cTile, n, ref init, initRow, ref taps, o0, o1, o2, o3, o4, o5, rowStride, kernelRows, rowLength, ref block, n, first, second, rows, relu && lastBlock);
                }
            }
        }
    }

    /// <summary>Offset in the padded sample of output pixel <paramref name="pixel"/>'s first tap (window position times the strides).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint TapOffset<TWindow>(int pixel, int paddedRow)
        where TWindow : struct, IWindow2D
    {
        int oy = pixel / TWindow.OutWidth, ox = pixel - oy * TWindow.OutWidth;
        return (nint)oy * TWindow.StrideHeight * paddedRow + (nint)ox * TWindow.StrideWidth * TWindow.Channels;
    }

    /// <summary>Part <c>p</c> of <c>parts</c>: its share of the samples, padded into its own slice of the columns scratch.</summary>
    private readonly struct DirectWork<TWindow, TK, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, Memory<float> scratch, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        bool relu, int batchSize, int parts) : IRowWork
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        public void Run(int start, int end)
        {
            int length = PaddedSampleLength<TWindow>();
            for (int p = start; p < end; p++)
            {
                int first = (int)((long)batchSize * p / parts), last = (int)((long)batchSize * (p + 1) / parts);
                DirectSamples<TWindow, TOut>(output.Span, input.Span, scratch.Span.Slice(p * length, length), packedWeight.Span, packedBias.Span, relu, first, last);
            }
        }
    }
}
