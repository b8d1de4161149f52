namespace DslNets.Benchmarks;

/// <summary>The benchmark network: 784-256-BN-ReLU-128-BN-ReLU-Dropout-10, as in the speed issue.</summary>
[Network(InputSize = 784, MaxBatch = 256, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
public partial class BenchmarkMlp
{
    /// <summary>784 -> 256.</summary>
    [Dense(256, Bias = false), BatchNorm, ReLU]
    public partial DenseLayer Hidden1 { get; }

    /// <summary>256 -> 128.</summary>
    [Dense(128, Bias = false), BatchNorm, ReLU, Dropout(0.3)]
    public partial DenseLayer Hidden2 { get; }

    /// <summary>128 -> 10.</summary>
    [Dense(10)]
    public partial DenseLayer Output { get; }

    /// <summary>
    /// Multiply-adds of one training step's products at <paramref name="batch"/>: the forward, the three weight
    /// gradients and the two input gradients (the first layer has none). Twice this is the step's product flop.
    /// </summary>
    public static long StepMultiplyAdds(int batch) => batch * (2 * (784L * 256 + 256 * 128 + 128 * 10) + 256 * 128 + 128 * 10);
}

/// <summary><see cref="BenchmarkMlp"/> with synchronized batch norm: the data-parallel benchmark's second network.</summary>
[Network(InputSize = 784, MaxBatch = 256, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
public partial class BenchmarkSyncMlp
{
    /// <summary>784 -> 256.</summary>
    [Dense(256, Bias = false), BatchNorm(Sync = true), ReLU]
    public partial DenseLayer Hidden1 { get; }

    /// <summary>256 -> 128.</summary>
    [Dense(128, Bias = false), BatchNorm(Sync = true), ReLU, Dropout(0.3)]
    public partial DenseLayer Hidden2 { get; }

    /// <summary>128 -> 10.</summary>
    [Dense(10)]
    public partial DenseLayer Output { get; }
}

/// <summary>Deterministic inputs shared by every benchmark.</summary>
public static class BenchmarkData
{
    /// <summary>Uniform values in [0, 1), like normalized pixels.</summary>
    public static float[] Inputs(int count, int seed)
    {
        var random = new SeededRandom(seed, 5);
        float[] values = new float[count];
        for (int i = 0; i < values.Length; i++)
            values[i] = random.NextSingle(0f, 1f);
        return values;
    }

    /// <summary>Class labels in [0, 10).</summary>
    public static int[] Labels(int count, int seed)
    {
        var random = new SeededRandom(seed, 6);
        int[] labels = new int[count];
        for (int i = 0; i < labels.Length; i++)
            labels[i] = random.NextInt32(10);
        return labels;
    }
}
