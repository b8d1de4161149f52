using System.Globalization;

namespace DslNets.Reference.Tests;

/// <summary>
/// How close DslNets must be to PyTorch: per tensor, relative to the tensor's largest expected magnitude,
/// <c>max_i |actual_i - expected_i| &lt;= 1e-5 * max_i |expected_i|</c>. A tensor PyTorch computes as all zeros must
/// be all zeros. Failures name the tensor and its worst element (index, expected, actual, difference).
/// </summary>
internal static class Tolerance
{
    public const double Relative = 1e-5;

    /// <summary>The failure message for <paramref name="actual"/>, or <see langword="null"/> when it is within tolerance.</summary>
    public static string? Check(
        string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative = Relative, string expectedSide = "PyTorch", string actualSide = "DslNets")
    {
        if (expected.Length != actual.Length)
            return $"{what}: {actual.Length} values, expected {expected.Length}.";
        double scale = 0;
        for (int i = 0; i < expected.Length; i++)
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        double worst = -1;
        int worstIndex = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(difference))
                difference = double.PositiveInfinity;
            if (difference > worst)
            {
                worst = difference;
                worstIndex = i;
            }
        }

        double bound = relative * scale;
        if (expected.Length == 0 || worst <= bound)
            return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{what}: worst element [{worstIndex}] of {expected.Length}: {expectedSide} {expected[worstIndex]:R}, {actualSide} {actual[worstIndex]:R}, " +
            $"|difference| {worst:G4} > {relative:G2} * max|expected| {scale:G6} = {bound:G4} (relative {worst / Math.Max(scale, double.Epsilon):G3}).");
    }

    public static void AssertClose(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (Check(what, expected, actual) is { } failure)
            Assert.Fail(failure);
    }

    public static void AssertClose(string what, float expected, float actual) =>
        AssertClose(what, [expected], [actual]);
}
