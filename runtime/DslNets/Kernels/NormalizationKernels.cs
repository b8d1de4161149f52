using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DslNets.Kernels;

/// <summary>
/// Batch and layer normalization over <c>[B, F]</c>, forward and backward side by side. Forward saves what
/// backward needs: the normalized values <c>xhat [B, F]</c> and the reciprocal standard deviations <c>rstd</c>.
/// </summary>
public static partial class NormalizationKernels
{
    /// <summary>
    /// Batch norm in training: per feature <c>mean</c> and biased <c>var</c> over the batch,
    /// <c>xhat = (x - mean) * rstd</c> with <c>rstd = 1 / sqrt(var + eps)</c>, <c>y = gamma * xhat + beta</c>.
    /// Running statistics move by <paramref name="momentum"/>, the variance unbiased (<c>var * B / (B - 1)</c>), as in
    /// PyTorch. <paramref name="batchMean"/> and <paramref name="rstd"/> are <c>[F]</c> scratch kept for backward.
    /// </summary>
    public static void BatchNormTrainingForward(
        Span<float> output, Span<float> xhat, Span<float> batchMean, Span<float> rstd,
        Span<float> runningMean, Span<float> runningVar,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        float momentum, float epsilon, int batchSize, int features) =>
        BatchNormTrainingForwardColumns(output, xhat, batchMean, rstd, runningMean, runningVar, input, gamma, beta, momentum, epsilon, batchSize, features, 0, features);

    /// <summary>
    /// Features <c>[first, end)</c> of <see cref="BatchNormTrainingForward(Span{float}, Span{float}, Span{float}, Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, int, int)"/>
    /// (rows still <paramref name="features"/> apart): every feature is computed by the same operations whatever
    /// the range, so ranges run on different threads give the same bits as the whole.
    /// </summary>
    private static void BatchNormTrainingForwardColumns(
        Span<float> output, Span<float> xhat, Span<float> batchMean, Span<float> rstd,
        Span<float> runningMean, Span<float> runningVar,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        float momentum, float epsilon, int batchSize, int features, int first, int end)
    {
        int width = end - first;
        Span<float> mean = batchMean.Slice(first, width);
        Span<float> variance = rstd.Slice(first, width);
        ReadOnlySpan<float> g = gamma.Slice(first, width), bt = beta.Slice(first, width);
        WindowChecks.CheckLength(input.Length, batchSize * features, nameof(input));
        WindowChecks.CheckLength(xhat.Length, batchSize * features, nameof(xhat));
        WindowChecks.CheckLength(output.Length, batchSize * features, nameof(output));
        WindowChecks.CheckLength(runningMean.Length, end, nameof(runningMean));
        WindowChecks.CheckLength(runningVar.Length, end, nameof(runningVar));

        // Two passes for the statistics (no cancellation), the centred values not stored between them: the last
        // pass computes (x - mean) * rstd from x again, the same two roundings as centring first, one write of
        // [B, F] fewer (at batch 256 the arrays come from L3, and that write was a sixth of the kernel's traffic).
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), first);
        var sums = new RowRefs { A = ref MemoryMarshal.GetReference(mean) };
        mean.Clear();
        for (int r = 0; r < batchSize; r++)
        {
            sums.B = ref Unsafe.Add(ref x, (nint)r * features);
            RunRow<AddPass>(sums, width);
        }

        TensorPrimitives.Multiply(mean, 1f / batchSize, mean);
        var squares = new RowRefs { A = ref MemoryMarshal.GetReference(variance), C = ref MemoryMarshal.GetReference(mean) };
        variance.Clear();
        for (int r = 0; r < batchSize; r++)
        {
            squares.B = ref Unsafe.Add(ref x, (nint)r * features);
            RunRow<SquaredDeviationPass>(squares, width);
        }

        TensorPrimitives.Multiply(variance, 1f / batchSize, variance);

        // running = (1 - m) * running + m * batch, with the unbiased variance.
        float unbias = batchSize / (float)(batchSize - 1);
        for (int f = first; f < end; f++)
        {
            runningMean[f] = (1f - momentum) * runningMean[f] + momentum * mean[f - first];
            runningVar[f] = (1f - momentum) * runningVar[f] + momentum * variance[f - first] * unbias;
        }

        TensorPrimitives.Add(variance, epsilon, variance);
        TensorPrimitives.ReciprocalSqrt(variance, variance);
        var normalize = new RowRefs
        {
            D = ref MemoryMarshal.GetReference(mean),
            E = ref MemoryMarshal.GetReference(variance),
            F = ref MemoryMarshal.GetReference(g),
            G = ref MemoryMarshal.GetReference(bt),
        };
        ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), first);
        ref float xh = ref Unsafe.Add(ref MemoryMarshal.GetReference(xhat), first);
        for (int b = 0; b < batchSize; b++)
        {
            nint row = (nint)b * features;
            normalize.A = ref Unsafe.Add(ref y, row);
            normalize.B = ref Unsafe.Add(ref xh, row);
            normalize.C = ref Unsafe.Add(ref x, row);
            RunRow<NormalizePass>(normalize, width);
        }
    }

    /// <summary>
    /// Per feature over <c>[rows, F]</c>: the <paramref name="mean"/> and the sum of squared deviations from it
    /// (<paramref name="squaredDeviations"/>, two passes, no cancellation); <paramref name="centred"/> receives
    /// <c>x - mean</c>.
    /// </summary>
    internal static void MeanAndSquaredDeviations(
        Span<float> mean, Span<float> squaredDeviations, Span<float> centred, ReadOnlySpan<float> input, int rows, int features)
    {
        mean.Clear();
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(mean, input.Slice(r * features, features), mean);
        TensorPrimitives.Multiply(mean, 1f / rows, mean);
        squaredDeviations.Clear();
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = centred.Slice(r * features, features);
            TensorPrimitives.Subtract(input.Slice(r * features, features), mean, row);
            TensorPrimitives.MultiplyAdd(row, row, squaredDeviations, squaredDeviations);
        }
    }

    /// <summary>Batch norm in evaluation: <c>y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta</c>, in place allowed.</summary>
    public static void BatchNormInference(
        Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float epsilon, int batchSize, int features)
    {
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * features, features);
            Span<float> y = output.Slice(b * features, features);
            for (int f = 0; f < features; f++)
                y[f] = gamma[f] * (x[f] - runningMean[f]) / MathF.Sqrt(runningVar[f] + epsilon) + beta[f];
        }
    }

    /// <summary>
    /// Batch norm backward (training statistics): <c>dbeta = sum_b dy</c>, <c>dgamma = sum_b dy * xhat</c>,
    /// <c>dx = gamma * rstd / B * (B * dy - dbeta - xhat * dgamma)</c>; <paramref name="inputGradient"/> may be empty.
    /// </summary>
    public static void BatchNormBackward(
        Span<float> inputGradient, Span<float> gammaGradient, Span<float> betaGradient,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        int batchSize, int features) =>
        BatchNormBackwardColumns(inputGradient, gammaGradient, betaGradient, outputGradient, xhat, rstd, gamma, batchSize, features, 0, features);

    /// <summary>
    /// Features <c>[first, end)</c> of <see cref="BatchNormBackward(Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>
    /// (rows still <paramref name="features"/> apart). <paramref name="first"/> is 0 or a multiple of 16, so each
    /// feature falls in the vector part or the scalar tail as it does for the whole row: the same bits as the whole.
    /// </summary>
    private static void BatchNormBackwardColumns(
        Span<float> inputGradient, Span<float> gammaGradient, Span<float> betaGradient,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        int batchSize, int features, int first, int end)
    {
        int columns = end - first;
        Span<float> dgamma = gammaGradient.Slice(first, columns);
        Span<float> dbeta = betaGradient.Slice(first, columns);
        ReadOnlySpan<float> dyAll = outputGradient.Slice(first, batchSize * features - first), xhAll = xhat.Slice(first, batchSize * features - first);
        Span<float> dxAll = inputGradient.IsEmpty ? default : inputGradient.Slice(first, batchSize * features - first);
        ReadOnlySpan<float> g = gamma.Slice(first, columns), r = rstd.Slice(first, columns);
        float n = batchSize;

        // Row by row, the sums kept in dbeta and dgamma: each row is read once per pass, in memory order. (A strip of
        // features at a time down the batch, as before, re-read every cache line once per strip: with the rows of a
        // channels-last convolution output, 100,000 rows of 32 channels, that streamed the arrays 8 times and took a
        // sixth of the CNN's training step.) Per feature the operations and their order are those of the scalar
        // formula, so the results are the same bit for bit (NormalizationKernels.Rows.cs).
        dbeta.Clear();
        dgamma.Clear();
        var sums = new RowRefs { A = ref MemoryMarshal.GetReference(dbeta), B = ref MemoryMarshal.GetReference(dgamma) };
        for (int b = 0; b < batchSize; b++)
        {
            nint row = (nint)b * features;
            sums.C = ref Unsafe.Add(ref MemoryMarshal.GetReference(dyAll), row);
            sums.D = ref Unsafe.Add(ref MemoryMarshal.GetReference(xhAll), row);
            RunRow<GradientSumsPass>(sums, columns);
        }

        if (dxAll.IsEmpty)
            return;
        var gradient = new RowRefs
        {
            D = ref MemoryMarshal.GetReference(dbeta),
            E = ref MemoryMarshal.GetReference(dgamma),
            F = ref MemoryMarshal.GetReference(g),
            G = ref MemoryMarshal.GetReference(r),
            Scalar = n,
        };
        for (int b = 0; b < batchSize; b++)
        {
            nint row = (nint)b * features;
            gradient.A = ref Unsafe.Add(ref MemoryMarshal.GetReference(dxAll), row);
            gradient.B = ref Unsafe.Add(ref MemoryMarshal.GetReference(dyAll), row);
            gradient.C = ref Unsafe.Add(ref MemoryMarshal.GetReference(xhAll), row);
            RunRow<InputGradientPass>(gradient, columns);
        }
    }

    /// <summary>
    /// Layer norm: per sample <c>mean</c> and biased <c>var</c> over the features, <c>y = gamma * xhat + beta</c>;
    /// saves <c>xhat [B, F]</c> and <c>rstd [B]</c> when those spans are not empty. In place allowed.
    /// </summary>
    public static void LayerNormForward(
        Span<float> output, Span<float> xhat, Span<float> rstd,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon,
        int batchSize, int features)
    {
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * features, features);
            Span<float> y = output.Slice(b * features, features);
            float mean = TensorPrimitives.Sum(x) / features;
            TensorPrimitives.Subtract(x, mean, y);
            float inv = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(y) / features + epsilon);
            TensorPrimitives.Multiply(y, inv, y);
            if (!xhat.IsEmpty)
            {
                y.CopyTo(xhat.Slice(b * features, features));
                rstd[b] = inv;
            }

            FusedMultiplyAdd.Apply(y, gamma.Slice(0, features), beta.Slice(0, features), y);
        }
    }

    /// <summary>
    /// Layer norm backward: with <c>g = dy * gamma</c>, <c>dx = rstd * (g - mean(g) - xhat * mean(g * xhat))</c>;
    /// <c>dgamma = sum_b dy * xhat</c>, <c>dbeta = sum_b dy</c>. <paramref name="inputGradient"/> may be empty.
    /// </summary>
    public static void LayerNormBackward(
        Span<float> inputGradient, Span<float> gammaGradient, Span<float> betaGradient,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        int batchSize, int features)
    {
        Span<float> dgamma = gammaGradient.Slice(0, features);
        Span<float> dbeta = betaGradient.Slice(0, features);
        dgamma.Clear();
        dbeta.Clear();
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> dy = outputGradient.Slice(b * features, features);
            ReadOnlySpan<float> xh = xhat.Slice(b * features, features);
            TensorPrimitives.Add(dbeta, dy, dbeta);
            TensorPrimitives.MultiplyAdd(dy, xh, dgamma, dgamma);
            if (inputGradient.IsEmpty)
                continue;

            Span<float> dx = inputGradient.Slice(b * features, features);
            TensorPrimitives.Multiply(dy, gamma.Slice(0, features), dx);
            float meanG = TensorPrimitives.Sum(dx) / features;
            float meanGx = TensorPrimitives.Dot(dx, xh) / features;
            float r = rstd[b];
            for (int f = 0; f < features; f++)
                dx[f] = r * (dx[f] - meanG - xh[f] * meanGx);
        }
    }
}
