using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DslNets.Kernels;

/// <summary>
/// Pooling over channels-last activations (PyTorch <c>MaxPool2d</c>, <c>AvgPool2d</c>, <c>AdaptiveAvgPool2d(1)</c>),
/// forward and backward side by side. Shapes per batch: input <c>[B, H, W, C]</c>, output <c>[B, OH, OW, C]</c>
/// (<c>[B, C]</c> for global pooling). Each output pixel is built from whole channel rows of its taps
/// (<c>TensorPrimitives</c> over C floats), so every SIMD width the process may use is taken.
/// </summary>
/// <remarks>
/// Output pixel <c>q</c> only reads input pixels at index <c>&gt;= q</c> when there is no padding (the input is at
/// least as large as the output and the stride at least 1), and pixels are produced in order, so without padding
/// the forward kernels may write over their own input (inference does). With padding, input and output must not
/// overlap.
/// </remarks>
public static class PoolKernels
{
    /// <summary>
    /// Max pooling: <c>output[b, oy, ox, c] = max</c> over the window's taps inside the input (padding taps are
    /// ignored, as PyTorch pads with -inf). Every window must hold at least one input tap.
    /// </summary>
    /// <remarks>
    /// With at least a vector of channels the taps are compared a vector at a time in registers (the last partial
    /// vector shifted back to end at C): <c>TensorPrimitives.Max</c> over the 32-64 channels of one tap, called per tap
    /// and pixel, spent more on each call than on the comparisons, and the CNN's first pooling took longer than its
    /// convolution. A NaN tap gives NaN, as in PyTorch and as <c>TensorPrimitives.Max</c> does. Recomputing channels
    /// of a pixel (the shifted last vector) in place is safe: the maximum of a window does not change when one of its
    /// taps is replaced by that maximum.
    /// </remarks>
    public static void MaxPoolForward<TWindow>(Span<float> output, ReadOnlySpan<float> input, int batchSize)
        where TWindow : struct, IWindow2D
    {
        int channels = TWindow.Channels, width = Vector<float>.Count;
        if (!Vector.IsHardwareAccelerated || channels < width)
        {
            ReduceWindows<TWindow, MaxOfTaps>(output, input, batchSize);
            return;
        }

        CheckBuffers<TWindow>(output.Length, input.Length, batchSize);
        ref float x = ref MemoryMarshal.GetReference(input), y = ref MemoryMarshal.GetReference(output);
        for (int b = 0; b < batchSize; b++)
        {
            for (int oy = 0; oy < TWindow.OutHeight; oy++)
            {
                for (int ox = 0; ox < TWindow.OutWidth; ox++)
                {
                    int at = OutputPixel<TWindow>(b, oy, ox) * channels;
                    if (TWindow.PaddingTop == 0 && TWindow.PaddingLeft == 0)
                    {
                        // Every tap is inside: fixed offsets from the window's first tap, no bounds to test.
                        int origin = InputPixel<TWindow>(b, oy * TWindow.StrideHeight, ox * TWindow.StrideWidth) * channels;
                        for (int c0 = 0; c0 < channels; c0 += width)
                        {
                            ref float first = ref Unsafe.Add(ref x, origin + Math.Min(c0, channels - width));
                            MaxOfWindow<TWindow>(ref first).StoreUnsafe(ref y, (nuint)(at + Math.Min(c0, channels - width)));
                        }

                        continue;
                    }

                    for (int c0 = 0; c0 < channels; c0 += width)
                    {
                        int c = Math.Min(c0, channels - width);
                        Vector<float> best = Vector<float>.Zero;
                        bool any = false;
                        for (int ky = 0; ky < TWindow.WindowHeight; ky++)
                        {
                            for (int kx = 0; kx < TWindow.WindowWidth; kx++)
                            {
                                int pixel = TapPixel<TWindow>(b, oy, ox, ky, kx);
                                if (pixel < 0)
                                    continue;
                                Vector<float> value = Vector.LoadUnsafe(ref x, (nuint)(pixel * channels + c));
                                best = any ? MaxOrNaN(best, value) : value;
                                any = true;
                            }
                        }

                        best.StoreUnsafe(ref y, (nuint)(at + c));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The maximum of one channel vector over a window whose taps are all inside the input, <paramref name="first"/>
    /// being the first tap's; NaN in a lane where any tap is NaN. The comparisons are the plain <c>maxps</c> (an IEEE
    /// maximum, what <c>Vector.Max</c> is on .NET 9+, takes several instructions on x86), NaNs gathered in a mask
    /// and applied once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> MaxOfWindow<TWindow>(ref float first)
        where TWindow : struct, IWindow2D
    {
        int channels = TWindow.Channels, rowStep = TWindow.DilationHeight * TWindow.InWidth * channels, tapStep = TWindow.DilationWidth * channels;
        Vector<float> best = Vector.LoadUnsafe(ref first);
        Vector<int> unordered = ~Vector.Equals(best, best);
        for (int ky = 0; ky < TWindow.WindowHeight; ky++)
        {
            for (int kx = ky == 0 ? 1 : 0; kx < TWindow.WindowWidth; kx++)
            {
                Vector<float> value = Vector.LoadUnsafe(ref first, (nuint)(ky * rowStep + kx * tapStep));
                unordered |= ~Vector.Equals(value, value);
#if NET9_0_OR_GREATER
                best = Vector.MaxNative(best, value);
#else
                best = Vector.Max(best, value);
#endif
            }
        }

        return Vector.ConditionalSelect(unordered, new Vector<float>(float.NaN), best);
    }

    /// <summary>The larger lane, or NaN where either lane is NaN (<c>Vector.Max</c> keeps a NaN on .NET 9+, not on .NET 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> MaxOrNaN(Vector<float> left, Vector<float> right)
    {
        Vector<int> ordered = Vector.Equals(left, left) & Vector.Equals(right, right);
        return Vector.ConditionalSelect(ordered, Vector.Max(left, right), left + right);
    }

    /// <summary>
    /// Training max pooling: <see cref="MaxPoolForward{TWindow}(Span{float}, ReadOnlySpan{float}, int)"/>, and in <paramref name="positions"/> (<c>[B, OH, OW, C]</c>)
    /// the input index each maximum came from, the first tap in window order on a tie (as PyTorch picks it) and the
    /// last NaN when the window holds one (the output is then NaN, as in PyTorch), for
    /// <see cref="MaxPoolBackward{TWindow}"/>. Input and output must not overlap.
    /// </summary>
    /// <remarks>
    /// Keeping the positions (one int per output) made the backward pass a scatter: finding each maximum again by
    /// comparing the taps with the output, channel by channel, took a tenth of the CNN's whole training step.
    /// </remarks>
    public static void MaxPoolForward<TWindow>(Span<float> output, Span<int> positions, ReadOnlySpan<float> input, int batchSize)
        where TWindow : struct, IWindow2D
    {
        CheckBuffers<TWindow>(output.Length, input.Length, batchSize);
        int channels = TWindow.Channels, count = batchSize * TWindow.OutHeight * TWindow.OutWidth * channels;
        WindowChecks.CheckLength(positions.Length, count, nameof(positions));
        int width = Vector<float>.Count;
        Span<int> laneIndices = stackalloc int[Vector<int>.Count];
        for (int i = 0; i < laneIndices.Length; i++)
            laneIndices[i] = i;
        var lanes = new Vector<int>(laneIndices);
        for (int b = 0; b < batchSize; b++)
        {
            for (int oy = 0; oy < TWindow.OutHeight; oy++)
            {
                for (int ox = 0; ox < TWindow.OutWidth; ox++)
                {
                    int at = OutputPixel<TWindow>(b, oy, ox) * channels;
                    int c0 = 0;
                    for (; c0 + width <= channels; c0 += width)
                    {
                        Vector<float> best = new(float.NegativeInfinity);
                        Vector<int> where = new(-1);
                        for (int ky = 0; ky < TWindow.WindowHeight; ky++)
                        {
                            for (int kx = 0; kx < TWindow.WindowWidth; kx++)
                            {
                                int pixel = TapPixel<TWindow>(b, oy, ox, ky, kx);
                                if (pixel < 0)
                                    continue;

                                // Strictly greater (and any first tap): the first maximum in window order stays.
                                // A NaN always takes over, so the output is NaN and its gradient goes to the last
                                // NaN in window order, as PyTorch's `val > maxval || isnan(val)`.
                                int tap = pixel * channels + c0;
                                Vector<float> value = new(input.Slice(tap, width));
                                Vector<int> larger = Vector.GreaterThan(value, best) | ~Vector.Equals(value, value) | Vector.LessThan(where, Vector<int>.Zero);
                                best = Vector.ConditionalSelect(larger, value, best);
                                where = Vector.ConditionalSelect(larger, new Vector<int>(tap) + lanes, where);
                            }
                        }

                        best.CopyTo(output.Slice(at + c0, width));
                        where.CopyTo(positions.Slice(at + c0, width));
                    }

                    for (int c = c0; c < channels; c++)
                    {
                        float max = float.NegativeInfinity;
                        int index = -1;
                        for (int ky = 0; ky < TWindow.WindowHeight; ky++)
                        {
                            for (int kx = 0; kx < TWindow.WindowWidth; kx++)
                            {
                                int pixel = TapPixel<TWindow>(b, oy, ox, ky, kx);
                                if (pixel < 0)
                                    continue;
                                int tap = pixel * channels + c;
                                if (input[tap] > max || float.IsNaN(input[tap]) || index < 0)
                                {
                                    max = input[tap];
                                    index = tap;
                                }
                            }
                        }

                        output[at + c] = max;
                        positions[at + c] = index;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Gradient of the training <see cref="MaxPoolForward{TWindow}(Span{float}, Span{int}, ReadOnlySpan{float}, int)"/>:
    /// each output gradient goes to the input position the forward pass kept; <paramref name="inputGradient"/> is overwritten.
    /// </summary>
    public static void MaxPoolBackward<TWindow>(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> positions, int batchSize)
        where TWindow : struct, IWindow2D
    {
        CheckBuffers<TWindow>(outputGradient.Length, inputGradient.Length, batchSize);
        int count = batchSize * TWindow.OutHeight * TWindow.OutWidth * TWindow.Channels;
        WindowChecks.CheckLength(positions.Length, count, nameof(positions));
        inputGradient.Slice(0, batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels).Clear();
        for (int i = 0; i < count; i++)
        {
            int position = positions[i];
            if (position >= 0)
                inputGradient[position] += outputGradient[i];
        }
    }

    /// <summary>
    /// Average pooling with padding counted (PyTorch's default <c>count_include_pad=True</c>):
    /// <c>output = sum of the taps inside the input / (KH * KW)</c>.
    /// </summary>
    public static void AvgPoolForward<TWindow>(Span<float> output, ReadOnlySpan<float> input, int batchSize)
        where TWindow : struct, IWindow2D
    {
        ReduceWindows<TWindow, SumOfTaps>(output, input, batchSize);
        Span<float> y = output.Slice(0, batchSize * TWindow.OutHeight * TWindow.OutWidth * TWindow.Channels);
        TensorPrimitives.Multiply(y, 1f / (TWindow.WindowHeight * TWindow.WindowWidth), y);
    }

    /// <summary>Gradient of <see cref="AvgPoolForward{TWindow}"/>: each tap inside the input receives <c>dOutput / (KH * KW)</c>; overwritten.</summary>
    public static void AvgPoolBackward<TWindow>(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, int batchSize)
        where TWindow : struct, IWindow2D
    {
        CheckBuffers<TWindow>(outputGradient.Length, inputGradient.Length, batchSize);
        int channels = TWindow.Channels;
        float scale = 1f / (TWindow.WindowHeight * TWindow.WindowWidth);
        inputGradient.Slice(0, batchSize * TWindow.InHeight * TWindow.InWidth * channels).Clear();
        for (int b = 0; b < batchSize; b++)
        {
            for (int oy = 0; oy < TWindow.OutHeight; oy++)
            {
                for (int ox = 0; ox < TWindow.OutWidth; ox++)
                {
                    ReadOnlySpan<float> dy = outputGradient.Slice(OutputPixel<TWindow>(b, oy, ox) * channels, channels);
                    for (int ky = 0; ky < TWindow.WindowHeight; ky++)
                    {
                        for (int kx = 0; kx < TWindow.WindowWidth; kx++)
                        {
                            int pixel = TapPixel<TWindow>(b, oy, ox, ky, kx);
                            if (pixel < 0)
                                continue;
                            Span<float> dx = inputGradient.Slice(pixel * channels, channels);
                            TensorPrimitives.MultiplyAdd(dy, scale, dx, dx);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Global average pooling: <c>output[b, c] = mean over the P pixels of input[b, p, c]</c>. Shapes: input
    /// <c>[B, P, C]</c>, output <c>[B, C]</c> (the same values as PyTorch's <c>[B, C, 1, 1]</c> flattened). In place allowed.
    /// </summary>
    public static void GlobalAvgPoolForward<TPixels, TChannels>(Span<float> output, ReadOnlySpan<float> input, int batchSize)
        where TPixels : struct, IDimension
        where TChannels : struct, IDimension
    {
        int pixels = TPixels.Value, channels = TChannels.Value;
        WindowChecks.CheckLength(input.Length, batchSize * pixels * channels, nameof(input));
        WindowChecks.CheckLength(output.Length, batchSize * channels, nameof(output));
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> sample = input.Slice(b * pixels * channels, pixels * channels);
            Span<float> y = output.Slice(b * channels, channels);
            sample.Slice(0, channels).CopyTo(y);
            for (int p = 1; p < pixels; p++)
                TensorPrimitives.Add(y, sample.Slice(p * channels, channels), y);
            TensorPrimitives.Multiply(y, 1f / pixels, y);
        }
    }

    /// <summary>Gradient of <see cref="GlobalAvgPoolForward{TPixels, TChannels}"/>: <c>inputGradient[b, p, c] = outputGradient[b, c] / P</c>.</summary>
    public static void GlobalAvgPoolBackward<TPixels, TChannels>(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, int batchSize)
        where TPixels : struct, IDimension
        where TChannels : struct, IDimension
    {
        int pixels = TPixels.Value, channels = TChannels.Value;
        WindowChecks.CheckLength(inputGradient.Length, batchSize * pixels * channels, nameof(inputGradient));
        WindowChecks.CheckLength(outputGradient.Length, batchSize * channels, nameof(outputGradient));
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> dy = outputGradient.Slice(b * channels, channels);
            Span<float> sample = inputGradient.Slice(b * pixels * channels, pixels * channels);
            TensorPrimitives.Multiply(dy, 1f / pixels, sample.Slice(0, channels));
            for (int p = 1; p < pixels; p++)
                sample.Slice(0, channels).CopyTo(sample.Slice(p * channels, channels));
        }
    }

    /// <summary>
    /// <c>output[b, oy, ox, :] = TReduce</c> over the window's taps inside the input, channel vectors at a time; zero
    /// where no tap is inside. In place allowed when every window starts at or after its own output pixel (no padding).
    /// </summary>
    private static void ReduceWindows<TWindow, TReduce>(Span<float> output, ReadOnlySpan<float> input, int batchSize)
        where TWindow : struct, IWindow2D
        where TReduce : struct, ITapReduction
    {
        CheckBuffers<TWindow>(output.Length, input.Length, batchSize);
        int channels = TWindow.Channels;
        for (int b = 0; b < batchSize; b++)
        {
            for (int oy = 0; oy < TWindow.OutHeight; oy++)
            {
                for (int ox = 0; ox < TWindow.OutWidth; ox++)
                {
                    Span<float> y = output.Slice(OutputPixel<TWindow>(b, oy, ox) * channels, channels);
                    bool first = true;
                    for (int ky = 0; ky < TWindow.WindowHeight; ky++)
                    {
                        for (int kx = 0; kx < TWindow.WindowWidth; kx++)
                        {
                            int tap = TapPixel<TWindow>(b, oy, ox, ky, kx);
                            if (tap < 0)
                                continue;
                            ReadOnlySpan<float> x = input.Slice(tap * channels, channels);
                            if (first)
                                x.CopyTo(y);
                            else
                                TReduce.Combine(y, x);
                            first = false;
                        }
                    }

                    if (first)
                        y.Clear();
                }
            }
        }
    }

    /// <summary>How <see cref="ReduceWindows{TWindow, TReduce}"/> folds one more tap into the output pixel.</summary>
    private interface ITapReduction
    {
        static abstract void Combine(Span<float> y, ReadOnlySpan<float> x);
    }

    private readonly struct MaxOfTaps : ITapReduction
    {
        public static void Combine(Span<float> y, ReadOnlySpan<float> x) => TensorPrimitives.Max(y, x, y);
    }

    private readonly struct SumOfTaps : ITapReduction
    {
        public static void Combine(Span<float> y, ReadOnlySpan<float> x) => TensorPrimitives.Add(y, x, y);
    }

    /// <summary>The input pixel that tap (ky, kx) of output pixel (oy, ox) reads, or -1 where it falls in the padding.</summary>
    private static int TapPixel<TWindow>(int b, int oy, int ox, int ky, int kx)
        where TWindow : struct, IWindow2D
    {
        int iy = oy * TWindow.StrideHeight - TWindow.PaddingTop + ky * TWindow.DilationHeight;
        int ix = ox * TWindow.StrideWidth - TWindow.PaddingLeft + kx * TWindow.DilationWidth;
        return (uint)iy < (uint)TWindow.InHeight && (uint)ix < (uint)TWindow.InWidth ? InputPixel<TWindow>(b, iy, ix) : -1;
    }

    private static int OutputPixel<TWindow>(int b, int oy, int ox)
        where TWindow : struct, IWindow2D =>
        (b * TWindow.OutHeight + oy) * TWindow.OutWidth + ox;

    private static int InputPixel<TWindow>(int b, int iy, int ix)
        where TWindow : struct, IWindow2D =>
        (b * TWindow.InHeight + iy) * TWindow.InWidth + ix;

    private static void CheckBuffers<TWindow>(int outputLength, int inputLength, int batchSize)
        where TWindow : struct, IWindow2D
    {
        WindowChecks.CheckLength(outputLength, batchSize * TWindow.OutHeight * TWindow.OutWidth * TWindow.Channels, "output");
        WindowChecks.CheckLength(inputLength, batchSize * TWindow.InHeight * TWindow.InWidth * TWindow.Channels, "input");
    }
}
