using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DslNets.Kernels;

// GEMM tiles of the training products (dispatched from DenseKernels.Specialized.cs through DotProduct and
// BroadcastProduct): dot tiles for the training forward Y = X W^T over W in its [O, I] layout, broadcast tiles for
// dX = dY W and dW = dY^T X. 4 x 4 tiles for 32 registers; the 16-register variants are in DenseKernels.NarrowTiles.cs.
public static partial class DenseKernels
{
    // ---- Dot tiles: C[m, n] = bias[n] + sum_k X[m, k] * W[n, k]; X rows and W rows are both k-contiguous. ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotGemm<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool hasBias, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int row = 0;
        for (; row + TileRows <= m; row += TileRows)
        {
            ref float xRow = ref Unsafe.Add(ref x, (nint)row * k);
            ref float cRow = ref Unsafe.Add(ref c, (nint)row * n);
            int col = 0;
            for (; col + TileVectors <= n; col += TileVectors)
                DotTile4x4<TSimd, TVector>(ref Unsafe.Add(ref cRow, col), n, ref xRow, ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            for (; col < n; col++)
            {
                for (int r = 0; r < TileRows; r++)
                    DotTile1x1<TSimd, TVector>(ref Unsafe.Add(ref cRow, (nint)r * n + col), ref Unsafe.Add(ref xRow, (nint)r * k), ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            }
        }

        for (; row < m; row++)
        {
            ref float xRow = ref Unsafe.Add(ref x, (nint)row * k);
            ref float cRow = ref Unsafe.Add(ref c, (nint)row * n);
            int col = 0;
            for (; col + TileVectors <= n; col += TileVectors)
                DotTile1x4<TSimd, TVector>(ref Unsafe.Add(ref cRow, col), ref xRow, ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            for (; col < n; col++)
                DotTile1x1<TSimd, TVector>(ref Unsafe.Add(ref cRow, col), ref xRow, ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
        }
    }

    /// <summary>4 samples x 4 weight rows: 8 loads feed 16 FMAs per step; lanes are summed once at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotTile4x4<TSimd, TVector>(ref float c, int ldc, ref float x, ref float w, ref float bias, bool hasBias, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        ref float x0 = ref x, x1 = ref Unsafe.Add(ref x, k), x2 = ref Unsafe.Add(ref x, 2 * (nint)k), x3 = ref Unsafe.Add(ref x, 3 * (nint)k);
        ref float w0 = ref w, w1 = ref Unsafe.Add(ref w, k), w2 = ref Unsafe.Add(ref w, 2 * (nint)k), w3 = ref Unsafe.Add(ref w, 3 * (nint)k);
        TVector c00 = TSimd.Zero, c01 = TSimd.Zero, c02 = TSimd.Zero, c03 = TSimd.Zero;
        TVector c10 = TSimd.Zero, c11 = TSimd.Zero, c12 = TSimd.Zero, c13 = TSimd.Zero;
        TVector c20 = TSimd.Zero, c21 = TSimd.Zero, c22 = TSimd.Zero, c23 = TSimd.Zero;
        TVector c30 = TSimd.Zero, c31 = TSimd.Zero, c32 = TSimd.Zero, c33 = TSimd.Zero;
        int width = TSimd.Count;
        int p = 0;
        for (; p + width <= k; p += width)
        {
            TVector b0 = TSimd.Load(ref Unsafe.Add(ref w0, p)), b1 = TSimd.Load(ref Unsafe.Add(ref w1, p));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref w2, p)), b3 = TSimd.Load(ref Unsafe.Add(ref w3, p));
            TVector a = TSimd.Load(ref Unsafe.Add(ref x0, p));
            c00 = TSimd.MultiplyAdd(a, b0, c00); c01 = TSimd.MultiplyAdd(a, b1, c01); c02 = TSimd.MultiplyAdd(a, b2, c02); c03 = TSimd.MultiplyAdd(a, b3, c03);
            a = TSimd.Load(ref Unsafe.Add(ref x1, p));
            c10 = TSimd.MultiplyAdd(a, b0, c10); c11 = TSimd.MultiplyAdd(a, b1, c11); c12 = TSimd.MultiplyAdd(a, b2, c12); c13 = TSimd.MultiplyAdd(a, b3, c13);
            a = TSimd.Load(ref Unsafe.Add(ref x2, p));
            c20 = TSimd.MultiplyAdd(a, b0, c20); c21 = TSimd.MultiplyAdd(a, b1, c21); c22 = TSimd.MultiplyAdd(a, b2, c22); c23 = TSimd.MultiplyAdd(a, b3, c23);
            a = TSimd.Load(ref Unsafe.Add(ref x3, p));
            c30 = TSimd.MultiplyAdd(a, b0, c30); c31 = TSimd.MultiplyAdd(a, b1, c31); c32 = TSimd.MultiplyAdd(a, b2, c32); c33 = TSimd.MultiplyAdd(a, b3, c33);
        }

        int remainder = k - p;
        if (remainder != 0)
        {
            // The last full vector ends at k; its lanes before p were summed already, so the inputs' copies are zeroed.
            p = k - width;
            TVector b0 = TSimd.Load(ref Unsafe.Add(ref w0, p)), b1 = TSimd.Load(ref Unsafe.Add(ref w1, p));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref w2, p)), b3 = TSimd.Load(ref Unsafe.Add(ref w3, p));
            TVector a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x0, p)), remainder);
            c00 = TSimd.MultiplyAdd(a, b0, c00); c01 = TSimd.MultiplyAdd(a, b1, c01); c02 = TSimd.MultiplyAdd(a, b2, c02); c03 = TSimd.MultiplyAdd(a, b3, c03);
            a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x1, p)), remainder);
            c10 = TSimd.MultiplyAdd(a, b0, c10); c11 = TSimd.MultiplyAdd(a, b1, c11); c12 = TSimd.MultiplyAdd(a, b2, c12); c13 = TSimd.MultiplyAdd(a, b3, c13);
            a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x2, p)), remainder);
            c20 = TSimd.MultiplyAdd(a, b0, c20); c21 = TSimd.MultiplyAdd(a, b1, c21); c22 = TSimd.MultiplyAdd(a, b2, c22); c23 = TSimd.MultiplyAdd(a, b3, c23);
            a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x3, p)), remainder);
            c30 = TSimd.MultiplyAdd(a, b0, c30); c31 = TSimd.MultiplyAdd(a, b1, c31); c32 = TSimd.MultiplyAdd(a, b2, c32); c33 = TSimd.MultiplyAdd(a, b3, c33);
        }

        float bias0 = 0f, bias1 = 0f, bias2 = 0f, bias3 = 0f;
        if (hasBias)
        {
            bias0 = bias;
            bias1 = Unsafe.Add(ref bias, 1);
            bias2 = Unsafe.Add(ref bias, 2);
            bias3 = Unsafe.Add(ref bias, 3);
        }

        StoreSums<TSimd, TVector>(ref c, c00, c01, c02, c03, bias0, bias1, bias2, bias3);
        StoreSums<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, bias0, bias1, bias2, bias3);
        StoreSums<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, bias0, bias1, bias2, bias3);
        StoreSums<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, bias0, bias1, bias2, bias3);
    }

    /// <summary>1 sample x 4 weight rows: each weight read once, the sample row reused from L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotTile1x4<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool hasBias, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        ref float w0 = ref w, w1 = ref Unsafe.Add(ref w, k), w2 = ref Unsafe.Add(ref w, 2 * (nint)k), w3 = ref Unsafe.Add(ref w, 3 * (nint)k);
        TVector c0 = TSimd.Zero, c1 = TSimd.Zero, c2 = TSimd.Zero, c3 = TSimd.Zero;
        int width = TSimd.Count;
        int p = 0;
        for (; p + width <= k; p += width)
        {
            TVector a = TSimd.Load(ref Unsafe.Add(ref x, p));
            c0 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w0, p)), c0);
            c1 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w1, p)), c1);
            c2 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w2, p)), c2);
            c3 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w3, p)), c3);
        }

        int remainder = k - p;
        if (remainder != 0)
        {
            p = k - width;
            TVector a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x, p)), remainder);
            c0 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w0, p)), c0);
            c1 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w1, p)), c1);
            c2 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w2, p)), c2);
            c3 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w3, p)), c3);
        }

        if (hasBias)
            StoreSums<TSimd, TVector>(ref c, c0, c1, c2, c3, bias, Unsafe.Add(ref bias, 1), Unsafe.Add(ref bias, 2), Unsafe.Add(ref bias, 3));
        else
            StoreSums<TSimd, TVector>(ref c, c0, c1, c2, c3, 0f, 0f, 0f, 0f);
    }

    /// <summary>1 sample x 1 weight row (remainder rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotTile1x1<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool hasBias, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector c0 = TSimd.Zero;
        int width = TSimd.Count;
        int p = 0;
        for (; p + width <= k; p += width)
            c0 = TSimd.MultiplyAdd(TSimd.Load(ref Unsafe.Add(ref x, p)), TSimd.Load(ref Unsafe.Add(ref w, p)), c0);
        int remainder = k - p;
        if (remainder != 0)
        {
            p = k - width;
            c0 = TSimd.MultiplyAdd(TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x, p)), remainder), TSimd.Load(ref Unsafe.Add(ref w, p)), c0);
        }

        c = hasBias ? TSimd.Sum(c0) + bias : TSimd.Sum(c0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSums<TSimd, TVector>(ref float c, TVector s0, TVector s1, TVector s2, TVector s3, float bias0, float bias1, float bias2, float bias3)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        (TSimd.Sum4(s0, s1, s2, s3) + Vector128.Create(bias0, bias1, bias2, bias3)).StoreUnsafe(ref c);
    }

    // ---- Broadcast tiles: C[m, 0:n] = init + sum_k A[m, k] * B[k, 0:n]; B rows are n-contiguous. ----
    // A[m, k] sits at a + m * aRow + k * aCol, so the same tiles read dY (rows) and dY^T (columns).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastGemm<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb,
        ref float bias, bool hasBias, bool relu, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        int col = 0;
        for (; col + TileVectors * width <= n; col += TileVectors * width)
        {
            int row = 0;
            for (; row + TileRows <= m; row += TileRows)
                BroadcastTile4x4<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + col), ldc, ref Unsafe.Add(ref a, (nint)row * aRow), aRow, aCol, ref Unsafe.Add(ref b, col), ldb, ref Unsafe.Add(ref bias, col), hasBias, relu, k);
            for (; row < m; row++)
                BroadcastTile1x4<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + col), ref Unsafe.Add(ref a, (nint)row * aRow), aCol, ref Unsafe.Add(ref b, col), ldb, ref Unsafe.Add(ref bias, col), hasBias, relu, k);
        }

        for (; col < n; col += width)
        {
            // A partial last vector is shifted back to end at n: it recomputes a few columns to identical values.
            int start = Math.Min(col, n - width);
            int row = 0;
            for (; row + TileRows <= m; row += TileRows)
                BroadcastTile4x1<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + start), ldc, ref Unsafe.Add(ref a, (nint)row * aRow), aRow, aCol, ref Unsafe.Add(ref b, start), ldb, ref Unsafe.Add(ref bias, start), hasBias, relu, k);
            for (; row < m; row++)
                BroadcastTile1x1<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + start), ref Unsafe.Add(ref a, (nint)row * aRow), aCol, ref Unsafe.Add(ref b, start), ldb, ref Unsafe.Add(ref bias, start), hasBias, relu, k);
        }
    }

    /// <summary>4 rows x 4 vectors: 4 loads and 4 broadcasts feed 16 FMAs per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile4x4<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector i0 = TSimd.Zero, i1 = TSimd.Zero, i2 = TSimd.Zero, i3 = TSimd.Zero;
        if (hasBias)
        {
            i0 = TSimd.Load(ref bias);
            i1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
            i2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width));
            i3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        }

        TVector c00 = i0, c01 = i1, c02 = i2, c03 = i3;
        TVector c10 = i0, c11 = i1, c12 = i2, c13 = i3;
        TVector c20 = i0, c21 = i1, c22 = i2, c23 = i3;
        TVector c30 = i0, c31 = i1, c32 = i2, c33 = i3;
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, aRow), a2 = ref Unsafe.Add(ref a, 2 * (nint)aRow), a3 = ref Unsafe.Add(ref a, 3 * (nint)aRow);
        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref bp), b1 = TSimd.Load(ref Unsafe.Add(ref bp, width));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), b3 = TSimd.Load(ref Unsafe.Add(ref bp, 3 * width));
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, ap));
            c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01); c02 = TSimd.MultiplyAdd(s, b2, c02); c03 = TSimd.MultiplyAdd(s, b3, c03);
            s = TSimd.Broadcast(Unsafe.Add(ref a1, ap));
            c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11); c12 = TSimd.MultiplyAdd(s, b2, c12); c13 = TSimd.MultiplyAdd(s, b3, c13);
            s = TSimd.Broadcast(Unsafe.Add(ref a2, ap));
            c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21); c22 = TSimd.MultiplyAdd(s, b2, c22); c23 = TSimd.MultiplyAdd(s, b3, c23);
            s = TSimd.Broadcast(Unsafe.Add(ref a3, ap));
            c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31); c32 = TSimd.MultiplyAdd(s, b2, c32); c33 = TSimd.MultiplyAdd(s, b3, c33);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        StoreRow<TSimd, TVector>(ref c, c00, c01, c02, c03, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, relu);
    }

    /// <summary>1 row x 4 vectors (a single sample): every B value is read once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile1x4<TSimd, TVector>(
        ref float c, ref float a, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector c0 = TSimd.Zero, c1 = TSimd.Zero, c2 = TSimd.Zero, c3 = TSimd.Zero;
        if (hasBias)
        {
            c0 = TSimd.Load(ref bias);
            c1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
            c2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width));
            c3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        }

        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, ap));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref bp), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, width)), c1);
            c2 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), c2);
            c3 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 3 * width)), c3);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        StoreRow<TSimd, TVector>(ref c, c0, c1, c2, c3, relu);
    }

    /// <summary>4 rows x 1 vector (remainder columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile4x1<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector init = hasBias ? TSimd.Load(ref bias) : TSimd.Zero;
        TVector c0 = init, c1 = init, c2 = init, c3 = init;
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, aRow), a2 = ref Unsafe.Add(ref a, 2 * (nint)aRow), a3 = ref Unsafe.Add(ref a, 3 * (nint)aRow);
        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            TVector v = TSimd.Load(ref bp);
            c0 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a0, ap)), v, c0);
            c1 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a1, ap)), v, c1);
            c2 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a2, ap)), v, c2);
            c3 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a3, ap)), v, c3);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        TSimd.Store(relu ? TSimd.Max(c0, TSimd.Zero) : c0, ref c);
        TSimd.Store(relu ? TSimd.Max(c1, TSimd.Zero) : c1, ref Unsafe.Add(ref c, ldc));
        TSimd.Store(relu ? TSimd.Max(c2, TSimd.Zero) : c2, ref Unsafe.Add(ref c, 2 * (nint)ldc));
        TSimd.Store(relu ? TSimd.Max(c3, TSimd.Zero) : c3, ref Unsafe.Add(ref c, 3 * (nint)ldc));
    }

    /// <summary>1 row x 1 vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile1x1<TSimd, TVector>(
        ref float c, ref float a, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector c0 = hasBias ? TSimd.Load(ref bias) : TSimd.Zero;
        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            c0 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a, ap)), TSimd.Load(ref bp), c0);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        TSimd.Store(relu ? TSimd.Max(c0, TSimd.Zero) : c0, ref c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TSimd, TVector>(ref float c, TVector c0, TVector c1, TVector c2, TVector c3, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        if (relu)
        {
            c0 = TSimd.Max(c0, TSimd.Zero);
            c1 = TSimd.Max(c1, TSimd.Zero);
            c2 = TSimd.Max(c2, TSimd.Zero);
            c3 = TSimd.Max(c3, TSimd.Zero);
        }

        TSimd.Store(c0, ref c);
        TSimd.Store(c1, ref Unsafe.Add(ref c, width));
        TSimd.Store(c2, ref Unsafe.Add(ref c, 2 * width));
        TSimd.Store(c3, ref Unsafe.Add(ref c, 3 * width));
    }
}
