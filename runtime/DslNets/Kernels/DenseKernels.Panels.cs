using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DslNets.Kernels;

// Packed weight panels (the "B panels" of BLIS and MLAS) for the products C = A W^T with W given as [n, k] rows.
// A register tile walks a strip of B one reduction step at a time; read straight from W^T as a [k, n] matrix, the
// strip's rows lie n floats apart, so for n = 256 a 4-vector strip of 128 steps touches lines 1 KB apart, which map
// to 16 of L1's 64 sets: the strip cannot stay in L1 however short the block. Packed, the strip is one contiguous,
// 64-byte aligned run of memory, every step's vectors sit in full lines, and the blocks stay in L1.
//
// Layout of n columns over k reduction steps (n * k floats, no padding): panels of PanelColumns columns (4 vectors
// with 32 registers, 2 with 16), each [k, PanelColumns] row-major, one after the other; then the last columns, fewer
// than a panel, as one [k, rest] block. When fewer than a vector would be left over, the last full panel joins that
// block, so the block always holds at least one vector: its tiles load vectors shifted back to end at its edge and
// recompute a few columns to identical values, as everywhere else in these kernels.
public static partial class DenseKernels
{
    /// <summary>
    /// Batch from which the training forward and the input gradient pack their weight operand (one pass over W) and
    /// run the panel tiles: below it the packing costs about as much as the product.
    /// </summary>
    internal const int PanelMinBatch = 8;

    /// <summary>
    /// Samples per reduction block of the weight gradient (whose reduction runs over the batch): up to 256 samples
    /// make one block, so every dW tile is stored once and never read back (two blocks of 128 wrote the 800 KB dW of
    /// the 784x256 layer twice and read it once). The 4-vector strip of 256 steps (64 KB) then outgrows L1 and is
    /// re-read from L2 by each 6-row tile: 256 bytes per 24 FMAs, well within L2's bandwidth. Measured at batch 256
    /// on the Ice Lake server: 722-736 us against 742-785 us for two blocks (AVX-512, A/B alternately).
    /// </summary>
    private const int WeightGradientDepth = 256;

    [ThreadStatic]
    private static AlignedBuffer? t_panels;

    /// <summary>
    /// This thread's packing workspace, at least <paramref name="length"/> floats, 64-byte aligned. Allocated on first
    /// use and when a larger layer comes along, never per call (as MLAS keeps a thread-local packing buffer): the
    /// kernels' signatures stay as they are, and a network's step allocates nothing after its first one.
    /// </summary>
    private static AlignedBuffer PanelWorkspace(int length)
    {
        AlignedBuffer? buffer = t_panels;
        if (buffer is null || buffer.Length < length)
            t_panels = buffer = new AlignedBuffer(length);
        return buffer;
    }

    /// <summary>
    /// Whether the training forward of <paramref name="batchSize"/> samples packs W^T into panels: from
    /// <see cref="PanelMinBatch"/> samples the packing (one pass over W) costs less than the dot tiles lose
    /// by reading W [O, I] from L2 once per 4 samples and summing lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool UsePanelForward<TSimd, TVector>(int batchSize, int outFeatures)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        TSimd.Count > 1 && batchSize >= PanelMinBatch && outFeatures >= TSimd.Count;

    /// <summary>
    /// Packs the training forward's <c>B = W^T</c> (<paramref name="weight"/> <c>[n, k]</c>) into this thread's
    /// workspace, followed by the <paramref name="n"/> starting values (the bias, or zeros without one).
    /// </summary>
    private static Memory<float> PackForward<TSimd, TVector>(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        Memory<float> packed = PanelWorkspace(n * k + n).AsMemory(0, n * k + n);
        Span<float> span = packed.Span;
        PackPanels<TSimd, TVector>(span.Slice(0, n * k), weight, default, n, k);
        if (bias.IsEmpty)
            span.Slice(n * k, n).Clear();
        else
            bias.Slice(0, n).CopyTo(span.Slice(n * k, n));
        return packed;
    }

    /// <summary>
    /// Whether the training forward packs X rather than W: it computes <c>Y^T = W X^T</c> with W as the broadcast
    /// operand read where it lies and X^T packed (<c>batch * I</c> floats), then transposes the <c>[O, batch]</c>
    /// result, instead of packing W^T (<c>O * I</c> floats). That streams fewer floats when the batch is well below
    /// the outputs: at batch 64 the 784x256 layer packs 200 KB instead of 800 KB. Needs a full vector of samples.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool UseTransposedForward<TSimd, TVector>(int batchSize, int inFeatures, int outFeatures)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        batchSize >= TSimd.Count && (long)batchSize * (inFeatures + 3L * outFeatures) < (long)outFeatures * inFeatures;

    /// <summary>
    /// The training forward as <c>Y^T = W X^T</c> (see <see cref="UseTransposedForward"/>): X packed into panels,
    /// every output row starting from its bias (an <c>[O, batch]</c> matrix of starting values, so each element
    /// sums the same products in the same order from the same start as over packed W^T: the same bits), then the
    /// <c>[O, batch]</c> result transposed into <paramref name="output"/> <c>[batch, O]</c>.
    /// </summary>
    private static void TransposedForward<TSimd, TVector>(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int batch, int inFeatures, int outFeatures)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int xLength = batch * inFeatures, yLength = outFeatures * batch;
        Span<float> work = PanelWorkspace(xLength + 2 * yLength).AsSpan(0, xLength + 2 * yLength);
        Span<float> packed = work.Slice(0, xLength), start = work.Slice(xLength, yLength), transposed = work.Slice(xLength + yLength, yLength);
        PackPanels<TSimd, TVector>(packed, input, default, batch, inFeatures);
        for (int o = 0; o < outFeatures; o++)
            start.Slice(o * batch, batch).Fill(bias.IsEmpty ? 0f : bias[o]);
        PanelProduct<TSimd, TVector>(
            ref MemoryMarshal.GetReference(transposed), batch, ref MemoryMarshal.GetReference(weight), inFeatures,
            ref MemoryMarshal.GetReference(packed), ref MemoryMarshal.GetReference(start), false, outFeatures, batch, inFeatures, initStride: batch);
        TransposeBlock(
            ref MemoryMarshal.GetReference(output), outFeatures, ref MemoryMarshal.GetReference(transposed), batch,
            ref Unsafe.NullRef<float>(), false, outFeatures, batch);
    }

    /// <summary>
    /// <c>C = init + A B</c> for <paramref name="m"/> rows: <c>A</c> <c>[m, k]</c> row-major (the samples for the
    /// training forward, <c>dY</c> for the input gradient), <c>B</c> packed by <see cref="PackForward"/> or
    /// <see cref="PackRowPanels"/> with its <c>n</c> starting values after the panels.
    /// </summary>
    private static void PackedRows<TSimd, TVector>(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> packed, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        ref float b = ref MemoryMarshal.GetReference(packed);
        PanelProduct<TSimd, TVector>(
            ref MemoryMarshal.GetReference(c), n, ref MemoryMarshal.GetReference(a), k, ref b, ref Unsafe.Add(ref b, (nint)n * k), false, m, n, k);
    }

    /// <summary>
    /// Packs the weight gradient's operands into this thread's workspace: <c>B = X</c> (<c>[batch, I]</c>) in panels,
    /// then <c>A = dY^T</c> (<c>[O, batch]</c>, so each tile row's reduction is contiguous), then <c>I</c> zeros to
    /// start from. Needs <c>batch &gt;= 1</c> and <c>I &gt;= TSimd.Count</c>.
    /// </summary>
    private static Memory<float> PackWeightGradient<TSimd, TVector>(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, int batch, int inFeatures, int outFeatures)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int xLength = batch * inFeatures, dyLength = outFeatures * batch;
        Memory<float> packed = PanelWorkspace(xLength + dyLength + inFeatures).AsMemory(0, xLength + dyLength + inFeatures);
        Span<float> span = packed.Span;
        CopyToPanels<TSimd, TVector>(span.Slice(0, xLength), input, inFeatures, inFeatures, batch);
        TransposeBlock(
            ref span[xLength], batch, ref MemoryMarshal.GetReference(outputGradient), outFeatures, ref Unsafe.NullRef<float>(), false, batch, outFeatures);
        span.Slice(xLength + dyLength, inFeatures).Clear();
        return packed;
    }

    /// <summary>Rows <c>[rowStart, rowEnd)</c> of <c>dW = dY^T X</c> (overwritten) over the operands of <see cref="PackWeightGradient"/>.</summary>
    private static void PanelWeightGradientRows<TSimd, TVector>(Span<float> weightGradient, ReadOnlySpan<float> packed, int batch, int inFeatures, int outFeatures, int rowStart, int rowEnd)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        ref float x = ref MemoryMarshal.GetReference(packed);
        ref float dyT = ref Unsafe.Add(ref x, (nint)batch * inFeatures);
        PanelProduct<TSimd, TVector>(
            ref Unsafe.Add(ref MemoryMarshal.GetReference(weightGradient), (nint)rowStart * inFeatures), inFeatures,
            ref Unsafe.Add(ref dyT, (nint)rowStart * batch), batch, ref x, ref Unsafe.Add(ref dyT, (nint)outFeatures * batch),
            false, rowEnd - rowStart, inFeatures, batch, WeightGradientDepth);
    }

    /// <summary>
    /// Packs a row-major <c>B</c> (<paramref name="source"/> <c>[k, n]</c>: W <c>[O, I]</c> for the input gradient,
    /// the inference weights <c>[I, O]</c>) into panels in this thread's workspace, then <paramref name="n"/> zeros to
    /// start from.
    /// </summary>
    private static Memory<float> PackRowPanels<TSimd, TVector>(ReadOnlySpan<float> source, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        Memory<float> packed = PanelWorkspace(n * k + n).AsMemory(0, n * k + n);
        CopyToPanels<TSimd, TVector>(packed.Span.Slice(0, n * k), source, n, n, k);
        packed.Span.Slice(n * k, n).Clear();
        return packed;
    }

    /// <summary>Columns per packed panel: 4 vectors with 32 registers, 2 with 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PanelColumns<TSimd, TVector>()
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        HasSixteenRegisters<TSimd>() ? 2 * TSimd.Count : TileVectors * TSimd.Count;

    /// <summary>Columns held in full panels; the rest (at least one vector unless it is all of n) forms the edge block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PanelledColumns<TSimd, TVector>(int n)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int panel = PanelColumns<TSimd, TVector>();
        int full = n / panel * panel;
        if (n - full != 0 && n - full < TSimd.Count && full > 0)
            full -= panel;
        return full;
    }

    /// <summary>
    /// Packs <c>B = W^T</c> (<paramref name="weight"/> <c>[n, k]</c>, each row scaled by <paramref name="scale"/>
    /// when it is not empty) into the panel layout above, <c>n * k</c> floats at <paramref name="packed"/>.
    /// Needs <c>n &gt;= TSimd.Count</c>.
    /// </summary>
    private static void PackPanels<TSimd, TVector>(Span<float> packed, ReadOnlySpan<float> weight, ReadOnlySpan<float> scale, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        PackPanels<TSimd, TVector>(packed, weight, scale, n, k, 0, PanelBlocks<TSimd, TVector>(n));

    /// <summary>
    /// Blocks <c>[firstBlock, endBlock)</c> of <see cref="PackPanels{TSimd, TVector}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>
    /// (the full panels, then the edge block; see <see cref="PanelBlocks"/>): the blocks are disjoint, so threads
    /// may pack different ranges into the same buffer at once.
    /// </summary>
    private static void PackPanels<TSimd, TVector>(Span<float> packed, ReadOnlySpan<float> weight, ReadOnlySpan<float> scale, int n, int k, int firstBlock, int endBlock)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int panel = PanelColumns<TSimd, TVector>();
        int full = PanelledColumns<TSimd, TVector>(n);
        ref float w = ref MemoryMarshal.GetReference(weight);
        ref float s = ref MemoryMarshal.GetReference(scale);
        ref float dst = ref MemoryMarshal.GetReference(packed);
        for (int block = firstBlock; block < endBlock; block++)
        {
            int col = block * panel, columns = col < full ? panel : n - full;
            TransposeBlock(ref Unsafe.Add(ref dst, (nint)col * k), columns, ref Unsafe.Add(ref w, (nint)col * k), k, ref Unsafe.Add(ref s, col), !scale.IsEmpty, columns, k);
        }
    }

    /// <summary>Blocks of the panel layout over <paramref name="n"/> columns: the full panels, and the edge block if there is one.</summary>
    private static int PanelBlocks<TSimd, TVector>(int n)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int full = PanelledColumns<TSimd, TVector>(n);
        return full / PanelColumns<TSimd, TVector>() + (full < n ? 1 : 0);
    }

    /// <summary>
    /// Copies <c>B</c> (<paramref name="source"/> <c>[k, n]</c>, rows <paramref name="lds"/> apart) into the panel
    /// layout above, vector by vector (a library copy per panel row costs a call per 64 bytes); the edge block's
    /// last vector is shifted back to end at its edge and copies a few floats twice.
    /// </summary>
    private static void CopyToPanels<TSimd, TVector>(Span<float> packed, ReadOnlySpan<float> source, int lds, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        CopyToPanels<TSimd, TVector>(packed, source, lds, n, k, 0, PanelBlocks<TSimd, TVector>(n));

    /// <summary>Blocks <c>[firstBlock, endBlock)</c> of <see cref="CopyToPanels{TSimd, TVector}(Span{float}, ReadOnlySpan{float}, int, int, int)"/>.</summary>
    private static void CopyToPanels<TSimd, TVector>(Span<float> packed, ReadOnlySpan<float> source, int lds, int n, int k, int firstBlock, int endBlock)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count, panel = PanelColumns<TSimd, TVector>();
        int full = PanelledColumns<TSimd, TVector>(n);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(packed);
        for (int col = firstBlock * panel; col < n && col < endBlock * panel; col += panel)
        {
            int columns = col < full ? panel : n - full;
            ref float block = ref Unsafe.Add(ref dst, (nint)col * k);
            for (int p = 0; p < k; p++)
            {
                ref float from = ref Unsafe.Add(ref src, (nint)p * lds + col);
                ref float to = ref Unsafe.Add(ref block, (nint)p * columns);
                for (int j = 0; j < columns; j += width)
                {
                    int start = Math.Min(j, columns - width);
                    TSimd.Store(TSimd.Load(ref Unsafe.Add(ref from, start)), ref Unsafe.Add(ref to, start));
                }
            }

            if (col >= full)
                break;
        }
    }

    /// <summary>
    /// <c>dst[p * ldd + j] = src[j * lds + p] * (scaled ? scale[j] : 1)</c> for <c>j &lt; columns</c>, <c>p &lt; k</c>:
    /// 8 x 8 blocks through AVX registers (24 shuffles per 64 floats), scalar for the edges and without AVX. The
    /// blocks run along a destination row first, so each destination line is written whole while the 8 source
    /// lines per column group (at most a panel's worth, 4 KB) stay in L1 for the next 8 steps.
    /// </summary>
    private static void TransposeBlock(ref float dst, int ldd, ref float src, int lds, ref float scale, bool scaled, int columns, int k)
    {
        int vectorColumns = Avx.IsSupported ? columns / 8 * 8 : 0;
        int p = 0;
        if (vectorColumns > 0)
        {
            for (; p + 8 <= k; p += 8)
            {
                for (int j = 0; j < vectorColumns; j += 8)
                {
                    Vector256<float> factor = scaled ? Vector256.LoadUnsafe(ref Unsafe.Add(ref scale, j)) : Vector256<float>.One;
                    Transpose8x8(ref Unsafe.Add(ref dst, (nint)p * ldd + j), ldd, ref Unsafe.Add(ref src, (nint)j * lds + p), lds, factor);
                }
            }
        }

        // What the 8 x 8 blocks left: the last k % 8 steps of their columns, and every step of the other columns.
        for (int j = 0; j < columns; j++)
        {
            float factor = scaled ? Unsafe.Add(ref scale, j) : 1f;
            ref float row = ref Unsafe.Add(ref src, (nint)j * lds);
            for (int q = j < vectorColumns ? p : 0; q < k; q++)
                Unsafe.Add(ref dst, (nint)q * ldd + j) = Unsafe.Add(ref row, q) * factor;
        }
    }

    /// <summary>Eight rows of 8 floats (<paramref name="lds"/> apart) to eight columns, each output row times <paramref name="factor"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float dst, int ldd, ref float src, int lds, Vector256<float> factor)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src), r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, lds));
        Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 2 * (nint)lds)), r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 3 * (nint)lds));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 4 * (nint)lds)), r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 5 * (nint)lds));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 6 * (nint)lds)), r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 7 * (nint)lds));
        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped across.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        (Avx.Permute2x128(u0, u4, 0x20) * factor).StoreUnsafe(ref dst);
        (Avx.Permute2x128(u1, u5, 0x20) * factor).StoreUnsafe(ref Unsafe.Add(ref dst, ldd));
        (Avx.Permute2x128(u2, u6, 0x20) * factor).StoreUnsafe(ref Unsafe.Add(ref dst, 2 * (nint)ldd));
        (Avx.Permute2x128(u3, u7, 0x20) * factor).StoreUnsafe(ref Unsafe.Add(ref dst, 3 * (nint)ldd));
        (Avx.Permute2x128(u0, u4, 0x31) * factor).StoreUnsafe(ref Unsafe.Add(ref dst, 4 * (nint)ldd));
        (Avx.Permute2x128(u1, u5, 0x31) * factor).StoreUnsafe(ref Unsafe.Add(ref dst, 5 * (nint)ldd));
        (Avx.Permute2x128(u2, u6, 0x31) * factor).StoreUnsafe(ref Unsafe.Add(ref dst, 6 * (nint)ldd));
        (Avx.Permute2x128(u3, u7, 0x31) * factor).StoreUnsafe(ref Unsafe.Add(ref dst, 7 * (nint)ldd));
    }

    /// <summary>
    /// <c>C[m, 0:n] = act(init[0:n] + sum_k A[m, k] * B[k, 0:n])</c> over B packed by <see cref="PackPanels{TSimd, TVector}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>, A rows
    /// <paramref name="lda"/> apart with contiguous k. The reduction is cut into blocks of at most
    /// <paramref name="maxDepth"/> steps (16-register tiles: <see cref="NarrowDepth"/>); partial sums wait in C
    /// (the first block starts from <paramref name="init"/>: one row of <c>n</c> values for every row of C, or with
    /// <paramref name="initStride"/> &gt; 0 an <c>[m, n]</c> matrix of its own; the last block applies the
    /// activation). Needs <c>n &gt;= TSimd.Count</c>.
    /// </summary>
    private static void PanelProduct<TSimd, TVector>(ref float c, int ldc, ref float a, int lda, ref float packed, ref float init, bool relu, int m, int n, int k, int maxDepth = PanelDepth, int initStride = 0)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        bool narrow = HasSixteenRegisters<TSimd>();
        int panel = PanelColumns<TSimd, TVector>();
        int full = PanelledColumns<TSimd, TVector>(n);
        int blocks = (k + (narrow ? NarrowDepth : maxDepth) - 1) / (narrow ? NarrowDepth : maxDepth);
        int depth = (k + blocks - 1) / blocks;
        int col = 0;
        if (blocks > 1 && (long)m * n <= BlocksOutsideMaxOutput)
        {
            // Reduction blocks outermost over the full panels: each block's columns of A (at batch 256 and 784
            // inputs, 112 KB of X) are read from memory once and reused by every panel from L2, while C's partial
            // sums stay in L2 between blocks; panels outermost would stream all of A once per panel.
            for (int p0 = 0; p0 < k; p0 += depth)
            {
                int kc = Math.Min(depth, k - p0);
                for (col = 0; col < full; col += panel)
                    PanelStrip<TSimd, TVector>(ref c, ldc, ref a, lda, ref packed, ref init, initStride, relu, m, n, k, full, col, p0, kc);
            }
        }

        // Panels one after the other (or the edge block alone), each through all its reduction blocks: the edge
        // block's last two-vector steps may overlap columns, which must be final before they are recomputed.
        for (; col < n; col += col < full ? panel : 2 * width)
        {
            for (int p0 = 0; p0 < k; p0 += depth)
                PanelStrip<TSimd, TVector>(ref c, ldc, ref a, lda, ref packed, ref init, initStride, relu, m, n, k, full, col, p0, Math.Min(depth, k - p0));
        }
    }

    /// <summary>
    /// Outputs of <see cref="PanelProduct"/> up to which the reduction blocks run outermost: C (at most 512 KB of
    /// partial sums) then stays in the 1.25-2 MB L2 of current server cores between blocks.
    /// </summary>
    private const long BlocksOutsideMaxOutput = 128 * 1024;

    /// <summary>
    /// One pass of <see cref="PanelProduct"/>: reduction steps <c>[p0, p0 + kc)</c> of the columns starting at
    /// <paramref name="col"/> (a full panel before <paramref name="full"/>, else two vectors of the edge block) for
    /// every row, from <paramref name="init"/> in the first block and applying the activation in the last.
    /// </summary>
    private static void PanelStrip<TSimd, TVector>(
        ref float c, int ldc, ref float a, int lda, ref float packed, ref float init, int initStride, bool relu, int m, int n, int k, int full, int col, int p0, int kc)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        bool first = p0 == 0, last = p0 + kc == k;
        if (col < full)
        {
            int panel = PanelColumns<TSimd, TVector>();
            ref float strip = ref Unsafe.Add(ref packed, (nint)col * k + (nint)p0 * panel);
            for (int row = 0; row < m; row += PanelRows)
            {
                ref float cTile = ref Unsafe.Add(ref c, (nint)row * ldc + col);
                ref float initTile = ref first ? ref Unsafe.Add(ref init, (nint)row * initStride + col) : ref cTile;
                nint initRow = first ? initStride : ldc;
                ref float aTile = ref Unsafe.Add(ref a, (nint)row * lda + p0);
                int rows = Math.Min(PanelRows, m - row);
                if (HasSixteenRegisters<TSimd>())
                    NarrowTile6x2<TSimd, TVector>(ref cTile, ldc, ref initTile, initRow, false, ref aTile, lda, 1, ref strip, panel, 0, width, rows, relu && last, kc);
                else if (rows <= TileRows)
                    PanelTile4x4<TSimd, TVector>(ref cTile, ldc, ref initTile, initRow, ref aTile, lda, ref strip, panel, rows, relu && last, kc);
                else
                    PanelTile6x4<TSimd, TVector>(ref cTile, ldc, ref initTile, initRow, ref aTile, lda, ref strip, panel, rows, relu && last, kc);
            }

            return;
        }

        // The edge block, [k, edge] row-major after the panels: two vectors at a time, a partial last vector shifted
        // back to end at its edge and a lone last vector computed twice (identical values either way).
        int edge = n - full, offset = col - full;
        int firstVector = Math.Min(offset, edge - width), secondVector = Math.Min(offset + width, edge - width);
        ref float edgeStrip = ref Unsafe.Add(ref packed, (nint)full * k + (nint)p0 * edge);
        ref float cEdge = ref Unsafe.Add(ref c, full);
        for (int row = 0; row < m; row += PanelRows)
        {
            ref float cTile = ref Unsafe.Add(ref cEdge, (nint)row * ldc);
            NarrowTile6x2<TSimd, TVector>(
                ref cTile, ldc, ref first ? ref Unsafe.Add(ref init, (nint)row * initStride + full) : ref cTile, first ? initStride : ldc, false,
                ref Unsafe.Add(ref a, (nint)row * lda + p0), lda, 1, ref edgeStrip, edge, firstVector, secondVector,
                Math.Min(PanelRows, m - row), relu && last, kc);
        }
    }
}
