namespace DslNets.Tests;

/// <summary>Reproducible test inputs drawn from <see cref="SeededRandom"/>.</summary>
internal static class TestData
{
    public static float[] Uniform(int count, long seed, float low = -1f, float high = 1f)
    {
        var random = new SeededRandom(seed, 99);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = random.NextSingle(low, high);
        return values;
    }

    public static float[] Gaussian(int count, long seed, float mean = 0f, float std = 1f)
    {
        var random = new SeededRandom(seed, 98);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = mean + std * random.NextGaussian();
        return values;
    }

    public static int[] Labels(int count, int classes, long seed)
    {
        var random = new SeededRandom(seed, 97);
        var labels = new int[count];
        for (int i = 0; i < count; i++)
            labels[i] = random.NextInt32(classes);
        return labels;
    }

    /// <summary>Everything a training call may change, to prove a failed call changed nothing.</summary>
    public static float[] Snapshot(INetwork network) =>
        [.. network.Parameters.ToArray(), .. network.Gradients.ToArray(), .. network.Buffers.ToArray()];
}
