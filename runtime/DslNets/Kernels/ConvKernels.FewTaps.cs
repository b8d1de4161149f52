using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DslNets.Kernels;

/// <summary>
/// The inference convolution of a window with few taps (<c>KH * KW * C</c> at most <see cref="FewTapsDepth"/>: a
/// first layer over 1 or 3 image channels), 4 output pixels x 2 vectors of output channels at a time, and with a
/// following non-overlapping max pool folded into the same pass: the 4 pixels of a 2 x 2 window are computed
/// together, reduced by max in registers and stored once, so the unpooled output is never written.
/// </summary>
/// <remarks>
/// <para>
/// Why: with 9 taps the 6-pixel tiles of <see cref="DirectStrip{TSimd, TVector, TWindow, TOut}"/> do 9 steps of
/// work per tile against a fixed cost of 6 tap addresses (two divisions each), 12 accumulator loads and 12 stores;
/// on the Fashion-MNIST CNN's first convolution (28 x 28 x 1 -> 32, 3 x 3) that reached a third of the FMA peak,
/// and the max pool behind it, reading the 100 KB output back, cost as much again (11.0 us fused at batch 1 against
/// 7.0 + 4.4 apart, <c>--profile-cnn 1</c>). Here each step is 2 weight loads, 4 broadcasts and 8 independent FMA
/// chains (the two FMA ports' 4-cycle latency), the tile's setup is 4 offsets, and the pooled output is 1/4 of the
/// stores. 8 accumulators + 2 weights + a broadcast fit AVX2's 16 registers, so both widths run the same tile.
/// </para>
/// <para>
/// Bias and ReLU commute with the max (<c>max(a + b, c + b) = max(a, c) + b</c>, <c>relu(max) = max(relu)</c>), and the
/// accumulators start from the bias and add the taps in the same order as the 6-pixel tiles, so the results are
/// those of the convolution followed by the pool, bit for bit.
/// </para>
/// </remarks>
public static partial class ConvKernels
{
    /// <summary>Most taps per output pixel (<c>KH * KW * C</c>) the few-taps kernel takes; beyond, the 6-pixel tiles reuse each weight load more.</summary>
    private const int FewTapsDepth = 32;

    /// <summary>Pixels per few-taps tile.</summary>
    private const int FewTapsPixels = 4;

    /// <summary>True (a JIT-time constant) when the direct kernel applies and the window has few taps.</summary>
    private static bool SuitsFewTaps<TWindow, TOut>()
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension =>
        SuitsDirect<TWindow, TOut>() && TWindow.WindowHeight * TWindow.WindowWidth * TWindow.Channels <= FewTapsDepth;

    /// <summary>True (a JIT-time constant) when the few-taps kernel applies and <typeparamref name="TPool"/> is a max pool whose windows do not overlap.</summary>
    private static bool SuitsFewTapsPooled<TWindow, TOut, TPool>()
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D =>
        SuitsFewTaps<TWindow, TOut>() && TPool.DilationHeight == 1 && TPool.DilationWidth == 1
        && TPool.StrideHeight >= TPool.WindowHeight && TPool.StrideWidth >= TPool.WindowWidth;

    /// <summary>One padded sample's convolution, 4 pixels at a time (<see cref="SuitsFewTaps{TWindow, TOut}"/>); <c>c</c> is <c>[OH * OW, O]</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FewTapsProduct<TSimd, TVector, TWindow, TOut>(ref float c, ref float a, ref float w, ref float bias, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        int width = TSimd.Count, n = TOut.Value, pixels = TWindow.OutHeight * TWindow.OutWidth, paddedRow = PaddedWidth<TWindow>() * TWindow.Channels;
        for (int col = 0; col < n; col += 2 * width)
        {
            // A partial last vector is shifted back to end at n; a lone last vector is computed twice (identical values).
            nint first = Math.Min(col, n - width), second = Math.Min(col + width, n - width);
            TVector bias0 = TSimd.Load(ref Unsafe.Add(ref bias, first)), bias1 = TSimd.Load(ref Unsafe.Add(ref bias, second));
            for (int q = 0; q < pixels; q += FewTapsPixels)
            {
                // Missing pixels of a last partial tile repeat the last pixel and are not stored.
                int last = Math.Min(q + FewTapsPixels, pixels) - 1;
                FewTapsTile<TSimd, TVector, TWindow, TOut>(
                    ref a, TapOffset<TWindow>(q, paddedRow), TapOffset<TWindow>(Math.Min(q + 1, last), paddedRow), TapOffset<TWindow>(Math.Min(q + 2, last), paddedRow),
                    TapOffset<TWindow>(last, paddedRow), ref w, first, second, bias0, bias1,
                    out TVector c00, out TVector c01, out TVector c10, out TVector c11, out TVector c20, out TVector c21, out TVector c30, out TVector c31);
                ref float row = ref Unsafe.Add(ref c, (nint)q * n);
                StoreFewTaps<TSimd, TVector>(ref row, first, second, c00, c01, relu);
                if (q + 1 <= last)
                    StoreFewTaps<TSimd, TVector>(ref Unsafe.Add(ref row, n), first, second, c10, c11, relu);
                if (q + 2 <= last)
                    StoreFewTaps<TSimd, TVector>(ref Unsafe.Add(ref row, 2 * n), first, second, c20, c21, relu);
                if (q + 3 <= last)
                    StoreFewTaps<TSimd, TVector>(ref Unsafe.Add(ref row, 3 * n), first, second, c30, c31, relu);
            }
        }
    }

    /// <summary>
    /// One padded sample's convolution followed by the max pool <typeparamref name="TPool"/>
    /// (<see cref="SuitsFewTapsPooled{TWindow, TOut, TPool}"/>): per pooled pixel, the window's convolution pixels 4 at a
    /// time, reduced by max; <c>c</c> is <c>[PH * PW, O]</c>. Convolution pixels no window covers are never computed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FewTapsPooled<TSimd, TVector, TWindow, TOut, TPool>(ref float c, ref float a, ref float w, ref float bias, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        int width = TSimd.Count, n = TOut.Value, paddedRow = PaddedWidth<TWindow>() * TWindow.Channels;
        int windowPixels = TPool.WindowHeight * TPool.WindowWidth;
        for (int col = 0; col < n; col += 2 * width)
        {
            nint first = Math.Min(col, n - width), second = Math.Min(col + width, n - width);
            TVector bias0 = TSimd.Load(ref Unsafe.Add(ref bias, first)), bias1 = TSimd.Load(ref Unsafe.Add(ref bias, second));
            for (int py = 0; py < TPool.OutHeight; py++)
            {
                for (int px = 0; px < TPool.OutWidth; px++)
                {
                    int oy = py * TPool.StrideHeight, ox = px * TPool.StrideWidth;
                    // The first group of 4 pixels apart, so that a 2 x 2 window (a constant) has no loop at all.
                    FewTapsGroupMax<TSimd, TVector, TWindow, TOut, TPool>(ref a, oy, ox, 0, paddedRow, ref w, first, second, bias0, bias1, out TVector m0, out TVector m1);
                    for (int k = FewTapsPixels; k < windowPixels; k += FewTapsPixels)
                    {
                        FewTapsGroupMax<TSimd, TVector, TWindow, TOut, TPool>(ref a, oy, ox, k, paddedRow, ref w, first, second, bias0, bias1, out TVector g0, out TVector g1);
                        m0 = TSimd.Max(m0, g0);
                        m1 = TSimd.Max(m1, g1);
                    }

                    StoreFewTaps<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)(py * TPool.OutWidth + px) * n), first, second, m0, m1, relu);
                }
            }
        }
    }

    /// <summary>The max over pixels <c>k .. k + 3</c> of the pool window at convolution pixel (<paramref name="oy"/>, <paramref name="ox"/>), per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FewTapsGroupMax<TSimd, TVector, TWindow, TOut, TPool>(
        ref float a, int oy, int ox, int k, int paddedRow, ref float w, nint first, nint second, TVector bias0, TVector bias1, out TVector max0, out TVector max1)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        // Missing pixels of a last partial group repeat the last pixel: the max does not change.
        int last = Math.Min(k + FewTapsPixels, TPool.WindowHeight * TPool.WindowWidth) - 1;
        FewTapsTile<TSimd, TVector, TWindow, TOut>(
            ref a, PoolTapOffset<TWindow, TPool>(oy, ox, k, paddedRow), PoolTapOffset<TWindow, TPool>(oy, ox, Math.Min(k + 1, last), paddedRow),
            PoolTapOffset<TWindow, TPool>(oy, ox, Math.Min(k + 2, last), paddedRow), PoolTapOffset<TWindow, TPool>(oy, ox, last, paddedRow),
            ref w, first, second, bias0, bias1,
            out TVector c00, out TVector c01, out TVector c10, out TVector c11, out TVector c20, out TVector c21, out TVector c30, out TVector c31);
        max0 = TSimd.Max(TSimd.Max(c00, c10), TSimd.Max(c20, c30));
        max1 = TSimd.Max(TSimd.Max(c01, c11), TSimd.Max(c21, c31));
    }

    /// <summary>
    /// 4 pixels x 2 vectors (columns <paramref name="first"/> and <paramref name="second"/>): the accumulators start
    /// from the bias, then per kernel row, <c>KW * C</c> steps of 2 weight loads, 4 broadcasts and 8 FMAs. Pixel <c>i</c>
    /// reads the run <c>a[oi + r * rowStride ..]</c> of each kernel row <c>r</c>, the weights <c>[KH * KW * C, O]</c> in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FewTapsTile<TSimd, TVector, TWindow, TOut>(
        ref float a, nint o0, nint o1, nint o2, nint o3, ref float w, nint first, nint second, TVector bias0, TVector bias1,
        out TVector c00, out TVector c01, out TVector c10, out TVector c11, out TVector c20, out TVector c21, out TVector c30, out TVector c31)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
    {
        nint n = TOut.Value, rowLength = TWindow.WindowWidth * TWindow.Channels;
        nint rowStride = (nint)TWindow.DilationHeight * PaddedWidth<TWindow>() * TWindow.Channels;
        c00 = bias0; c01 = bias1; c10 = bias0; c11 = bias1; c20 = bias0; c21 = bias1; c30 = bias0; c31 = bias1;
        ref float bp = ref w;
        for (int r = 0; r < TWindow.WindowHeight; r++)
        {
            nint shift = r * rowStride;
            ref float a0 = ref Unsafe.Add(ref a, o0 + shift), a1 = ref Unsafe.Add(ref a, o1 + shift);
            ref float a2 = ref Unsafe.Add(ref a, o2 + shift), a3 = ref Unsafe.Add(ref a, o3 + shift);
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
                bp = ref Unsafe.Add(ref bp, n);
            }
        }
    }

    /// <summary>Stores two vectors of one pixel at columns <paramref name="first"/> and <paramref name="second"/> (second first: where they overlap, both hold the same values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFewTaps<TSimd, TVector>(ref float row, nint first, nint second, TVector v0, TVector v1, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        if (relu)
        {
            v0 = TSimd.Max(v0, TSimd.Zero);
            v1 = TSimd.Max(v1, TSimd.Zero);
        }

        TSimd.Store(v1, ref Unsafe.Add(ref row, second));
        TSimd.Store(v0, ref Unsafe.Add(ref row, first));
    }

    /// <summary>Offset in the padded sample of the first tap of pixel <paramref name="k"/> (row-major) of the pool window at convolution pixel (<paramref name="oy"/>, <paramref name="ox"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint PoolTapOffset<TWindow, TPool>(int oy, int ox, int k, int paddedRow)
        where TWindow : struct, IWindow2D
        where TPool : struct, IWindow2D
    {
        int dy = k / TPool.WindowWidth, dx = k - dy * TPool.WindowWidth;
        return (nint)(oy + dy) * TWindow.StrideHeight * paddedRow + (nint)(ox + dx) * TWindow.StrideWidth * TWindow.Channels;
    }

    /// <summary>The few-taps pooled product at the widest SIMD width the output channels fill (spans checked by the caller).</summary>
    private static void FewTapsPooled<TWindow, TOut, TPool>(Span<float> output, ReadOnlySpan<float> padded, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias, bool relu)
        where TWindow : struct, IWindow2D
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        ref float c = ref MemoryMarshal.GetReference(output), a = ref MemoryMarshal.GetReference(padded);
        ref float w = ref MemoryMarshal.GetReference(packedWeight), bias = ref MemoryMarshal.GetReference(packedBias);
        if (Vector512.IsHardwareAccelerated && TOut.Value >= Vector512<float>.Count)
            FewTapsPooled<Simd512, Vector512<float>, TWindow, TOut, TPool>(ref c, ref a, ref w, ref bias, relu);
        else
            FewTapsPooled<Simd256, Vector256<float>, TWindow, TOut, TPool>(ref c, ref a, ref w, ref bias, relu);
    }
}
