using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace DslNets.Data;

/// <summary>
/// Samples held in memory: features as one row-major array (<see cref="Count"/> rows of <see cref="FeatureCount"/>
/// values, exactly what a network's batch input expects) and targets as another (<see cref="TargetsPerSample"/> per
/// row: one <see cref="int"/> class label, or one <see cref="float"/> per network output).
/// </summary>
/// <typeparam name="TTarget"><see cref="int"/> class labels or <see cref="float"/> targets.</typeparam>
public sealed class Dataset<TTarget>
    where TTarget : unmanaged
{
    /// <summary>Wraps existing arrays (not copied): <paramref name="features"/> holds rows of <paramref name="featureCount"/> values.</summary>
    /// <param name="features">Row-major features, length <c>count * featureCount</c>.</param>
    /// <param name="targets">Row-major targets, length <c>count * targetsPerSample</c>.</param>
    /// <param name="featureCount">Values per sample, positive.</param>
    /// <param name="targetsPerSample">Targets per sample, positive (1 for class labels).</param>
    public Dataset(float[] features, TTarget[] targets, int featureCount, int targetsPerSample = 1)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (featureCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "featureCount must be positive.");
        if (targetsPerSample <= 0)
            throw new ArgumentOutOfRangeException(nameof(targetsPerSample), targetsPerSample, "targetsPerSample must be positive.");
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"Expected features.Length to be a multiple of featureCount = {featureCount}, got {features.Length}.", nameof(features));
        int count = features.Length / featureCount;
        if (targets.Length != (long)count * targetsPerSample)
        {
            throw new ArgumentException(
                $"Expected targets.Length == {(long)count * targetsPerSample} ({count} samples x {targetsPerSample}), got {targets.Length}.", nameof(targets));
        }

        Features = features;
        Targets = targets;
        FeatureCount = featureCount;
        TargetsPerSample = targetsPerSample;
        Count = count;
    }

    /// <summary>Builds a dataset from one feature array per sample (copied) and the targets (copied).</summary>
    public static Dataset<TTarget> FromRows(IReadOnlyList<float[]> rows, IReadOnlyList<TTarget> targets, int targetsPerSample = 1)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(targets);
        if (rows.Count == 0)
            throw new ArgumentException("Expected at least one row.", nameof(rows));
        int featureCount = rows[0].Length;
        var features = new float[checked(rows.Count * featureCount)];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != featureCount)
                throw new ArgumentException($"Expected rows[{i}].Length == {featureCount} (the length of rows[0]), got {rows[i].Length}.", nameof(rows));
            rows[i].CopyTo(features, i * featureCount);
        }

        var targetArray = new TTarget[targets.Count];
        for (int i = 0; i < targetArray.Length; i++)
            targetArray[i] = targets[i];
        return new Dataset<TTarget>(features, targetArray, featureCount, targetsPerSample);
    }

    /// <summary>Row-major features: sample <c>i</c> is <c>Features[i * FeatureCount .. (i + 1) * FeatureCount]</c>.</summary>
    public float[] Features { get; }

    /// <summary>Row-major targets: sample <c>i</c> owns <c>Targets[i * TargetsPerSample ..]</c>.</summary>
    public TTarget[] Targets { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Values per sample.</summary>
    public int FeatureCount { get; }

    /// <summary>Targets per sample.</summary>
    public int TargetsPerSample { get; }

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public Span<float> GetFeatures(int index) => Features.AsSpan(CheckIndex(index) * FeatureCount, FeatureCount);

    /// <summary>The targets of sample <paramref name="index"/>.</summary>
    public Span<TTarget> GetTargets(int index) => Targets.AsSpan(CheckIndex(index) * TargetsPerSample, TargetsPerSample);

    /// <summary>A copy of the samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), e.g. to hold out a validation set.</summary>
    public Dataset<TTarget> Slice(int start, int count)
    {
        if ((uint)start > (uint)Count || (uint)count > (uint)(Count - start))
            throw new ArgumentOutOfRangeException(nameof(count), $"Expected 0 <= start <= start + count <= Count = {Count}, got start = {start}, count = {count}.");
        return new Dataset<TTarget>(
            Features.AsSpan(start * FeatureCount, count * FeatureCount).ToArray(),
            Targets.AsSpan(start * TargetsPerSample, count * TargetsPerSample).ToArray(),
            FeatureCount,
            TargetsPerSample);
    }

    /// <summary>Multiplies every feature by <paramref name="factor"/> in place (e.g. <c>1 / 255f</c> for 8-bit pixels).</summary>
    public void Scale(float factor) => TensorPrimitives.Multiply(Features, factor, Features);

    /// <summary>
    /// Maps the features linearly to [0, 1] in place using their global minimum and maximum, and returns those so
    /// the same mapping can be applied to other sets with <see cref="Standardize(float, float)"/>
    /// (<c>mean = min</c>, <c>std = max - min</c>). A constant dataset becomes all zeros.
    /// </summary>
    public (float Minimum, float Maximum) ScaleToUnitRange()
    {
        if (Features.Length == 0)
            return (0f, 0f);
        float min = TensorPrimitives.Min(Features);
        float max = TensorPrimitives.Max(Features);
        float range = max - min;
        TensorPrimitives.Subtract(Features, min, Features);
        if (range > 0f)
            TensorPrimitives.Multiply(Features, 1f / range, Features);
        return (min, max);
    }

    /// <summary>The mean and (population) standard deviation over all features of all samples, computed in double.</summary>
    public (float Mean, float StandardDeviation) ComputeStatistics()
    {
        if (Features.Length == 0)
            return (0f, 0f);
        double sum = 0;
        foreach (float x in Features)
            sum += x;
        double mean = sum / Features.Length;
        double squares = 0;
        foreach (float x in Features)
            squares += (x - mean) * (x - mean);
        return ((float)mean, (float)Math.Sqrt(squares / Features.Length));
    }

    /// <summary>Per-feature mean and (population) standard deviation, each of length <see cref="FeatureCount"/>.</summary>
    public (float[] Mean, float[] StandardDeviation) ComputeFeatureStatistics()
    {
        var sum = new double[FeatureCount];
        var squares = new double[FeatureCount];
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<float> row = GetFeatures(i);
            for (int f = 0; f < FeatureCount; f++)
                sum[f] += row[f];
        }

        var mean = new float[FeatureCount];
        for (int f = 0; f < FeatureCount; f++)
            mean[f] = Count == 0 ? 0f : (float)(sum[f] / Count);
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<float> row = GetFeatures(i);
            for (int f = 0; f < FeatureCount; f++)
            {
                double d = row[f] - (double)mean[f];
                squares[f] += d * d;
            }
        }

        var std = new float[FeatureCount];
        for (int f = 0; f < FeatureCount; f++)
            std[f] = Count == 0 ? 0f : (float)Math.Sqrt(squares[f] / Count);
        return (mean, std);
    }

    /// <summary>
    /// <c>x = (x - mean) / std</c> for every feature, in place (torchvision <c>Normalize</c> with one channel).
    /// Use the training set's statistics for the validation and test sets too.
    /// </summary>
    public void Standardize(float mean, float standardDeviation)
    {
        if (!(standardDeviation > 0f) || float.IsInfinity(standardDeviation))
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "The standard deviation must be positive and finite.");
        TensorPrimitives.Subtract(Features, mean, Features);
        TensorPrimitives.Multiply(Features, 1f / standardDeviation, Features);
    }

    /// <summary>
    /// <c>x[f] = (x[f] - mean[f]) / std[f]</c> per feature, in place. A zero standard deviation (a constant feature)
    /// only centres that feature.
    /// </summary>
    public void Standardize(ReadOnlySpan<float> mean, ReadOnlySpan<float> standardDeviation)
    {
        if (mean.Length != FeatureCount)
            throw new ArgumentException($"Expected mean.Length == FeatureCount = {FeatureCount}, got {mean.Length}.", nameof(mean));
        if (standardDeviation.Length != FeatureCount)
            throw new ArgumentException($"Expected standardDeviation.Length == FeatureCount = {FeatureCount}, got {standardDeviation.Length}.", nameof(standardDeviation));
        for (int f = 0; f < FeatureCount; f++)
        {
            if (!(standardDeviation[f] >= 0f) || float.IsInfinity(standardDeviation[f]))
                throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation[f], $"standardDeviation[{f}] must be non-negative and finite.");
        }

        Span<float> scale = FeatureCount <= 1024 ? stackalloc float[FeatureCount] : new float[FeatureCount];
        for (int f = 0; f < FeatureCount; f++)
            scale[f] = standardDeviation[f] > 0f ? 1f / standardDeviation[f] : 1f;
        for (int i = 0; i < Count; i++)
        {
            Span<float> row = GetFeatures(i);
            TensorPrimitives.Subtract(row, mean, row);
            TensorPrimitives.Multiply(row, scale, row);
        }
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected a sample index in [0, {Count}).");
        return index;
    }
}
