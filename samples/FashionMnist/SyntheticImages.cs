using System;
using DslNets;
using DslNets.Data;

namespace FashionMnist;

/// <summary>
/// A small stand-in for Fashion-MNIST when the real files are not installed: 28x28 grey images of ten shapes
/// (bars, frames, crosses, blobs ...), each drawn at a random offset with random stroke intensity and pixel
/// noise, so the task needs a real classifier but trains in seconds.
/// </summary>
internal static class SyntheticImages
{
    public const int Side = 28;

    public static Dataset<int> Create(int count, long seed)
    {
        var random = new SeededRandom(seed, 11);
        float[] pixels = new float[count * Side * Side];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.NextInt32(10);
            labels[i] = label;
            Draw(pixels.AsSpan(i * Side * Side, Side * Side), label, ref random);
        }

        return new Dataset<int>(pixels, labels, Side * Side);
    }

    private static void Draw(Span<float> image, int label, ref SeededRandom random)
    {
        int dx = random.NextInt32(7) - 3, dy = random.NextInt32(7) - 3;
        float ink = random.NextSingle(0.6f, 1f);
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                int u = x - 14 - dx, v = y - 14 - dy;
                bool on = label switch
                {
                    0 => Math.Abs(u) <= 2 && Math.Abs(v) <= 9,                                  // vertical bar
                    1 => Math.Abs(v) <= 2 && Math.Abs(u) <= 9,                                  // horizontal bar
                    2 => Math.Abs(u - v) <= 2 && Math.Abs(u) <= 8,                              // diagonal
                    3 => Math.Abs(u + v) <= 2 && Math.Abs(u) <= 8,                              // anti-diagonal
                    4 => (Math.Abs(u) <= 2 && Math.Abs(v) <= 9) || (Math.Abs(v) <= 2 && Math.Abs(u) <= 9), // cross
                    5 => Math.Max(Math.Abs(u), Math.Abs(v)) is >= 7 and <= 9,                   // square frame
                    6 => u * u + v * v <= 40,                                                   // disc
                    7 => u * u + v * v is >= 49 and <= 90,                                      // ring
                    8 => v >= -8 && v <= 8 && Math.Abs(u) <= (v + 9) / 2,                      // triangle
                    _ => Math.Abs(v) <= 9 && (Math.Abs(u + 6) <= 1 || Math.Abs(u - 6) <= 1),    // two bars
                };
                float noise = 0.15f * random.NextGaussian();
                image[y * Side + x] = Math.Clamp((on ? ink : 0f) + noise, 0f, 1f);
            }
        }
    }
}
