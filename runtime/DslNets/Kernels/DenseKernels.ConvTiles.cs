using System;
using System.Runtime.CompilerServices;

namespace DslNets.Kernels;

// Register tiles of the convolutions' inference product (ConvKernels' implicit GEMM): the panel tiles of
// DenseKernels.InferenceTiles.cs and DenseKernels.NarrowTiles.cs, except that each of the 6 rows (output pixels)
// reads its own address in the zero-padded input instead of a row of an unfolded columns matrix. With channels last,
// the taps one kernel row of a window covers are one contiguous run of KW * C floats, and the next kernel row's run
// starts a fixed stride further (dilation * padded width * C), the same for every pixel: so a tile walks
// kernelRows runs of rowLength floats per pixel, and the weights [KH * KW * C, O] in order. No columns matrix is
// written or read: on the Fashion-MNIST CNN's second convolution the unfolding alone took about a quarter of the
// product's time and its 14 MB columns matrix (batch 64) was re-read from memory by each block of the product.
public static partial class DenseKernels
{
    /// <summary>
    /// Up to 6 pixels x 4 vectors (64 output channels at AVX-512), 32-register cores: accumulators start from
    /// <paramref name="init"/> (the bias, <paramref name="initRow"/> 0, or the partial sums in C), then for each of
    /// <paramref name="kernelRows"/> kernel rows, <paramref name="rowLength"/> steps of 4 weight loads, 6 broadcasts
    /// and 24 FMAs. Pixel <c>i</c> reads <c>a[oi + r * rowStride + j]</c>; missing pixels (rows &lt; 6) are given the last
    /// pixel's offset by the caller and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ConvTile6x4<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, ref float a, nint o0, nint o1, nint o2, nint o3, nint o4, nint o5,
        nint rowStride, int kernelRows, int rowLength, ref float b, int ldb, int rows, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1), r4 = Math.Min(4, rows - 1), r5 = rows - 1;
        ref float i0 = ref init, i1 = ref Unsafe.Add(ref init, r1 * initRow), i2 = ref Unsafe.Add(ref init, r2 * initRow);
        ref float i3 = ref Unsafe.Add(ref init, r3 * initRow), i4 = ref Unsafe.Add(ref init, r4 * initRow), i5 = ref Unsafe.Add(ref init, r5 * initRow);
        TVector c00 = TSimd.Load(ref i0), c01 = TSimd.Load(ref Unsafe.Add(ref i0, width)), c02 = TSimd.Load(ref Unsafe.Add(ref i0, 2 * width)), c03 = TSimd.Load(ref Unsafe.Add(ref i0, 3 * width));
        TVector c10 = TSimd.Load(ref i1), c11 = TSimd.Load(ref Unsafe.Add(ref i1, width)), c12 = TSimd.Load(ref Unsafe.Add(ref i1, 2 * width)), c13 = TSimd.Load(ref Unsafe.Add(ref i1, 3 * width));
        TVector c20 = TSimd.Load(ref i2), c21 = TSimd.Load(ref Unsafe.Add(ref i2, width)), c22 = TSimd.Load(ref Unsafe.Add(ref i2, 2 * width)), c23 = TSimd.Load(ref Unsafe.Add(ref i2, 3 * width));
        TVector c30 = TSimd.Load(ref i3), c31 = TSimd.Load(ref Unsafe.Add(ref i3, width)), c32 = TSimd.Load(ref Unsafe.Add(ref i3, 2 * width)), c33 = TSimd.Load(ref Unsafe.Add(ref i3, 3 * width));
        TVector c40 = TSimd.Load(ref i4), c41 = TSimd.Load(ref Unsafe.Add(ref i4, width)), c42 = TSimd.Load(ref Unsafe.Add(ref i4, 2 * width)), c43 = TSimd.Load(ref Unsafe.Add(ref i4, 3 * width));
        TVector c50 = TSimd.Load(ref i5), c51 = TSimd.Load(ref Unsafe.Add(ref i5, width)), c52 = TSimd.Load(ref Unsafe.Add(ref i5, 2 * width)), c53 = TSimd.Load(ref Unsafe.Add(ref i5, 3 * width));
        ref float bp = ref b;
        for (int r = 0; r < kernelRows; r++)
        {
            nint shift = r * rowStride;
            ref float a0 = ref Unsafe.Add(ref a, o0 + shift), a1 = ref Unsafe.Add(ref a, o1 + shift), a2 = ref Unsafe.Add(ref a, o2 + shift);
            ref float a3 = ref Unsafe.Add(ref a, o3 + shift), a4 = ref Unsafe.Add(ref a, o4 + shift), a5 = ref Unsafe.Add(ref a, o5 + shift);
            for (nint p = 0; p < rowLength; p++)
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
                s = TSimd.Broadcast(Unsafe.Add(ref a4, p));
                c40 = TSimd.MultiplyAdd(s, b0, c40); c41 = TSimd.MultiplyAdd(s, b1, c41); c42 = TSimd.MultiplyAdd(s, b2, c42); c43 = TSimd.MultiplyAdd(s, b3, c43);
                s = TSimd.Broadcast(Unsafe.Add(ref a5, p));
                c50 = TSimd.MultiplyAdd(s, b0, c50); c51 = TSimd.MultiplyAdd(s, b1, c51); c52 = TSimd.MultiplyAdd(s, b2, c52); c53 = TSimd.MultiplyAdd(s, b3, c53);
                bp = ref Unsafe.Add(ref bp, ldb);
            }
        }

        StoreRow<TSimd, TVector>(ref c, c00, c01, c02, c03, relu);
        if (rows > 1)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, relu);
        if (rows > 2)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, relu);
        if (rows > 3)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, relu);
        if (rows > 4)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 4 * (nint)ldc), c40, c41, c42, c43, relu);
        if (rows > 5)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 5 * (nint)ldc), c50, c51, c52, c53, relu);
    }

    /// <summary>
    /// <see cref="ConvTile6x4{TSimd, TVector}"/> for 2 vectors at columns <paramref name="first"/> and
    /// <paramref name="second"/> (12 accumulators, 2 weight vectors and a broadcast: 15 registers, the 16-register
    /// shape of <see cref="NarrowTile6x2{TSimd, TVector}"/>; also the last columns of a 32-register tile row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ConvTile6x2<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, ref float a, nint o0, nint o1, nint o2, nint o3, nint o4, nint o5,
        nint rowStride, int kernelRows, int rowLength, ref float b, int ldb, int first, int second, int rows, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1), r4 = Math.Min(4, rows - 1), r5 = rows - 1;
        LoadPair<TSimd, TVector>(ref init, first, second, out TVector c00, out TVector c01);
        LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r1 * initRow), first, second, out TVector c10, out TVector c11);
        LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r2 * initRow), first, second, out TVector c20, out TVector c21);
        LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r3 * initRow), first, second, out TVector c30, out TVector c31);
        LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r4 * initRow), first, second, out TVector c40, out TVector c41);
        LoadPair<TSimd, TVector>(ref Unsafe.Add(ref init, r5 * initRow), first, second, out TVector c50, out TVector c51);
        ref float bp = ref b;
        for (int r = 0; r < kernelRows; r++)
        {
            nint shift = r * rowStride;
            ref float a0 = ref Unsafe.Add(ref a, o0 + shift), a1 = ref Unsafe.Add(ref a, o1 + shift), a2 = ref Unsafe.Add(ref a, o2 + shift);
            ref float a3 = ref Unsafe.Add(ref a, o3 + shift), a4 = ref Unsafe.Add(ref a, o4 + shift), a5 = ref Unsafe.Add(ref a, o5 + shift);
            for (nint p = 0; p < rowLength; p++)
            {
                TVector b0 = TSimd.Load(ref Unsafe.Add(ref bp, first)), b1 = TSimd.Load(ref Unsafe.Add(ref bp, second));
                TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, p));
                c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01);
                s = TSimd.Broadcast(Unsafe.Add(ref a1, p));
                c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11);
                s = TSimd.Broadcast(Unsafe.Add(ref a2, p));
                c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21);
                s = TSimd.Broadcast(Unsafe.Add(ref a3, p));
                c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31);
                s = TSimd.Broadcast(Unsafe.Add(ref a4, p));
                c40 = TSimd.MultiplyAdd(s, b0, c40); c41 = TSimd.MultiplyAdd(s, b1, c41);
                s = TSimd.Broadcast(Unsafe.Add(ref a5, p));
                c50 = TSimd.MultiplyAdd(s, b0, c50); c51 = TSimd.MultiplyAdd(s, b1, c51);
                bp = ref Unsafe.Add(ref bp, ldb);
            }
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
}
