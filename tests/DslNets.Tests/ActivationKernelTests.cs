using DslNets.Declarations;
using DslNets.Kernels;

namespace DslNets.Tests;

/// <summary>
/// Every activation of the catalog (<see cref="Activations"/>), found by its kernel names: the backward kernel
/// against central differences of the forward kernel, on counts that leave every SIMD remainder, and forward in
/// place against forward out of place. <see cref="KernelPathTests"/> re-runs this class with AVX-512 disabled, so
/// both the Vector512 and the Vector256 paths are covered. A new activation is covered by its catalog entry alone.
/// </summary>
/// <remarks>
/// Tolerance: <c>|numeric - analytic| &lt;= 2e-3 + 1e-2 * |analytic|</c>. The forward runs in float32: with
/// <c>h = 1e-2</c> the central difference carries a rounding noise of about <c>|y| * 1.2e-7 / 1e-2 &lt; 1e-4</c> for
/// <c>|x| &lt;= 4</c> and a truncation error <c>h^2 |f'''| / 6</c> below 1e-4 for these smooth functions. Inputs
/// closer than <c>2h</c> to 0, where the ReLU family has its kink, are moved away from it. A wrong derivative (a
/// missing term, a wrong sign, the output read instead of the input) misses the bound by far.
/// </remarks>
public class ActivationKernelTests
{
    private const float Step = 1e-2f;
    private const double AbsoluteTolerance = 2e-3;
    private const double RelativeTolerance = 1e-2;
    private const float Slope = 0.2f;
    private static readonly int[] Counts = [1, 3, 15, 16, 17, 31, 33, 64, 100];

    public static TheoryData<string> Names() => new(Activations.All.Select(a => a.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_MatchesCentralDifferencesOfForward(string name)
    {
        Activation activation = Activations.Find(name)!;
        foreach (int count in Counts)
        {
            float[] x = Inputs(count, seed: count);
            float[] dy = TestData.Uniform(count, seed: 100 + count);
            float[] y = new float[count], plus = new float[count], minus = new float[count], shifted = new float[count];
            Forward(activation, y, x, count);

            // One coordinate at a time would cost count^2; each output depends only on its own input, so all move at once.
            for (int i = 0; i < count; i++)
                shifted[i] = x[i] + Step;
            Forward(activation, plus, shifted, count);
            for (int i = 0; i < count; i++)
                shifted[i] = x[i] - Step;
            Forward(activation, minus, shifted, count);

            float[] dx = new float[count];
            Backward(activation, dx, dy, activation.BackwardReadsInput ? x : y, count);
            for (int i = 0; i < count; i++)
            {
                double numeric = dy[i] * ((double)plus[i] - minus[i]) / (2 * Step);
                Assert.True(
                    Math.Abs(numeric - dx[i]) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(dx[i]),
                    $"{name}Backward at x = {x[i]:R} (count {count}, index {i}): analytic {dx[i]:G6}, numeric {numeric:G6}.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_InPlace_EqualsForward_OutOfPlace(string name)
    {
        Activation activation = Activations.Find(name)!;
        foreach (int count in Counts)
        {
            float[] x = Inputs(count, seed: 200 + count);
            float[] expected = new float[count];
            Forward(activation, expected, x, count);
            Forward(activation, x, x, count);
            Assert.Equal(expected, x);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernels_TouchOnlyTheFirstCountValues(string name)
    {
        Activation activation = Activations.Find(name)!;
        const int count = 17;
        float[] x = Inputs(count + 5, seed: 300);
        float[] y = Enumerable.Repeat(float.NaN, count + 5).ToArray();
        float[] dx = Enumerable.Repeat(float.NaN, count + 5).ToArray();
        Forward(activation, y, x, count);
        Backward(activation, dx, TestData.Uniform(count + 5, seed: 301), x, count);
        Assert.All(y.Take(count).Concat(dx.Take(count)), v => Assert.True(float.IsFinite(v)));
        Assert.All(y.Skip(count).Concat(dx.Skip(count)), v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>Values in [-4, 4], none within 2h of 0.</summary>
    private static float[] Inputs(int count, long seed)
    {
        float[] x = TestData.Uniform(count, seed, -4f, 4f);
        for (int i = 0; i < count; i++)
        {
            if (Math.Abs(x[i]) < 2 * Step)
                x[i] = x[i] < 0 ? x[i] - (3 * Step) : x[i] + (3 * Step);
        }

        return x;
    }

    private static void Forward(Activation activation, float[] output, float[] input, int count) =>
        Invoke(activation.KernelStem + "Forward", activation, [output, input], count);

    private static void Backward(Activation activation, float[] inputGradient, float[] outputGradient, float[] read, int count) =>
        Invoke(activation.KernelStem + "Backward", activation, [inputGradient, outputGradient, read], count);

    /// <summary>Calls the kernel through a delegate of its exact signature (spans cannot be boxed for reflection).</summary>
    private static void Invoke(string method, Activation activation, float[][] spans, int count)
    {
        var kernel = typeof(ActivationKernels).GetMethod(method) ?? throw new InvalidOperationException($"ActivationKernels has no {method}.");
        switch (spans.Length, activation.HasSlope)
        {
            case (2, false):
                kernel.CreateDelegate<Unary>()(spans[0], spans[1], count);
                break;
            case (2, true):
                kernel.CreateDelegate<UnaryWithSlope>()(spans[0], spans[1], Slope, count);
                break;
            case (3, false):
                kernel.CreateDelegate<Binary>()(spans[0], spans[1], spans[2], count);
                break;
            default:
                kernel.CreateDelegate<BinaryWithSlope>()(spans[0], spans[1], spans[2], Slope, count);
                break;
        }
    }

    private delegate void Unary(Span<float> output, ReadOnlySpan<float> input, int count);

    private delegate void UnaryWithSlope(Span<float> output, ReadOnlySpan<float> input, float slope, int count);

    private delegate void Binary(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> read, int count);

    private delegate void BinaryWithSlope(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> read, float slope, int count);
}
