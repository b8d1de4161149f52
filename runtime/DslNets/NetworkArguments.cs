using System;

namespace DslNets;

/// <summary>
/// The argument checks every generated network runs before it writes anything, so a bad call throws and leaves
/// parameters, gradients, running statistics and optimizer state as they were.
/// </summary>
public static class NetworkArguments
{
    /// <summary>Checks <paramref name="batchSize"/> is in [1, <paramref name="maxBatch"/>].</summary>
    public static void CheckBatchSize(int batchSize, int maxBatch)
    {
        if (batchSize < 1 || batchSize > maxBatch)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be between 1 and MaxBatch = {maxBatch}.");
    }

    /// <summary>Checks a span holds exactly <paramref name="batchSize"/> rows of <paramref name="width"/> values.</summary>
    public static void CheckLength(int actualLength, int batchSize, int width, string paramName)
    {
        int expected = batchSize * width;
        if (actualLength != expected)
        {
            throw new ArgumentException(
                $"Expected {paramName}.Length == {expected} ({batchSize} x {width}), got {actualLength}.", paramName);
        }
    }

    /// <summary>Checks every label is a class index in [0, <paramref name="classes"/>).</summary>
    public static void CheckLabels(ReadOnlySpan<int> labels, int classes, string paramName)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(
                    paramName, labels[i], $"{paramName}[{i}] = {labels[i]} is not a class index: expected a value in [0, {classes}).");
            }
        }
    }

    /// <summary>Checks a batch-norm network is not trained on a single sample (the batch variance would be 0).</summary>
    public static void CheckBatchNormBatch(int batchSize)
    {
        if (batchSize < 2)
        {
            throw new ArgumentException(
                "Expected more than 1 value per channel when training: batch normalization needs batchSize >= 2 (got 1); use Predict for single samples.",
                nameof(batchSize));
        }
    }

    /// <summary>Checks the optimizer is present and fits the parameter buffer, before any work is done.</summary>
    public static void CheckOptimizer(IOptimizer? optimizer, int parameterCount)
    {
        if (optimizer is null)
            throw new ArgumentNullException(nameof(optimizer));
        optimizer.Bind(parameterCount);
    }
}
