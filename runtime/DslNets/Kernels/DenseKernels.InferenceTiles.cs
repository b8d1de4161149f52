using System;
using System.Runtime.CompilerServices;

namespace DslNets.Kernels;

// Inference tiles: Y = act(X W^T + b) over the weights packed as [I, O] by PackForInference (dispatched from
// DenseKernels.Specialized.cs through InferenceProduct). 32-register panel tiles for a batch, single-row strips for
// one or two samples. The 16-register variant is in DenseKernels.NarrowTiles.cs.
public static partial class DenseKernels
{
    // ---- Inference: Y[m, 0:n] = act(bias + sum_k X[m, k] * W[k, 0:n]) over the packed [I, O] weights. ----
    // Several samples: the weights are cut into panels of 4 vectors (columns) by about PanelDepth rows, small enough
    // to stay in L1 while every 6-sample tile of the batch runs over them (a panel of 784 rows, 200 KB, would be
    // re-read from L2 by each tile). Partial sums wait in the output between row blocks: the first block starts from
    // the bias, the last one applies the activation. One or two samples left over (and batch 1) go to the
    // single-row kernel, which streams each weight once with 8 independent FMA chains.

    /// <summary>Weight rows per L1 block: 112-128 rows x 4 vectors x 64 B is at most 32 KB (L1 is 32-48 KB).</summary>
    private const int PanelDepth = 128;

    /// <summary>Samples per panel tile: 6 x 4 accumulators + 4 weight vectors + 1 broadcast = 29 of 32 AVX-512 registers.</summary>
    internal const int PanelRows = 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InferenceGemm<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool relu, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count, panel = TileVectors * width;
        // A tile of 3-5 rows is cheaper than streaming the weights from L2 once per row; one or two rows are not.
        int leftOver = m % PanelRows;
        int tiledRows = leftOver >= 3 ? m : m - leftOver;
        if (tiledRows > 0)
        {
            int blocks = (k + PanelDepth - 1) / PanelDepth;
            int depth = (k + blocks - 1) / blocks;
            int col = 0;
            for (; col + panel <= n; col += panel)
            {
                for (int p0 = 0; p0 < k; p0 += depth)
                {
                    int kc = Math.Min(depth, k - p0);
                    bool first = p0 == 0, last = p0 + kc == k;
                    ref float panelStart = ref Unsafe.Add(ref w, (nint)p0 * n + col);
                    for (int row = 0; row < tiledRows; row += PanelRows)
                    {
                        ref float cTile = ref Unsafe.Add(ref c, (nint)row * n + col);
                        ref float init = ref first ? ref Unsafe.Add(ref bias, col) : ref cTile;
                        int rows = Math.Min(PanelRows, tiledRows - row);
                        // 3 or 4 rows left: a 4-row tile wastes less than a 6-row one repeating its last row.
                        if (rows <= TileRows)
                        {
                            PanelTile4x4<TSimd, TVector>(
                                ref cTile, n, ref init, first ? 0 : n, ref Unsafe.Add(ref x, (nint)row * k + p0), k,
                                ref panelStart, n, rows, relu && last, kc);
                        }
                        else
                        {
                            PanelTile6x4<TSimd, TVector>(
                                ref cTile, n, ref init, first ? 0 : n, ref Unsafe.Add(ref x, (nint)row * k + p0), k,
                                ref panelStart, n, rows, relu && last, kc);
                        }
                    }
                }
            }

            for (; col < n; col += 2 * width)
            {
                // Two vectors at a time (12 FMA chains); a partial last vector is shifted back to end at n, and a
                // lone last vector is computed twice: both recompute columns to identical values.
                int first = Math.Min(col, n - width), second = Math.Min(col + width, n - width);
                for (int row = 0; row < tiledRows; row += PanelRows)
                {
                    EdgeTile6x2<TSimd, TVector>(
                        ref Unsafe.Add(ref c, (nint)row * n), n, ref Unsafe.Add(ref x, (nint)row * k), k, ref w, n, ref bias,
                        first, second, Math.Min(PanelRows, tiledRows - row), relu, k);
                }
            }
        }

        for (int row = tiledRows; row < m; row++)
            InferenceRow<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * n), ref Unsafe.Add(ref x, (nint)row * k), ref w, ref bias, relu, n, k);
    }

    /// <summary>
    /// Up to 6 rows x 4 vectors over <paramref name="k"/> weight rows: 4 loads and 6 broadcasts feed 24 FMAs per step.
    /// Accumulators start from <paramref name="init"/> (the bias, <paramref name="initRow"/> 0, or the partial sums
    /// in C, <paramref name="initRow"/> = ldc). With <paramref name="rows"/> &lt; 6 the missing rows repeat the last
    /// one and are not stored. The convolution's tile with one "kernel row" of <paramref name="k"/> steps and each
    /// row of A at its own multiple of <paramref name="lda"/>: one copy of the 6 x 4 FMA step for both products.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelTile6x4<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, ref float a, int lda, ref float b, int ldb, int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1), r4 = Math.Min(4, rows - 1), r5 = rows - 1;
        ConvTile6x4<TSimd, TVector>(
            ref c, ldc, ref init, initRow, ref a, 0, r1 * lda, r2 * lda, r3 * lda, r4 * lda, r5 * lda,
            rowStride: 0, kernelRows: 1, rowLength: k, ref b, ldb, rows, relu);
    }

    /// <summary><see cref="PanelTile6x4{TSimd, TVector}"/> for the last 3 or 4 rows of a batch (16 FMAs per 4 loads and 4 broadcasts).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelTile4x4<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, ref float a, int lda, ref float b, int ldb, int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = rows - 1;
        ref float i0 = ref init, i1 = ref Unsafe.Add(ref init, r1 * initRow), i2 = ref Unsafe.Add(ref init, r2 * initRow), i3 = ref Unsafe.Add(ref init, r3 * initRow);
        TVector c00 = TSimd.Load(ref i0), c01 = TSimd.Load(ref Unsafe.Add(ref i0, width)), c02 = TSimd.Load(ref Unsafe.Add(ref i0, 2 * width)), c03 = TSimd.Load(ref Unsafe.Add(ref i0, 3 * width));
        TVector c10 = TSimd.Load(ref i1), c11 = TSimd.Load(ref Unsafe.Add(ref i1, width)), c12 = TSimd.Load(ref Unsafe.Add(ref i1, 2 * width)), c13 = TSimd.Load(ref Unsafe.Add(ref i1, 3 * width));
        TVector c20 = TSimd.Load(ref i2), c21 = TSimd.Load(ref Unsafe.Add(ref i2, width)), c22 = TSimd.Load(ref Unsafe.Add(ref i2, 2 * width)), c23 = TSimd.Load(ref Unsafe.Add(ref i2, 3 * width));
        TVector c30 = TSimd.Load(ref i3), c31 = TSimd.Load(ref Unsafe.Add(ref i3, width)), c32 = TSimd.Load(ref Unsafe.Add(ref i3, 2 * width)), c33 = TSimd.Load(ref Unsafe.Add(ref i3, 3 * width));
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, r1 * lda), a2 = ref Unsafe.Add(ref a, r2 * lda), a3 = ref Unsafe.Add(ref a, r3 * lda);
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref bp), b1 = TSimd.Load(ref Unsafe.Add(ref bp, width));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), b3 = TSimd.Load(ref Unsafe.Add(ref bp, 3 * width));
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, p));
            c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01); c02 = TSimd.MultiplyAdd(s, b2, c02); c03 = TSimd.MultiplyAdd(s, b3, c03);
            s = TSimd.Broadcast(Unsafe.Add(ref a1, p));
            c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11); c12 = TSimd.MultiplyAdd(s, b2, c12); c13 = TSimd.MultiplyAdd(s, b3, c13);
            s = TSimd.Broadcast(Unsafe.Add(ref a2, p));
            c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21); c22 = TSimd.MultiplyAdd(s, b2, c22); c23 = TSimd.MultiplyAdd(s, b3, c23);
            s = TSimd.Broadcast(Unsafe.Add(ref a3, p));
            c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31); c32 = TSimd.MultiplyAdd(s, b2, c32); c33 = TSimd.MultiplyAdd(s, b3, c33);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StoreRow<TSimd, TVector>(ref c, c00, c01, c02, c03, relu);
        if (rows > 1)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, relu);
        if (rows > 2)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, relu);
        if (rows > 3)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, relu);
    }

    /// <summary>
    /// Up to 6 rows x 2 vectors, at columns <paramref name="first"/> and <paramref name="second"/> (the output's last
    /// columns, fewer than a panel), over all <paramref name="k"/> weight rows; missing rows repeat the last one and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgeTile6x2<TSimd, TVector>(
        ref float c, int ldc, ref float a, int lda, ref float b, int ldb, ref float bias, int first, int second, int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        NarrowTile6x2<TSimd, TVector>(ref c, ldc, ref bias, 0, false, ref a, lda, 1, ref b, ldb, first, second, rows, relu, k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair<TSimd, TVector>(ref float c, int first, int second, TVector c0, TVector c1, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TSimd.Store(relu ? TSimd.Max(c0, TSimd.Zero) : c0, ref Unsafe.Add(ref c, first));
        TSimd.Store(relu ? TSimd.Max(c1, TSimd.Zero) : c1, ref Unsafe.Add(ref c, second));
    }

    /// <summary>One sample over all outputs: 16-vector column strips, then 8 (8 FMA chains just cover the FMA latency), 4, single vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InferenceRow<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool relu, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        int col = 0;
        for (; col + 4 * TileVectors * width <= n; col += 4 * TileVectors * width)
        {
            RowTile1x16<TSimd, TVector>(ref Unsafe.Add(ref c, col), ref x, ref Unsafe.Add(ref w, col), n, ref Unsafe.Add(ref bias, col), relu, k);
        }

        for (; col + 2 * TileVectors * width <= n; col += 2 * TileVectors * width)
            RowTile1x8<TSimd, TVector>(ref Unsafe.Add(ref c, col), ref x, ref Unsafe.Add(ref w, col), n, ref Unsafe.Add(ref bias, col), relu, k);
        for (; col + TileVectors * width <= n; col += TileVectors * width)
            BroadcastTile1x4<TSimd, TVector>(ref Unsafe.Add(ref c, col), ref x, 1, ref Unsafe.Add(ref w, col), n, ref Unsafe.Add(ref bias, col), true, relu, k);
        for (; col < n; col += 2 * width)
        {
            // Two vectors at a time, two FMA chains in flight (a lone chain waits out every FMA's latency); shifted
            // back to end at n, a lone last vector computed twice, as in the edge tiles of the batched path.
            int first = Math.Min(col, n - width), second = Math.Min(col + width, n - width);
            RowTile1x2<TSimd, TVector>(ref c, ref x, ref w, n, ref bias, first, second, relu, k);
        }
    }

    /// <summary>1 row x 2 vectors at columns <paramref name="first"/> and <paramref name="second"/> (the last columns of a row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTile1x2<TSimd, TVector>(ref float c, ref float a, ref float b, int ldb, ref float bias, int first, int second, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector c0 = TSimd.Load(ref Unsafe.Add(ref bias, first)), c1 = TSimd.Load(ref Unsafe.Add(ref bias, second));
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, p));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, first)), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, second)), c1);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StorePair<TSimd, TVector>(ref c, first, second, c0, c1, relu);
    }

    /// <summary>
    /// 1 row x 16 vectors (a whole 256-float weight row at AVX-512): the weights stream strictly in order and 16
    /// FMA chains keep twice the loads in flight of <see cref="RowTile1x8{TSimd, TVector}"/>. Each output is still
    /// bias + products in order of k, exactly as in the panel tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTile1x16<TSimd, TVector>(ref float c, ref float a, ref float b, int ldb, ref float bias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector c0 = TSimd.Load(ref bias), c1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
        TVector c2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width)), c3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        TVector c4 = TSimd.Load(ref Unsafe.Add(ref bias, 4 * width)), c5 = TSimd.Load(ref Unsafe.Add(ref bias, 5 * width));
        TVector c6 = TSimd.Load(ref Unsafe.Add(ref bias, 6 * width)), c7 = TSimd.Load(ref Unsafe.Add(ref bias, 7 * width));
        TVector c8 = TSimd.Load(ref Unsafe.Add(ref bias, 8 * width)), c9 = TSimd.Load(ref Unsafe.Add(ref bias, 9 * width));
        TVector c10 = TSimd.Load(ref Unsafe.Add(ref bias, 10 * width)), c11 = TSimd.Load(ref Unsafe.Add(ref bias, 11 * width));
        TVector c12 = TSimd.Load(ref Unsafe.Add(ref bias, 12 * width)), c13 = TSimd.Load(ref Unsafe.Add(ref bias, 13 * width));
        TVector c14 = TSimd.Load(ref Unsafe.Add(ref bias, 14 * width)), c15 = TSimd.Load(ref Unsafe.Add(ref bias, 15 * width));
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, p));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref bp), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, width)), c1);
            c2 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), c2);
            c3 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 3 * width)), c3);
            c4 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 4 * width)), c4);
            c5 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 5 * width)), c5);
            c6 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 6 * width)), c6);
            c7 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 7 * width)), c7);
            c8 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 8 * width)), c8);
            c9 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 9 * width)), c9);
            c10 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 10 * width)), c10);
            c11 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 11 * width)), c11);
            c12 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 12 * width)), c12);
            c13 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 13 * width)), c13);
            c14 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 14 * width)), c14);
            c15 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 15 * width)), c15);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StoreRow<TSimd, TVector>(ref c, c0, c1, c2, c3, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 4 * width), c4, c5, c6, c7, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 8 * width), c8, c9, c10, c11, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 12 * width), c12, c13, c14, c15, relu);
    }

    /// <summary>1 row x 8 vectors: one broadcast and 8 loads feed 8 independent FMAs per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTile1x8<TSimd, TVector>(ref float c, ref float a, ref float b, int ldb, ref float bias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector c0 = TSimd.Load(ref bias), c1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
        TVector c2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width)), c3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        TVector c4 = TSimd.Load(ref Unsafe.Add(ref bias, 4 * width)), c5 = TSimd.Load(ref Unsafe.Add(ref bias, 5 * width));
        TVector c6 = TSimd.Load(ref Unsafe.Add(ref bias, 6 * width)), c7 = TSimd.Load(ref Unsafe.Add(ref bias, 7 * width));
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, p));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref bp), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, width)), c1);
            c2 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), c2);
            c3 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 3 * width)), c3);
            c4 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 4 * width)), c4);
            c5 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 5 * width)), c5);
            c6 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 6 * width)), c6);
            c7 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 7 * width)), c7);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StoreRow<TSimd, TVector>(ref c, c0, c1, c2, c3, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 4 * width), c4, c5, c6, c7, relu);
    }
}
