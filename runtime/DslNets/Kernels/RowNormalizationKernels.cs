using System;
using System.Numerics.Tensors;

namespace DslNets.Kernels;

/// <summary>
/// Row-wise L2 normalization with a gain, forward and backward side by side: the weight of weight normalization
/// (rows of <c>v</c> with a gain per row) and both sides of cosine normalization (rows of <c>W</c> with one shared
/// scale, and each sample of <c>x</c> without a gain). Forward saves the reciprocal norms for backward.
/// </summary>
public static class RowNormalizationKernels
{
    /// <summary>
    /// The epsilon of cosine normalization, added to each squared norm before the square root:
    /// <c>cos(w, x) = w.x / (sqrt(|w|^2 + eps) * sqrt(|x|^2 + eps))</c>. A zero input then gives 0, never NaN.
    /// </summary>
    public const float CosineEpsilon = 1e-8f;

    /// <summary>
    /// <c>output[r, :] = gain[r] * input[r, :] * inverseNorm[r]</c> with <c>inverseNorm[r] = 1 / sqrt(sum_c input[r, c]^2 + eps)</c>.
    /// Shapes: input and output <c>[R, C]</c>; inverseNorm <c>[R]</c> (written, kept for backward); gain <c>[R]</c>
    /// (one per row), <c>[1]</c> (one for every row) or empty (1).
    /// </summary>
    public static void Forward(
        Span<float> output, Span<float> inverseNorm,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gain, float epsilon,
        int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * columns, columns);
            float rn = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(x) + epsilon);
            inverseNorm[r] = rn;
            TensorPrimitives.Multiply(x, Gain(gain, r) * rn, output.Slice(r * columns, columns));
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward"/>: with <c>u = input * inverseNorm</c> and <c>d[r] = dy[r, :] . u[r, :]</c>,
    /// <c>dgain[r] = d[r]</c> (summed over the rows for one shared gain) and
    /// <c>dx[r, :] = gain[r] * inverseNorm[r] * (dy[r, :] - u[r, :] * d[r])</c>. Both gradients are overwritten;
    /// <paramref name="gainGradient"/> (same length as <paramref name="gain"/>) and <paramref name="inputGradient"/>
    /// may be empty when nobody needs them.
    /// </summary>
    public static void Backward(
        Span<float> inputGradient, Span<float> gainGradient,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, ReadOnlySpan<float> inverseNorm, ReadOnlySpan<float> gain,
        int rows, int columns)
    {
        bool sharedGain = gainGradient.Length == 1;
        if (sharedGain)
            gainGradient[0] = 0f;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dy = outputGradient.Slice(r * columns, columns);
            ReadOnlySpan<float> x = input.Slice(r * columns, columns);
            float rn = inverseNorm[r];
            float d = TensorPrimitives.Dot(dy, x) * rn;
            if (sharedGain)
                gainGradient[0] += d;
            else if (!gainGradient.IsEmpty)
                gainGradient[r] = d;

            if (!inputGradient.IsEmpty)
            {
                // dx = g rn dy - g rn^2 d x
                float scale = Gain(gain, r) * rn;
                Span<float> dx = inputGradient.Slice(r * columns, columns);
                TensorPrimitives.Multiply(dy, scale, dx);
                TensorPrimitives.MultiplyAdd(x, -scale * rn * d, dx, dx);
            }
        }
    }

    /// <summary>
    /// <c>norms[r] = sqrt(sum_c input[r, c]^2)</c>: weight normalization's initial gain (PyTorch's
    /// <c>weight_norm</c> starts with <c>g = ||v||</c>, so the layer starts as the plain layer). Shapes: input
    /// <c>[R, C]</c>, norms <c>[R]</c>.
    /// </summary>
    public static void RowNorms(Span<float> norms, ReadOnlySpan<float> input, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
            norms[r] = TensorPrimitives.Norm(input.Slice(r * columns, columns));
    }

    /// <summary>
    /// The end of cosine normalization's inference: <paramref name="output"/> holds <c>x[b] . w'[o]</c> (the packed
    /// product without bias, <c>w'</c> the scaled unit rows); this divides each sample by
    /// <c>sqrt(|x[b]|^2 + eps)</c>, adds <paramref name="bias"/> and applies <paramref name="activation"/>, in place.
    /// Shapes: input <c>[B, I]</c>, output <c>[B, O]</c>, bias <c>[O]</c>.
    /// </summary>
    public static void CosineInference(
        Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> bias, FusedActivation activation,
        int batchSize, int inFeatures, int outFeatures)
    {
        bias = bias.Slice(0, outFeatures);
        for (int b = 0; b < batchSize; b++)
        {
            float rn = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(input.Slice(b * inFeatures, inFeatures)) + CosineEpsilon);
            Span<float> y = output.Slice(b * outFeatures, outFeatures);
            TensorPrimitives.MultiplyAdd(y, rn, bias, y);
            if (activation == FusedActivation.ReLU)
                TensorPrimitives.Max(y, 0f, y);
        }
    }

    private static float Gain(ReadOnlySpan<float> gain, int row) => gain.Length switch
    {
        0 => 1f,
        1 => gain[0],
        _ => gain[row],
    };
}
