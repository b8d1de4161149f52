using System;
using DslNets.Threading;

namespace DslNets.Kernels;

// Variants over Memory, as for the dense kernels (DenseKernels.Threaded.cs): a generated network passes its own
// arrays, and a batch norm of at least MinSplitValues values is split across KernelThreads.Count threads by
// features. (Named apart from the span kernels rather than overloaded: a float[] converts to a span and to a Memory
// alike, and callers passing arrays would find the call ambiguous.) Each thread owns whole features (their
// statistics, their columns of every row), so the results are the same bits as on one thread.
public static partial class NormalizationKernels
{
    /// <summary>
    /// Features per chunk: a multiple of a cache line (16 floats), so two threads never write the same line, and of
    /// every vector width, so each feature takes the same vector or scalar path as in the whole row.
    /// </summary>
    private const int FeatureAlignment = 16;

    /// <summary>
    /// Values of <c>[B, F]</c> from which a batch norm is split: 256K, 1 MB per array, more than one core's L2 holds
    /// next to the rest of the step. Below it the split costs more than it saves: the product before a batch norm
    /// wrote its rows on both cores, and a split by features reads half of every row from the other core. Measured on
    /// Zen 4 (2 cores) in the batch-256 MLP step: split, the two batch norms took 59 and 42 us forward against 33
    /// and 19 on one thread, and the step's two-thread speed-up went from 1.57-1.60x to 1.65-1.70x without the split
    /// (`--versus 20 threads`, per-round medians). At 256 x 1024 the split pays: forward 101 -> 70 us, backward 95 -> 71.
    /// </summary>
    internal const int MinSplitValues = 1 << 18;

    private static bool ShouldSplitBatchNorm(int batchSize, int features) =>
        KernelThreads.Count > 1 && (long)batchSize * features >= MinSplitValues;

    /// <summary>
    /// <see cref="BatchNormTrainingForward(Span{float}, Span{float}, Span{float}, Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, int, int)"/>,
    /// split by features across <see cref="KernelThreads.Count"/> threads when the batch is large.
    /// </summary>
    public static void BatchNormTrainingForwardOnThreads(
        Memory<float> output, Memory<float> xhat, Memory<float> batchMean, Memory<float> rstd,
        Memory<float> runningMean, Memory<float> runningVar,
        ReadOnlyMemory<float> input, ReadOnlyMemory<float> gamma, ReadOnlyMemory<float> beta,
        float momentum, float epsilon, int batchSize, int features)
    {
        if (!ShouldSplitBatchNorm(batchSize, features))
        {
            BatchNormTrainingForward(
                output.Span, xhat.Span, batchMean.Span, rstd.Span, runningMean.Span, runningVar.Span, input.Span, gamma.Span, beta.Span,
                momentum, epsilon, batchSize, features);
            return;
        }

        var work = new ForwardWork(output, xhat, batchMean, rstd, runningMean, runningVar, input, gamma, beta, momentum, epsilon, batchSize, features);
        RowSplitter.Run(ref work, features, FeatureAlignment);
    }

    /// <summary>
    /// <see cref="BatchNormBackward(Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>,
    /// split by features across <see cref="KernelThreads.Count"/> threads when the batch is large.
    /// </summary>
    public static void BatchNormBackwardOnThreads(
        Memory<float> inputGradient, Memory<float> gammaGradient, Memory<float> betaGradient,
        ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> xhat, ReadOnlyMemory<float> rstd, ReadOnlyMemory<float> gamma,
        int batchSize, int features)
    {
        if (!ShouldSplitBatchNorm(batchSize, features))
        {
            BatchNormBackward(inputGradient.Span, gammaGradient.Span, betaGradient.Span, outputGradient.Span, xhat.Span, rstd.Span, gamma.Span, batchSize, features);
            return;
        }

        var work = new BackwardWork(inputGradient, gammaGradient, betaGradient, outputGradient, xhat, rstd, gamma, batchSize, features);
        RowSplitter.Run(ref work, features, FeatureAlignment);
    }

    private readonly struct ForwardWork(
        Memory<float> output, Memory<float> xhat, Memory<float> batchMean, Memory<float> rstd, Memory<float> runningMean, Memory<float> runningVar,
        ReadOnlyMemory<float> input, ReadOnlyMemory<float> gamma, ReadOnlyMemory<float> beta, float momentum, float epsilon, int batchSize, int features) : IRowWork
    {
        public void Run(int start, int end) =>
            BatchNormTrainingForwardColumns(
                output.Span, xhat.Span, batchMean.Span, rstd.Span, runningMean.Span, runningVar.Span, input.Span, gamma.Span, beta.Span,
                momentum, epsilon, batchSize, features, start, end);
    }

    private readonly struct BackwardWork(
        Memory<float> inputGradient, Memory<float> gammaGradient, Memory<float> betaGradient,
        ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> xhat, ReadOnlyMemory<float> rstd, ReadOnlyMemory<float> gamma, int batchSize, int features) : IRowWork
    {
        public void Run(int start, int end) =>
            BatchNormBackwardColumns(
                inputGradient.Span, gammaGradient.Span, betaGradient.Span, outputGradient.Span, xhat.Span, rstd.Span, gamma.Span,
                batchSize, features, start, end);
    }
}
