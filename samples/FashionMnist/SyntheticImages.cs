using System;
using DslNets;
using DslNets.Data;

namespace FashionMnist;

/// <summary>
/// A stand-in for Fashion-MNIST when the real files are not installed: 28x28 grey images of ten shapes (bars,
/// diagonals, a cross, a frame, a disc, a ring, a triangle, two bars). Each is drawn at a random offset, scale,
/// stroke width and ink, over Gaussian pixel noise and one or two random clutter strokes, and
/// <see cref="LabelNoise"/> of the labels are replaced by a random class, as in a hand-labelled set. That makes the
/// task hard enough for the curves to mean something: the network fits the training set well past what it can
/// generalize, so validation loss turns up after a few epochs and early stopping has something to stop; test
/// accuracy cannot exceed about <c>1 - 0.9 * LabelNoise</c>.
/// </summary>
internal static class SyntheticImages
{
    public const int Side = 28;

    /// <summary>Images the training sample generates for training and validation (the last tenth validates).</summary>
    public const int TrainingCount = 5000;

    /// <summary>Images the training sample generates for its test set.</summary>
    public const int TestCount = 2000;

    /// <summary>Fraction of the images whose label is replaced by a uniformly drawn class (which may be the right one).</summary>
    public const float LabelNoise = 0.06f;

    public static Dataset<int> Create(int count, long seed)
    {
        var random = new SeededRandom(seed, 11);
        float[] pixels = new float[count * Side * Side];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int shape = random.NextInt32(10);
            Draw(pixels.AsSpan(i * Side * Side, Side * Side), shape, ref random);
            labels[i] = random.NextSingle() < LabelNoise ? random.NextInt32(10) : shape;
        }

        return new Dataset<int>(pixels, labels, Side * Side);
    }

    private static void Draw(Span<float> image, int shape, ref SeededRandom random)
    {
        float dx = random.NextSingle(-4f, 4f), dy = random.NextSingle(-4f, 4f);
        float scale = random.NextSingle(0.7f, 1.15f);
        float half = random.NextSingle(1.1f, 2.6f);      // half the stroke width, in pixels
        float ink = random.NextSingle(0.35f, 1f);
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                float u = x - 14 - dx, v = y - 14 - dy;
                float su = u / scale, sv = v / scale, r = MathF.Sqrt(u * u + v * v);
                bool on = shape switch
                {
                    0 => MathF.Abs(u) <= half && MathF.Abs(sv) <= 9,                                        // vertical bar
                    1 => MathF.Abs(v) <= half && MathF.Abs(su) <= 9,                                        // horizontal bar
                    2 => MathF.Abs(u - v) <= half * 1.41f && MathF.Abs(su) <= 8,                            // diagonal
                    3 => MathF.Abs(u + v) <= half * 1.41f && MathF.Abs(su) <= 8,                            // anti-diagonal
                    4 => (MathF.Abs(u) <= half && MathF.Abs(sv) <= 9) || (MathF.Abs(v) <= half && MathF.Abs(su) <= 9), // cross
                    5 => MathF.Abs(MathF.Max(MathF.Abs(u), MathF.Abs(v)) - 8 * scale) <= half,              // square frame
                    6 => r <= 6.3f * scale,                                                                 // disc
                    7 => MathF.Abs(r - 8.3f * scale) <= half,                                               // ring
                    8 => sv >= -8 && sv <= 8 && MathF.Abs(su) <= (sv + 9) / 2,                              // triangle
                    _ => MathF.Abs(sv) <= 9 && (MathF.Abs(u + 6 * scale) <= half * 0.8f || MathF.Abs(u - 6 * scale) <= half * 0.8f), // two bars
                };
                image[y * Side + x] = (on ? ink : 0f) + 0.25f * random.NextGaussian();
            }
        }

        // Clutter: one or two short random strokes that belong to no class.
        int strokes = 1 + random.NextInt32(2);
        for (int s = 0; s < strokes; s++)
        {
            float x0 = random.NextSingle(0f, Side), y0 = random.NextSingle(0f, Side);
            float angle = random.NextSingle(0f, MathF.PI), length = random.NextSingle(5f, 11f), strokeInk = random.NextSingle(0.3f, 0.9f);
            for (float t = 0; t <= length; t += 0.5f)
            {
                int px = (int)(x0 + t * MathF.Cos(angle)), py = (int)(y0 + t * MathF.Sin(angle));
                if ((uint)px < Side && (uint)py < Side)
                    image[py * Side + px] += strokeInk;
            }
        }

        foreach (ref float pixel in image)
            pixel = Math.Clamp(pixel, 0f, 1f);
    }
}
