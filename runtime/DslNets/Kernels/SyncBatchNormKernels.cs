using System;
using System.Numerics.Tensors;
using DslNets.Distributed;

namespace DslNets.Kernels;

/// <summary>
/// Synchronized batch norm (<c>[BatchNorm(Sync = true)]</c>, PyTorch <c>SyncBatchNorm</c>) over <c>[rows, channels]</c>:
/// the statistics and the backward sums of the GLOBAL batch, one all-reduce each way. A dense layer's batch norm has
/// one row per sample; a convolution's (NHWC) has <c>N * H * W</c> rows of <c>C</c> channels: the same kernels.
/// Forward and backward side by side; without collectives both are exactly <see cref="NormalizationKernels"/>' plain
/// batch norm.
/// </summary>
/// <remarks>
/// <para><b>Forward, one round.</b> Per channel each rank sends <c>[sum(x - K), sum((x - K)^2)]</c> and, once for all
/// channels, its row count <c>n</c> (the same for every channel, so it travels once: <c>2C + 1</c> floats). After the
/// all-reduce every rank has <c>N</c>, <c>S1</c> and <c>S2</c> of the global batch: <c>mean = K + S1 / N</c>,
/// biased <c>var = S2 / N - (S1 / N)^2</c> for normalizing and <c>var * N / (N - 1)</c> for the running variance.
/// <c>K</c> is the running mean before this step — the same on every rank — so the subtraction does not cancel
/// catastrophically once the running mean has found the data (the shifted-data variance). Each rank computes its
/// own sums around its local mean first (two passes) and shifts them to <c>K</c> exactly:
/// <c>sum(x - K) = n (m - K)</c>, <c>sum((x - K)^2) = M2 + n (m - K)^2</c>.</para>
/// <para><b>Backward, one round.</b> Rank r's <c>dy</c> is the gradient of the mean loss over ITS OWN rows (what the
/// generated loss kernels produce), that is <c>N / n_r</c> times the gradient of the global mean loss; the data-parallel
/// step later weights rank r's parameter gradients by <c>n_r / N</c>. So each rank sends
/// <c>[n_r sum(dy), n_r sum(dy xhat)]</c> — the sums of the per-sample gradients, comparable across ranks with uneven
/// batches — and after the all-reduce <c>dx = gamma * rstd * (dy - G1 / (n_r N) - xhat * G2 / (n_r N))</c>, which is
/// rank r's share of the global-batch gradient in rank r's scale. <c>dgamma</c> and <c>dbeta</c> stay this rank's own
/// sums: the data-parallel gradient all-reduce adds them up (as PyTorch leaves them to DDP).</para>
/// <para>A rank without rows still takes part: <see cref="ForwardWithoutRows"/> and <see cref="BackwardWithoutRows"/>
/// contribute zeros and move the running statistics like every other rank.</para>
/// </remarks>
public static class SyncBatchNormKernels
{
    /// <summary>
    /// The length of the <c>statistics</c> scratch every kernel here takes: <c>[count, S1 (C), S2 (C)]</c> in the forward
    /// pass; the backward pass keeps the count and reuses the rest for <c>[sum dy (C), sum dy xhat (C)]</c>.
    /// </summary>
    public static int StatisticsLength(int channels) => 2 * channels + 1;

    /// <summary>
    /// Batch norm in training with the global batch's statistics. <paramref name="xhat"/> <c>[rows, C]</c> and
    /// <paramref name="rstd"/> <c>[C]</c> are saved for backward; <paramref name="statistics"/> (<see cref="StatisticsLength"/>)
    /// keeps the global row count for backward. The running statistics move by <paramref name="momentum"/> with the
    /// global mean and the unbiased global variance, identically on every rank. With <paramref name="collectives"/>
    /// null this is <see cref="NormalizationKernels.BatchNormTrainingForward"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The global batch has fewer than 2 rows (thrown on every rank, before anything is written).</exception>
    public static void TrainingForward(
        Span<float> output, Span<float> xhat, Span<float> rstd, Span<float> statistics,
        Span<float> runningMean, Span<float> runningVar,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        float momentum, float epsilon, int rows, int channels, ICollectives? collectives)
    {
        if (collectives is null)
        {
            NormalizationKernels.BatchNormTrainingForward(
                output, xhat, statistics.Slice(0, channels), rstd, runningMean, runningVar, input, gamma, beta, momentum, epsilon, rows, channels);
            return;
        }

        Span<float> shiftedSum = statistics.Slice(1, channels);
        Span<float> shiftedSquares = statistics.Slice(1 + channels, channels);

        // This rank's mean m, then M2 = sum((x - m)^2) around it, with xhat as scratch for the centred rows.
        Span<float> localMean = shiftedSum;
        NormalizationKernels.MeanAndSquaredDeviations(localMean, shiftedSquares, xhat, input, rows, channels);

        // Shifted to K = the running mean: sum(x - K) = n (m - K), sum((x - K)^2) = M2 + n (m - K)^2.
        float n = rows;
        for (int c = 0; c < channels; c++)
        {
            float d = localMean[c] - runningMean[c];
            shiftedSum[c] = n * d;
            shiftedSquares[c] += n * d * d;
        }

        statistics[0] = n;
        collectives.AllReduceSum(statistics.Slice(0, StatisticsLength(channels)));
        Span<float> mean = shiftedSum;
        FinishStatistics(mean, rstd, statistics, runningMean, runningVar, momentum, epsilon, channels);

        ReadOnlySpan<float> scale = rstd.Slice(0, channels);
        for (int r = 0; r < rows; r++)
        {
            Span<float> xh = xhat.Slice(r * channels, channels);
            TensorPrimitives.Subtract(input.Slice(r * channels, channels), mean, xh);
            TensorPrimitives.Multiply(xh, scale, xh);
            FusedMultiplyAdd.Apply(xh, gamma, beta, output.Slice(r * channels, channels));
        }
    }

    /// <summary>
    /// The forward pass of a rank that holds no rows this step: contributes zeros to the statistics all-reduce and moves
    /// the running statistics with the global batch's, as every other rank does.
    /// </summary>
    /// <exception cref="ArgumentException">The global batch has fewer than 2 rows (thrown on every rank).</exception>
    public static void ForwardWithoutRows(
        Span<float> rstd, Span<float> statistics, Span<float> runningMean, Span<float> runningVar,
        float momentum, float epsilon, int channels, ICollectives collectives)
    {
        ArgumentNullException.ThrowIfNull(collectives);
        Span<float> all = statistics.Slice(0, StatisticsLength(channels));
        all.Clear();
        collectives.AllReduceSum(all);
        FinishStatistics(statistics.Slice(1, channels), rstd, statistics, runningMean, runningVar, momentum, epsilon, channels);
    }

    /// <summary>
    /// Batch norm backward with the global batch's sums: <c>dbeta = sum dy</c> and <c>dgamma = sum dy * xhat</c> over this
    /// rank's rows; <c>dx</c> from the all-reduced sums (see the class remarks). <paramref name="inputGradient"/> may be
    /// empty (the all-reduce still runs: every rank makes the same calls). With <paramref name="collectives"/> null this
    /// is <see cref="NormalizationKernels.BatchNormBackward"/>.
    /// </summary>
    public static void Backward(
        Span<float> inputGradient, Span<float> gammaGradient, Span<float> betaGradient, Span<float> statistics,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        int rows, int channels, ICollectives? collectives)
    {
        if (collectives is null)
        {
            NormalizationKernels.BatchNormBackward(inputGradient, gammaGradient, betaGradient, outputGradient, xhat, rstd, gamma, rows, channels);
            return;
        }

        Span<float> dbeta = betaGradient.Slice(0, channels);
        Span<float> dgamma = gammaGradient.Slice(0, channels);
        dbeta.Clear();
        dgamma.Clear();
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dy = outputGradient.Slice(r * channels, channels);
            TensorPrimitives.Add(dbeta, dy, dbeta);
            TensorPrimitives.MultiplyAdd(dy, xhat.Slice(r * channels, channels), dgamma, dgamma);
        }

        // statistics[0] still holds the global row count N from the forward pass.
        Span<float> sumDy = statistics.Slice(1, channels);
        Span<float> sumDyXhat = statistics.Slice(1 + channels, channels);
        float n = rows;
        TensorPrimitives.Multiply(dbeta, n, sumDy);
        TensorPrimitives.Multiply(dgamma, n, sumDyXhat);
        collectives.AllReduceSum(statistics.Slice(1, 2 * channels));
        if (inputGradient.IsEmpty)
            return;

        // mean dy and mean dy*xhat over the global batch, in this rank's scale: G / (n_r N).
        float toMean = 1f / (n * statistics[0]);
        TensorPrimitives.Multiply(sumDy, toMean, sumDy);
        TensorPrimitives.Multiply(sumDyXhat, toMean, sumDyXhat);
        for (int r = 0; r < rows; r++)
        {
            Span<float> dx = inputGradient.Slice(r * channels, channels);
            ReadOnlySpan<float> dy = outputGradient.Slice(r * channels, channels);
            ReadOnlySpan<float> xh = xhat.Slice(r * channels, channels);
            // dx = gamma * rstd * (dy - meanDy - xhat * meanDyXhat)
            TensorPrimitives.MultiplyAdd(xh, sumDyXhat, sumDy, dx);
            TensorPrimitives.Subtract(dy, dx, dx);
            TensorPrimitives.Multiply(dx, gamma.Slice(0, channels), dx);
            TensorPrimitives.Multiply(dx, rstd.Slice(0, channels), dx);
        }
    }

    /// <summary>
    /// The backward pass of a rank that holds no rows this step: contributes zeros to the gradient-sums all-reduce.
    /// </summary>
    public static void BackwardWithoutRows(Span<float> statistics, int channels, ICollectives collectives)
    {
        ArgumentNullException.ThrowIfNull(collectives);
        Span<float> sums = statistics.Slice(1, 2 * channels);
        sums.Clear();
        collectives.AllReduceSum(sums);
    }

    /// <summary>
    /// From the all-reduced <c>[N, S1, S2]</c>: the global mean into <paramref name="mean"/> (which may be S1's span),
    /// <c>rstd</c>, and the running statistics. Every rank holds the same sums, so every rank computes the same values.
    /// </summary>
    private static void FinishStatistics(
        Span<float> mean, Span<float> rstd, ReadOnlySpan<float> statistics, Span<float> runningMean, Span<float> runningVar,
        float momentum, float epsilon, int channels)
    {
        float count = statistics[0];
        if (!(count >= 2f))
        {
            throw new ArgumentException(
                $"Expected more than 1 value per channel when training: synchronized batch normalization needs a global batch of at least 2 rows over all ranks (got {count}).",
                "batchSize");
        }

        float inverseCount = 1f / count;
        float unbias = count / (count - 1f);
        for (int c = 0; c < channels; c++)
        {
            float shift = runningMean[c];
            float meanShift = statistics[1 + c] * inverseCount;
            float variance = MathF.Max(statistics[1 + channels + c] * inverseCount - meanShift * meanShift, 0f);
            float batchMean = shift + meanShift;
            mean[c] = batchMean;
            rstd[c] = 1f / MathF.Sqrt(variance + epsilon);
            runningMean[c] = (1f - momentum) * shift + momentum * batchMean;
            runningVar[c] = (1f - momentum) * runningVar[c] + momentum * variance * unbias;
        }
    }
}
