using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DslNets.Kernels;

/// <summary>
/// Training-time noise layers. Each draws a multiplicative mask from a <see cref="SeededRandom"/>, then
/// <c>y = x * mask</c>; backward is <c>dx = dy * mask</c> (<see cref="ApplyMask"/> serves both). In evaluation all
/// of them are the identity, so inference never calls these.
/// </summary>
public static class NoiseKernels
{
    /// <summary>
    /// Inverted dropout mask: each entry is <c>1 / (1 - p)</c> with probability <c>1 - p</c>, else 0
    /// (<paramref name="dropProbability"/> is the probability to drop).
    /// </summary>
    public static void DropoutMask(Span<float> mask, ref SeededRandom random, float dropProbability, int count)
    {
        float scale = 1f / (1f - dropProbability);
        // Entry i drops when NextSingle() = r * 2^-24 < p, r the top 24 bits of a draw; as integers that is
        // r < ceil(p * 2^24) (the product is exact), so the test is an integer compare, and the stored value is the
        // scale's bits or zero without a branch (a dropout mask is as unpredictable as a branch can be: at p = 0.3
        // the mispredictions cost three times the draws). Same generator stream, same masks as NextSingle() < p.
        uint threshold = (uint)MathF.Ceiling(dropProbability * 16777216f);
        uint scaleBits = BitConverter.SingleToUInt32Bits(scale);
        // A local copy of the generator lives in registers; through the ref every draw went to memory and back.
        SeededRandom local = random;
        Span<uint> values = MemoryMarshal.Cast<float, uint>(mask.Slice(0, count));
        for (int i = 0; i < values.Length; i++)
        {
            uint r = local.NextUInt32() >> 8;
            uint keep = ~(uint)((int)(r - threshold) >> 31); // all ones when r >= threshold
            values[i] = scaleBits & keep;
        }

        random = local;
    }

    /// <summary>Gaussian dropout mask: entries drawn from <c>N(1, p / (1 - p))</c>.</summary>
    public static void GaussianDropoutMask(Span<float> mask, ref SeededRandom random, float dropProbability, int count)
    {
        float std = MathF.Sqrt(dropProbability / (1f - dropProbability));
        for (int i = 0; i < count; i++)
            mask[i] = 1f + std * random.NextGaussian();
    }

    /// <summary>Uout mask: entries <c>1 + r</c>, <c>r ~ U(-beta, beta)</c>, so <c>y = x + x * r</c>.</summary>
    public static void UoutMask(Span<float> mask, ref SeededRandom random, float beta, int count)
    {
        for (int i = 0; i < count; i++)
            mask[i] = 1f + random.NextSingle(-beta, beta);
    }

    /// <summary><c>output = input * mask</c> (forward) or <c>dInput = dOutput * mask</c> (backward).</summary>
    public static void ApplyMask(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> mask, int count) =>
        TensorPrimitives.Multiply(input.Slice(0, count), mask.Slice(0, count), output.Slice(0, count));

    /// <summary>
    /// Spatial dropout (PyTorch <c>Dropout2d</c>) over channels-last activations: <c>output[b, p, c] = input[b, p, c] * mask[b, c]</c>,
    /// one mask entry per sample and channel (drawn by <see cref="DropoutMask"/> over <c>B * C</c> entries), so a dropped
    /// channel is zero at every pixel. Shapes: input and output <c>[B, P, C]</c>, mask <c>[B, C]</c>. Serves backward too.
    /// </summary>
    public static void ApplyChannelMask<TPixels, TChannels>(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> mask, int batchSize)
        where TPixels : struct, IDimension
        where TChannels : struct, IDimension
    {
        int pixels = TPixels.Value, channels = TChannels.Value;
        WindowChecks.CheckLength(input.Length, batchSize * pixels * channels, nameof(input));
        WindowChecks.CheckLength(output.Length, batchSize * pixels * channels, nameof(output));
        WindowChecks.CheckLength(mask.Length, batchSize * channels, nameof(mask));
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> channelMask = mask.Slice(b * channels, channels);
            for (int p = 0; p < pixels; p++)
            {
                int at = (b * pixels + p) * channels;
                TensorPrimitives.Multiply(input.Slice(at, channels), channelMask, output.Slice(at, channels));
            }
        }
    }
}
