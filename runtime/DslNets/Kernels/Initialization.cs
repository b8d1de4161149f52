using System;

namespace DslNets.Kernels;

/// <summary>Seeded weight initialization (Keras conventions; biases and shifts start at 0, gains at 1).</summary>
public static class Initialization
{
    /// <summary>He (Kaiming) uniform for the ReLU family: <c>U(-sqrt(6 / fanIn), sqrt(6 / fanIn))</c>.</summary>
    public static void HeUniform(Span<float> weight, ref SeededRandom random, int fanIn, int fanOut) =>
        Uniform(weight, ref random, MathF.Sqrt(6f / fanIn), fanIn * fanOut);

    /// <summary>Glorot (Xavier) uniform: <c>U(-sqrt(6 / (fanIn + fanOut)), +sqrt(6 / (fanIn + fanOut)))</c>.</summary>
    public static void GlorotUniform(Span<float> weight, ref SeededRandom random, int fanIn, int fanOut) =>
        Uniform(weight, ref random, MathF.Sqrt(6f / (fanIn + fanOut)), fanIn * fanOut);

    /// <summary>
    /// He uniform over <paramref name="count"/> weights whose fans are not their matrix sides (a convolution kernel:
    /// PyTorch's <c>fan_in = in * kh * kw</c>, <c>fan_out = out * kh * kw</c>).
    /// </summary>
    public static void HeUniform(Span<float> weight, ref SeededRandom random, int fanIn, int fanOut, int count)
    {
        _ = fanOut; // He depends on fan_in only; kept so both initializations take the same arguments.
        Uniform(weight, ref random, MathF.Sqrt(6f / fanIn), count);
    }

    /// <summary>Glorot uniform over <paramref name="count"/> weights with the given fans (a convolution kernel).</summary>
    public static void GlorotUniform(Span<float> weight, ref SeededRandom random, int fanIn, int fanOut, int count) =>
        Uniform(weight, ref random, MathF.Sqrt(6f / (fanIn + fanOut)), count);

    private static void Uniform(Span<float> weight, ref SeededRandom random, float limit, int count)
    {
        for (int i = 0; i < count; i++)
            weight[i] = random.NextSingle(-limit, limit);
    }
}
