using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DslNets.Kernels;

// Register tiles for cores with 16 vector registers: AVX2 without AVX-512 (Haswell to Zen 3, most laptops and many
// cloud VMs), or an AVX-512 core run with AVX-512 disabled (DOTNET_EnableAVX512=0 on .NET 10, DOTNET_EnableAVX512F=0
// on .NET 8). The 4 x 4 tiles of DenseKernels.GemmTiles.cs and DenseKernels.InferenceTiles.cs hold 16 accumulators
// plus their operands, which fits AVX-512's 32 registers but not 16 ymm: the JIT spills accumulators to the stack in
// the inner loop. Here the broadcast products that read B in place (NarrowGemm: the inference forward over packed
// weights, and the input and weight gradients that do not pack) run 4 rows x 3 vectors (4 x 24 floats; the
// packed-panel products of DenseKernels.Panels.cs keep 2-vector panels and the 6 x 16 tile below): 12 accumulators, 3
// weight vectors and 1 broadcast = 16 registers, 12 independent FMA chains (an FMA's 4-5 cycle latency on 2 ports
// needs 8-10), and 3 loads + 4 broadcasts per 12 FMAs. The last n % 24 columns run 6 rows x 2 vectors (6 x 16, the
// Haswell shape of MLAS and BLIS: 2 loads + 6 broadcasts per 12 FMAs). Measured on Zen 4 with AVX-512 disabled (the
// same FMA peak on both widths there): the 6 x 16 tile took 6.9 cycles per 12-FMA step where two FMA pipes need 6.0,
// whatever the reduction block; 4 x 24 took the batch-64 784x256 inference product from 254-265 to 233-254 us, and
// the MLP's batch-64 Predict against ONNX Runtime from 1.07-1.24x to 1.01-1.07x (ratio of bests, six alternated pairs
// of runs). Both tiles give each output the same sum in the same order, so the results are the same bits. The
// reduction dimension is cut into blocks of at most NarrowDepth rows, so the strip of B a tile walks (NarrowDepth x
// 96 B = 24 KB) stays in L1 while every row tile of the batch runs over it; partial sums wait in C between blocks
// (the first block starts from the bias or zero, the last one applies the activation), as the 32-register panel
// kernel does. The training forward (dot tiles over W [O, I], lanes summed at the end) runs 4 samples x 3 weight
// rows: 12 accumulators, 3 weight vectors and 1 sample vector.
public static partial class DenseKernels
{
    /// <summary>Reduction rows per L1 block of the narrow tiles: 256 rows x 3 ymm vectors = 24 KB.</summary>
    private const int NarrowDepth = 256;

    /// <summary>Rows per narrow tile.</summary>
    internal const int NarrowRows = 6;

    /// <summary>Rows per 4 x 24 narrow tile.</summary>
    internal const int WideRows = 4;

    /// <summary>
    /// True (a JIT-time constant) when the kernel runs 256-bit vectors with only 16 vector registers, the case the
    /// narrow tiles are for. Internal so the tests can tell which path they exercised.
    /// </summary>
    internal static bool HasSixteenRegisters<TSimd>()
        where TSimd : struct => typeof(TSimd) == typeof(Simd256) && !Avx512F.IsSupported;

    /// <summary>The inference product: narrow tiles with 16 registers and at least 3 samples, else the panel kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InferenceProduct<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool relu, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        // One or two samples stream the weights once through the single-row kernel, which is memory-bound anyway.
        if (HasSixteenRegisters<TSimd>() && m >= 3)
            NarrowGemm<TSimd, TVector>(ref c, n, ref x, k, 1, ref w, n, ref bias, true, relu, m, n, k);
        else
            InferenceGemm<TSimd, TVector>(ref c, ref x, ref w, ref bias, relu, m, n, k);
    }

    /// <summary>The gradient products (<c>C = A B</c>, A read through strides): narrow tiles with 16 registers, else the 4 x 4 broadcast tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastProduct<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        if (HasSixteenRegisters<TSimd>() && m >= 3)
            NarrowGemm<TSimd, TVector>(ref c, ldc, ref a, aRow, aCol, ref b, ldb, ref Unsafe.NullRef<float>(), false, false, m, n, k);
        else
            BroadcastGemm<TSimd, TVector>(ref c, ldc, ref a, aRow, aCol, ref b, ldb, ref Unsafe.NullRef<float>(), false, false, m, n, k);
    }

    /// <summary>The training forward <c>C = X W^T + bias</c>: 4 x 3 dot tiles with 16 registers, else the 4 x 4 dot tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotProduct<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool hasBias, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        if (!HasSixteenRegisters<TSimd>())
        {
            DotGemm<TSimd, TVector>(ref c, ref x, ref w, ref bias, hasBias, m, n, k);
            return;
        }

        int row = 0;
        for (; row + 4 <= m; row += 4)
        {
            ref float xRow = ref Unsafe.Add(ref x, (nint)row * k);
            ref float cRow = ref Unsafe.Add(ref c, (nint)row * n);
            int col = 0;
            for (; col + 3 <= n; col += 3)
                NarrowDotTile4x3<TSimd, TVector>(ref Unsafe.Add(ref cRow, col), n, ref xRow, ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            for (; col < n; col++)
            {
                for (int r = 0; r < 4; r++)
                    DotTile1x1<TSimd, TVector>(ref Unsafe.Add(ref cRow, (nint)r * n + col), ref Unsafe.Add(ref xRow, (nint)r * k), ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            }
        }

        // The last 1-3 samples: the 1 x 4 tile (4 accumulators) fits 16 registers as it is.
        if (row < m)
            DotGemm<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * n), ref Unsafe.Add(ref x, (nint)row * k), ref w, ref bias, hasBias, m - row, n, k);
    }

    /// <summary>4 samples x 3 weight rows: 7 loads feed 12 FMAs per step; lanes are summed once at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NarrowDotTile4x3<TSimd, TVector>(ref float c, int ldc, ref float x, ref float w, ref float bias, bool hasBias, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        ref float x0 = ref x, x1 = ref Unsafe.Add(ref x, k), x2 = ref Unsafe.Add(ref x, 2 * (nint)k), x3 = ref Unsafe.Add(ref x, 3 * (nint)k);
        ref float w0 = ref w, w1 = ref Unsafe.Add(ref w, k), w2 = ref Unsafe.Add(ref w, 2 * (nint)k);
        TVector c00 = TSimd.Zero, c01 = TSimd.Zero, c02 = TSimd.Zero, c10 = TSimd.Zero, c11 = TSimd.Zero, c12 = TSimd.Zero;
        TVector c20 = TSimd.Zero, c21 = TSimd.Zero, c22 = TSimd.Zero, c30 = TSimd.Zero, c31 = TSimd.Zero, c32 = TSimd.Zero;
        int width = TSimd.Count;
        int p = 0;
        int remainder = k % width;
        // The last step, when k is not a multiple of the width, is the full vector ending at k with the already
        // summed lanes of the samples zeroed (as in DotTile4x4).
        int steps = k / width + (remainder != 0 ? 1 : 0);
        for (int step = 0; step < steps; step++)
        {
            bool partial = step == steps - 1 && remainder != 0;
            p = partial ? k - width : step * width;
            TVector b0 = TSimd.Load(ref Unsafe.Add(ref w0, p)), b1 = TSimd.Load(ref Unsafe.Add(ref w1, p)), b2 = TSimd.Load(ref Unsafe.Add(ref w2, p));
            TVector a = TSimd.Load(ref Unsafe.Add(ref x0, p));
            if (partial)
                a = TSimd.KeepLast(a, remainder);
            c00 = TSimd.MultiplyAdd(a, b0, c00); c01 = TSimd.MultiplyAdd(a, b1, c01); c02 = TSimd.MultiplyAdd(a, b2, c02);
            a = TSimd.Load(ref Unsafe.Add(ref x1, p));
            if (partial)
                a = TSimd.KeepLast(a, remainder);
            c10 = TSimd.MultiplyAdd(a, b0, c10); c11 = TSimd.MultiplyAdd(a, b1, c11); c12 = TSimd.MultiplyAdd(a, b2, c12);
            a = TSimd.Load(ref Unsafe.Add(ref x2, p));
            if (partial)
                a = TSimd.KeepLast(a, remainder);
            c20 = TSimd.MultiplyAdd(a, b0, c20); c21 = TSimd.MultiplyAdd(a, b1, c21); c22 = TSimd.MultiplyAdd(a, b2, c22);
            a = TSimd.Load(ref Unsafe.Add(ref x3, p));
            if (partial)
                a = TSimd.KeepLast(a, remainder);
            c30 = TSimd.MultiplyAdd(a, b0, c30); c31 = TSimd.MultiplyAdd(a, b1, c31); c32 = TSimd.MultiplyAdd(a, b2, c32);
        }

        Vector128<float> biases = hasBias ? Vector128.Create(bias, Unsafe.Add(ref bias, 1), Unsafe.Add(ref bias, 2), 0f) : Vector128<float>.Zero;
        StoreThree(ref c, TSimd.Sum4(c00, c01, c02, TSimd.Zero) + biases);
        StoreThree(ref Unsafe.Add(ref c, ldc), TSimd.Sum4(c10, c11, c12, TSimd.Zero) + biases);
        StoreThree(ref Unsafe.Add(ref c, 2 * (nint)ldc), TSimd.Sum4(c20, c21, c22, TSimd.Zero) + biases);
        StoreThree(ref Unsafe.Add(ref c, 3 * (nint)ldc), TSimd.Sum4(c30, c31, c32, TSimd.Zero) + biases);
    }

    /// <summary>The first three lanes (a fourth store would write the next tile's column, or past the row's end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreThree(ref float c, Vector128<float> sums)
    {
        c = sums.GetElement(0);
        Unsafe.Add(ref c, 1) = sums.GetElement(1);
        Unsafe.Add(ref c, 2) = sums.GetElement(2);
    }

    /// <summary>
    /// <c>C[m, 0:n] = act(init + sum_k A[m, k] * B[k, 0:n])</c> with <c>A[m, k]</c> at <c>a + m * aRow + k * aCol</c>,
    /// init the bias row (<paramref name="hasBias"/>) or zero. Needs <c>n &gt;= TSimd.Count</c>: a partial last strip is
    /// shifted back to end at n and recomputes a few columns to identical values.
    /// </summary>
    private static void NarrowGemm<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        int blocks = (k + NarrowDepth - 1) / NarrowDepth;
        int depth = (k + blocks - 1) / blocks;
        for (int col = 0; col < n;)
        {
            // Strips of 3 vectors for 4 x 24 tiles; the last n % (3 vectors) columns in strips of 2 for 6 x 16 tiles,
            // a partial last vector shifted back to end at n.
            bool wide = col + 3 * width <= n;
            int first = Math.Min(col, n - width), second = Math.Min(col + width, n - width);
            int tileRows = wide ? WideRows : NarrowRows;
            for (int p0 = 0; p0 < k; p0 += depth)
            {
                int kc = Math.Min(depth, k - p0);
                bool firstBlock = p0 == 0, lastBlock = p0 + kc == k;
                ref float strip = ref Unsafe.Add(ref b, (nint)p0 * ldb);
                ref float aBlock = ref Unsafe.Add(ref a, (nint)p0 * aCol);
                for (int row = 0; row < m; row += tileRows)
                {
                    ref float cTile = ref Unsafe.Add(ref c, (nint)row * ldc);
                    ref float init = ref firstBlock ? ref bias : ref cTile;
                    nint initRow = firstBlock ? 0 : ldc;
                    bool zero = firstBlock && !hasBias;
                    ref float aTile = ref Unsafe.Add(ref aBlock, (nint)row * aRow);
                    int rows = Math.Min(tileRows, m - row);
                    if (wide)
                    {
                        NarrowTile4x3<TSimd, TVector>(
                            ref Unsafe.Add(ref cTile, col), ldc, ref Unsafe.Add(ref init, col), initRow, zero, ref aTile, aRow, aCol,
                            ref Unsafe.Add(ref strip, col), ldb, rows, relu && lastBlock, kc);
                    }
                    else
                    {
                        NarrowTile6x2<TSimd, TVector>(
                            ref cTile, ldc, ref init, initRow, zero, ref aTile, aRow, aCol, ref strip, ldb, first, second, rows, relu && lastBlock, kc);
                    }
                }
            }

            col += wide ? 3 * width : 2 * width;
        }
    }

    /// <summary>
    /// Up to 6 rows x 2 vectors (columns <paramref name="first"/> and <paramref name="second"/>) over
    /// <paramref name="k"/> reduction steps. Accumulators start at zero (<paramref name="zero"/>) or from
    /// <paramref name="init"/> (the bias, <paramref name="initRow"/> 0, or C's partial sums, <paramref name="initRow"/>
    /// = ldc). With <paramref name="rows"/> &lt; 6 the missing rows repeat the last one and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NarrowTile6x2<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, bool zero, ref float a, int aRow, int aCol, ref float b, int ldb,
        int first, int second, int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1), r4 = Math.Min(4, rows - 1), r5 = rows - 1;
        TVector c00 = TSimd.Zero, c01 = TSimd.Zero, c10 = TSimd.Zero, c11 = TSimd.Zero, c20 = TSimd.Zero, c21 = TSimd.Zero;
        TVector c30 = TSimd.Zero, c31 = TSimd.Zero, c40 = TSimd.Zero, c41 = TSimd.Zero, c50 = TSimd.Zero, c51 = TSimd.Zero;
        if (!zero)
        {
            LoadPair<TSimd, TVector>(ref init, first, second, out c00, out c01);
            LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r1 * initRow), first, second, out c10, out c11);
            LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r2 * initRow), first, second, out c20, out c21);
            LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r3 * initRow), first, second, out c30, out c31);
            LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r4 * initRow), first, second, out c40, out c41);
            LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r5 * initRow), first, second, out c50, out c51);
        }

        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, r1 * aRow), a2 = ref Unsafe.Add(ref a, r2 * aRow);
        ref float a3 = ref Unsafe.Add(ref a, r3 * aRow), a4 = ref Unsafe.Add(ref a, r4 * aRow), a5 = ref Unsafe.Add(ref a, r5 * aRow);
        ref float bp = ref b;
        nint ak = 0;
        for (int p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref Unsafe.Add(ref bp, first)), b1 = TSimd.Load(ref Unsafe.Add(ref bp, second));
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, ak));
            c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01);
            s = TSimd.Broadcast(Unsafe.Add(ref a1, ak));
            c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11);
            s = TSimd.Broadcast(Unsafe.Add(ref a2, ak));
            c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21);
            s = TSimd.Broadcast(Unsafe.Add(ref a3, ak));
            c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31);
            s = TSimd.Broadcast(Unsafe.Add(ref a4, ak));
            c40 = TSimd.MultiplyAdd(s, b0, c40); c41 = TSimd.MultiplyAdd(s, b1, c41);
            s = TSimd.Broadcast(Unsafe.Add(ref a5, ak));
            c50 = TSimd.MultiplyAdd(s, b0, c50); c51 = TSimd.MultiplyAdd(s, b1, c51);
            bp = ref Unsafe.Add(ref bp, ldb);
            ak += aCol;
        }

        StorePair<TSimd, TVector>(ref c, first, second, c00, c01, relu);
        if (rows > 1)
            StorePair<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), first, second, c10, c11, relu);
        if (rows > 2)
            StorePair<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), first, second, c20, c21, relu);
        if (rows > 3)
            StorePair<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), first, second, c30, c31, relu);
        if (rows > 4)
            StorePair<TSimd, TVector>(ref Unsafe.Add(ref c, 4 * (nint)ldc), first, second, c40, c41, relu);
        if (rows > 5)
            StorePair<TSimd, TVector>(ref Unsafe.Add(ref c, 5 * (nint)ldc), first, second, c50, c51, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadPair<TSimd, TVector>(ref float row, int first, int second, out TVector v0, out TVector v1)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        v0 = TSimd.Load(ref Unsafe.Add(ref row, first));
        v1 = TSimd.Load(ref Unsafe.Add(ref row, second));
    }
    /// <summary>
    /// Up to 4 rows x 3 vectors (columns 0 to 3 vectors of <paramref name="b"/> and <paramref name="c"/>) over
    /// <paramref name="k"/> reduction steps: 3 loads and 4 broadcasts feed 12 FMAs per step, in 16 registers.
    /// Accumulators start at zero (<paramref name="zero"/>) or from <paramref name="init"/> (the bias,
    /// <paramref name="initRow"/> 0, or C's partial sums, <paramref name="initRow"/> = ldc). With
    /// <paramref name="rows"/> &lt; 4 the missing rows repeat the last one and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NarrowTile4x3<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, bool zero, ref float a, int aRow, int aCol, ref float b, int ldb,
        int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = rows - 1;
        TVector c00 = TSimd.Zero, c01 = TSimd.Zero, c02 = TSimd.Zero, c10 = TSimd.Zero, c11 = TSimd.Zero, c12 = TSimd.Zero;
        TVector c20 = TSimd.Zero, c21 = TSimd.Zero, c22 = TSimd.Zero, c30 = TSimd.Zero, c31 = TSimd.Zero, c32 = TSimd.Zero;
        if (!zero)
        {
            LoadRow3<TSimd, TVector>(ref init, out c00, out c01, out c02);
            LoadRow3<TSimd, TVector>(ref Unsafe.Add(ref init, r1 * initRow), out c10, out c11, out c12);
            LoadRow3<TSimd, TVector>(ref Unsafe.Add(ref init, r2 * initRow), out c20, out c21, out c22);
            LoadRow3<TSimd, TVector>(ref Unsafe.Add(ref init, r3 * initRow), out c30, out c31, out c32);
        }

        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, r1 * aRow), a2 = ref Unsafe.Add(ref a, r2 * aRow), a3 = ref Unsafe.Add(ref a, r3 * aRow);
        ref float bp = ref b;
        nint ak = 0;
        for (int p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref bp), b1 = TSimd.Load(ref Unsafe.Add(ref bp, width)), b2 = TSimd.Load(ref Unsafe.Add(ref bp, 2 * width));
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, ak));
            c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01); c02 = TSimd.MultiplyAdd(s, b2, c02);
            s = TSimd.Broadcast(Unsafe.Add(ref a1, ak));
            c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11); c12 = TSimd.MultiplyAdd(s, b2, c12);
            s = TSimd.Broadcast(Unsafe.Add(ref a2, ak));
            c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21); c22 = TSimd.MultiplyAdd(s, b2, c22);
            s = TSimd.Broadcast(Unsafe.Add(ref a3, ak));
            c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31); c32 = TSimd.MultiplyAdd(s, b2, c32);
            bp = ref Unsafe.Add(ref bp, ldb);
            ak += aCol;
        }

        StoreRow3<TSimd, TVector>(ref c, c00, c01, c02, relu);
        if (rows > 1)
            StoreRow3<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, relu);
        if (rows > 2)
            StoreRow3<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, relu);
        if (rows > 3)
            StoreRow3<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRow3<TSimd, TVector>(ref float row, out TVector v0, out TVector v1, out TVector v2)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        v0 = TSimd.Load(ref row);
        v1 = TSimd.Load(ref Unsafe.Add(ref row, TSimd.Count));
        v2 = TSimd.Load(ref Unsafe.Add(ref row, 2 * TSimd.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow3<TSimd, TVector>(ref float row, TVector v0, TVector v1, TVector v2, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        StorePair<TSimd, TVector>(ref row, 0, TSimd.Count, v0, v1, relu);
        TSimd.Store(relu ? TSimd.Max(v2, TSimd.Zero) : v2, ref Unsafe.Add(ref row, 2 * TSimd.Count));
    }
}
