using System;

namespace DslNets.Kernels;

/// <summary>
/// Moves activations between PyTorch's channels-first order, which the API, the state dicts and <c>Flatten</c> use
/// (<c>[B, C, H, W]</c>), and the channels-last order the convolution and pooling kernels compute in
/// (<c>[B, H, W, C]</c>). Shapes with <c>P = H * W</c> pixels: <c>[B, C, P]</c> and <c>[B, P, C]</c>.
/// </summary>
public static class LayoutKernels
{
    /// <summary><c>output[b, c, p] = input[b, p, c]</c>: channels last to channels first (PyTorch's flatten order).</summary>
    public static void ToChannelsFirst<TPixels, TChannels>(Span<float> output, ReadOnlySpan<float> input, int batchSize)
        where TPixels : struct, IDimension
        where TChannels : struct, IDimension
    {
        int pixels = TPixels.Value, channels = TChannels.Value, size = pixels * channels;
        WindowChecks.CheckLength(input.Length, batchSize * size, nameof(input));
        WindowChecks.CheckLength(output.Length, batchSize * size, nameof(output));
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * size, size);
            Span<float> y = output.Slice(b * size, size);
            for (int p = 0; p < pixels; p++)
            {
                ReadOnlySpan<float> pixel = x.Slice(p * channels, channels);
                for (int c = 0; c < channels; c++)
                    y[c * pixels + p] = pixel[c];
            }
        }
    }

    /// <summary><c>output[b, p, c] = input[b, c, p]</c>: channels first to channels last.</summary>
    public static void ToChannelsLast<TPixels, TChannels>(Span<float> output, ReadOnlySpan<float> input, int batchSize)
        where TPixels : struct, IDimension
        where TChannels : struct, IDimension
    {
        int pixels = TPixels.Value, channels = TChannels.Value, size = pixels * channels;
        WindowChecks.CheckLength(input.Length, batchSize * size, nameof(input));
        WindowChecks.CheckLength(output.Length, batchSize * size, nameof(output));
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * size, size);
            Span<float> y = output.Slice(b * size, size);
            for (int p = 0; p < pixels; p++)
            {
                Span<float> pixel = y.Slice(p * channels, channels);
                for (int c = 0; c < channels; c++)
                    pixel[c] = x[c * pixels + p];
            }
        }
    }
}
