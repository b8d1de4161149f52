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
        where TChannels : struct, IDimension =>
        TransposeSamples(output, input, batchSize, TPixels.Value, TChannels.Value);

    /// <summary><c>output[b, p, c] = input[b, c, p]</c>: channels first to channels last.</summary>
    public static void ToChannelsLast<TPixels, TChannels>(Span<float> output, ReadOnlySpan<float> input, int batchSize)
        where TPixels : struct, IDimension
        where TChannels : struct, IDimension =>
        TransposeSamples(output, input, batchSize, TChannels.Value, TPixels.Value);

    /// <summary>Each sample a <c>[rows, columns]</c> matrix in, its transpose <c>[columns, rows]</c> out.</summary>
    private static void TransposeSamples(Span<float> output, ReadOnlySpan<float> input, int batchSize, int rows, int columns)
    {
        int size = rows * columns;
        WindowChecks.CheckLength(input.Length, batchSize * size, nameof(input));
        WindowChecks.CheckLength(output.Length, batchSize * size, nameof(output));
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * size, size);
            Span<float> y = output.Slice(b * size, size);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = x.Slice(r * columns, columns);
                for (int c = 0; c < columns; c++)
                    y[c * rows + r] = row[c];
            }
        }
    }

    /// <summary>
    /// Reorders the rows of a matrix whose rows are indexed by a channels-first feature (<c>c * P + p</c>) to the
    /// channels-last index (<c>p * C + c</c>): <c>output[p * C + c, :] = input[c * P + p, :]</c>, rows of
    /// <paramref name="rowLength"/> values. A dense layer packed as <c>[in, out]</c> then reads channels-last inputs
    /// directly in PyTorch's flatten order.
    /// </summary>
    public static void ToChannelsLastRows<TPixels, TChannels>(Span<float> output, ReadOnlySpan<float> input, int rowLength)
        where TPixels : struct, IDimension
        where TChannels : struct, IDimension
    {
        int pixels = TPixels.Value, channels = TChannels.Value;
        WindowChecks.CheckLength(input.Length, pixels * channels * rowLength, nameof(input));
        WindowChecks.CheckLength(output.Length, pixels * channels * rowLength, nameof(output));
        for (int c = 0; c < channels; c++)
        {
            for (int p = 0; p < pixels; p++)
                input.Slice(((c * pixels) + p) * rowLength, rowLength).CopyTo(output.Slice(((p * channels) + c) * rowLength, rowLength));
        }
    }
}
