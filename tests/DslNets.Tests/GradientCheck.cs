namespace DslNets.Tests;

/// <summary>
/// Central finite differences against the generated backward pass, over every parameter of a network.
/// </summary>
/// <remarks>
/// Tolerance: <c>|numeric - analytic| &lt;= 1e-3 + 2e-2 * |analytic|</c>. The networks compute in float32: the loss
/// carries a relative rounding error of a few 1e-7, so with <c>h = 1e-3</c> the central difference
/// <c>(L(p + h) - L(p - h)) / 2h</c> is noisy at about <c>|L| * 1e-7 / 1e-3 = 1e-4</c>, and its truncation error
/// <c>O(h^2)</c> is about 1e-6. The bound leaves a tenfold margin over that noise while a real mistake (a missing
/// term, a wrong sign, a factor of two) misses it by far.
/// </remarks>
internal static class GradientCheck
{
    private const float Step = 1e-3f;
    private const double AbsoluteTolerance = 1e-3;
    private const double RelativeTolerance = 2e-2;

    public static void AssertGradientsMatch<TTarget>(INetwork<TTarget> network, float[] inputs, TTarget[] targets, int batchSize)
        where TTarget : unmanaged
    {
        // Noise layers draw new masks per call: replay the same masks for every evaluation.
        SeededRandom noise = network.NoiseState;
        network.ComputeGradients(inputs, targets, batchSize);
        float[] analytic = network.Gradients.ToArray();
        Assert.True(analytic.Any(g => g != 0f), "The backward pass produced an all-zero gradient.");

        Span<float> parameters = network.Parameters;
        var failures = new List<string>();
        for (int i = 0; i < parameters.Length; i++)
        {
            float original = parameters[i];
            parameters[i] = original + Step;
            network.NoiseState = noise;
            double plus = network.ComputeGradients(inputs, targets, batchSize);
            parameters[i] = original - Step;
            network.NoiseState = noise;
            double minus = network.ComputeGradients(inputs, targets, batchSize);
            parameters[i] = original;

            double numeric = (plus - minus) / (2 * Step);
            double error = Math.Abs(numeric - analytic[i]);
            if (error > AbsoluteTolerance + RelativeTolerance * Math.Abs(analytic[i]))
                failures.Add($"{Describe(network, i)}: analytic {analytic[i]:G6}, numeric {numeric:G6}");
        }

        network.NoiseState = noise;
        Assert.True(failures.Count == 0, $"{failures.Count} of {parameters.Length} gradients differ:\n" + string.Join("\n", failures.Take(20)));
    }

    private static string Describe(INetwork network, int index)
    {
        foreach (TensorInfo tensor in network.Tensors.Where(t => t.IsParameter))
        {
            if (index >= tensor.Offset && index < tensor.Offset + tensor.Length)
                return $"{tensor.Name}[{index - tensor.Offset}]";
        }

        return $"parameter {index}";
    }
}
