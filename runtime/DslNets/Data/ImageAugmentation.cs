using System;

namespace DslNets.Data;

/// <summary>
/// Seeded data augmentation for images stored channel-major (<c>[channels, height, width]</c>, row-major inside a
/// channel, as MNIST pixels and PyTorch tensors are): a random shift by up to <see cref="MaxShift"/> pixels in each
/// direction with zero fill, and optionally a horizontal flip with probability 1/2. Writes into the caller's buffer
/// and allocates nothing.
/// </summary>
public sealed class ImageAugmentation
{
    /// <param name="height">Image height in pixels, positive.</param>
    /// <param name="width">Image width in pixels, positive.</param>
    /// <param name="maxShift">Largest shift in pixels, in [0, min(height, width)).</param>
    /// <param name="horizontalFlip">Mirror left-right with probability 1/2 (leave off for digits).</param>
    /// <param name="channels">Channels, positive.</param>
    public ImageAugmentation(int height, int width, int maxShift, bool horizontalFlip = false, int channels = 1)
    {
        if (height <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), height, "height must be positive.");
        if (width <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be positive.");
        if (channels <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be positive.");
        if (maxShift < 0 || maxShift >= Math.Min(height, width))
            throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, $"maxShift must be in [0, {Math.Min(height, width)}).");
        Height = height;
        Width = width;
        Channels = channels;
        MaxShift = maxShift;
        HorizontalFlip = horizontalFlip;
    }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>Largest shift in pixels along each axis.</summary>
    public int MaxShift { get; }

    /// <summary>Whether images are mirrored left-right with probability 1/2.</summary>
    public bool HorizontalFlip { get; }

    /// <summary>Values per image: <c>Channels * Height * Width</c>.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>
    /// Draws a shift <c>(dy, dx)</c>, each uniform in [-MaxShift, MaxShift] (dy first), then a flip when enabled,
    /// from <paramref name="random"/>, and writes the transformed <paramref name="image"/> to
    /// <paramref name="destination"/> (see <see cref="Transform"/>).
    /// </summary>
    public void Apply(ReadOnlySpan<float> image, Span<float> destination, ref SeededRandom random)
    {
        int dy = random.NextInt32(2 * MaxShift + 1) - MaxShift;
        int dx = random.NextInt32(2 * MaxShift + 1) - MaxShift;
        bool flip = HorizontalFlip && random.NextSingle() < 0.5f;
        Transform(image, destination, dy, dx, flip);
    }

    /// <summary>
    /// Deterministic core of <see cref="Apply"/>: optionally mirrors left-right, then moves the content
    /// <paramref name="dy"/> pixels down and <paramref name="dx"/> pixels right (negative: up/left), filling uncovered
    /// pixels with 0: <c>out[c, y, x] = flipped[c, y - dy, x - dx]</c> where in range, else 0.
    /// <paramref name="image"/> and <paramref name="destination"/> must not overlap.
    /// </summary>
    public void Transform(ReadOnlySpan<float> image, Span<float> destination, int dy, int dx, bool flip)
    {
        if (image.Length != SampleSize)
            throw new ArgumentException($"Expected image.Length == {SampleSize} ({Channels} x {Height} x {Width}), got {image.Length}.", nameof(image));
        if (destination.Length != SampleSize)
            throw new ArgumentException($"Expected destination.Length == {SampleSize} ({Channels} x {Height} x {Width}), got {destination.Length}.", nameof(destination));
        if (image.Overlaps(destination))
            throw new ArgumentException("image and destination must not overlap.", nameof(destination));

        destination.Clear();
        // Destination rows/columns that receive a source pixel.
        int yStart = Math.Max(0, dy), yEnd = Math.Min(Height, Height + dy);
        int xStart = Math.Max(0, dx), xEnd = Math.Min(Width, Width + dx);
        if (yStart >= yEnd || xStart >= xEnd)
            return;
        int plane = Height * Width;
        for (int c = 0; c < Channels; c++)
        {
            for (int y = yStart; y < yEnd; y++)
            {
                ReadOnlySpan<float> source = image.Slice(c * plane + (y - dy) * Width, Width);
                Span<float> target = destination.Slice(c * plane + y * Width, Width);
                if (!flip)
                {
                    source.Slice(xStart - dx, xEnd - xStart).CopyTo(target.Slice(xStart));
                    continue;
                }

                for (int x = xStart; x < xEnd; x++)
                    target[x] = source[Width - 1 - (x - dx)];
            }
        }
    }
}
