using System;
using System.IO;
using DslNets;
using DslNets.Distributed;

namespace DslNets.MpiRank;

/// <summary>
/// What a scenario run observed: the first step's loss parts, gradients and running statistics, then 10 training steps
/// and the parameters and running statistics after them.
/// </summary>
public sealed record ScenarioResult(
    float FirstDataLoss, float FirstRegularizationLoss, float[] FirstGradients, float[] FirstBuffers, float[] Losses, float[] FinalParameters, float[] FinalBuffers)
{
    public void Write(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(FirstDataLoss);
        writer.Write(FirstRegularizationLoss);
        foreach (float[] values in new[] { FirstGradients, FirstBuffers, Losses, FinalParameters, FinalBuffers })
        {
            writer.Write(values.Length);
            foreach (float value in values)
                writer.Write(value);
        }
    }

    public static ScenarioResult Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        float dataLoss = reader.ReadSingle();
        float regularizationLoss = reader.ReadSingle();
        var arrays = new float[5][];
        for (int a = 0; a < arrays.Length; a++)
        {
            arrays[a] = new float[reader.ReadInt32()];
            for (int i = 0; i < arrays[a].Length; i++)
                arrays[a][i] = reader.ReadSingle();
        }

        return new ScenarioResult(dataLoss, regularizationLoss, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4]);
    }
}

/// <summary>
/// One data-parallel experiment, run the same way by the in-process tests and by every MPI rank: a global batch per
/// step, split into consecutive per-rank slices of the given sizes, 10 steps of SGD with momentum. The single-process
/// run trains on the whole (concatenated) batch instead; both must agree.
/// </summary>
public static class DataParallelScenario
{
    public const int Steps = 10;

    /// <summary>Runs the scenario on one process over the whole global batch of <paramref name="globalBatch"/> samples.</summary>
    public static ScenarioResult Single(string network, int globalBatch) => network switch
    {
        "classifier" => Run(new ParallelClassifier(), null, ClassifierBatch, 0, globalBatch, globalBatch),
        "regressor" => Run(new ParallelRegressor(), null, RegressorBatch, 0, globalBatch, globalBatch),
        "syncbn-classifier" => Run(new SyncBatchNormClassifier(), null, ClassifierBatch, 0, globalBatch, globalBatch),
        "syncbn-regressor" => Run(new SyncBatchNormRegressor(), null, RegressorBatch, 0, globalBatch, globalBatch),
        _ => throw new ArgumentException($"Unknown scenario network '{network}'.", nameof(network)),
    };

    /// <summary>Runs this rank's part: <paramref name="split"/>[r] samples of every global batch on rank r.</summary>
    public static ScenarioResult Distributed(string network, ICollectives collectives, int[] split)
    {
        if (split.Length != collectives.Size)
            throw new ArgumentException($"Expected {collectives.Size} slice sizes, got {split.Length}.", nameof(split));
        int offset = 0;
        for (int r = 0; r < collectives.Rank; r++)
            offset += split[r];
        int globalBatch = 0;
        foreach (int size in split)
            globalBatch += size;
        int count = split[collectives.Rank];
        return network switch
        {
            "classifier" => RunDistributed(new ParallelClassifier(), collectives, ClassifierBatch, offset, count, globalBatch),
            "regressor" => RunDistributed(new ParallelRegressor(), collectives, RegressorBatch, offset, count, globalBatch),
            "syncbn-classifier" => RunDistributed(new SyncBatchNormClassifier(), collectives, ClassifierBatch, offset, count, globalBatch),
            "syncbn-regressor" => RunDistributed(new SyncBatchNormRegressor(), collectives, RegressorBatch, offset, count, globalBatch),
            _ => throw new ArgumentException($"Unknown scenario network '{network}'.", nameof(network)),
        };
    }

    private static ScenarioResult RunDistributed<T>(INetwork<T> network, ICollectives collectives, Func<int, int, (float[], T[])> batch, int offset, int count, int globalBatch)
        where T : unmanaged
    {
        // Only rank 0's weights may survive the start-up broadcast: scramble the others'.
        if (collectives.Rank != 0)
        {
            var random = new SeededRandom(1000 + collectives.Rank);
            foreach (ref float value in network.Parameters)
                value = random.NextGaussian();
            foreach (ref float value in network.Buffers)
                value = random.NextSingle(0.5f, 2f);
            network.OnParametersChanged();
        }

        return Run(network, new DataParallel<T>(network, collectives), batch, offset, count, globalBatch);
    }

    private static ScenarioResult Run<T>(INetwork<T> network, DataParallel<T>? parallel, Func<int, int, (float[], T[])> batch, int offset, int count, int globalBatch)
        where T : unmanaged
    {
        int inputSize = network.InputSize;
        int targetsPerSample = network.TargetsPerSample;

        (float[] x, T[] y) = batch(0, globalBatch);
        ReadOnlySpan<float> inputs = x.AsSpan(offset * inputSize, count * inputSize);
        ReadOnlySpan<T> targets = y.AsSpan(offset * targetsPerSample, count * targetsPerSample);
        float dataLoss, regularizationLoss;
        if (parallel is null)
        {
            network.ComputeGradients(inputs, targets, count);
            (dataLoss, regularizationLoss) = (network.DataLoss, network.RegularizationLoss);
        }
        else
        {
            parallel.ComputeGradients(inputs, targets, count);
            (dataLoss, regularizationLoss) = (parallel.DataLoss, parallel.RegularizationLoss);
        }

        float[] firstGradients = network.Gradients.ToArray();
        float[] firstBuffers = network.Buffers.ToArray();
        var optimizer = new Sgd(0.05f, momentum: 0.9f);
        var losses = new float[Steps];
        for (int step = 0; step < Steps; step++)
        {
            (x, y) = batch(step, globalBatch);
            inputs = x.AsSpan(offset * inputSize, count * inputSize);
            targets = y.AsSpan(offset * targetsPerSample, count * targetsPerSample);
            losses[step] = parallel is null
                ? network.TrainStep(inputs, targets, count, optimizer)
                : parallel.TrainStep(inputs, targets, count, optimizer);
        }

        return new ScenarioResult(dataLoss, regularizationLoss, firstGradients, firstBuffers, losses, network.Parameters.ToArray(), network.Buffers.ToArray());
    }

    /// <summary>Step <paramref name="step"/>'s global batch for the classifier: Gaussian inputs, labels from a fixed rule.</summary>
    public static (float[] Inputs, int[] Labels) ClassifierBatch(int step, int count)
    {
        var random = new SeededRandom(77, (ulong)step);
        var inputs = new float[count * ParallelClassifier.InputSize];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            Span<float> row = inputs.AsSpan(n * ParallelClassifier.InputSize, ParallelClassifier.InputSize);
            for (int f = 0; f < row.Length; f++)
                row[f] = random.NextGaussian();
            labels[n] = (row[0] > 0 ? 1 : 0) + (row[1] + row[2] > 0 ? 2 : 0);
        }

        return (inputs, labels);
    }

    /// <summary>Step <paramref name="step"/>'s global batch for the regressor: uniform inputs, smooth targets.</summary>
    public static (float[] Inputs, float[] Targets) RegressorBatch(int step, int count)
    {
        var random = new SeededRandom(78, (ulong)step);
        var inputs = new float[count * ParallelRegressor.InputSize];
        var targets = new float[count * ParallelRegressor.OutputSize];
        for (int n = 0; n < count; n++)
        {
            Span<float> row = inputs.AsSpan(n * ParallelRegressor.InputSize, ParallelRegressor.InputSize);
            for (int f = 0; f < row.Length; f++)
                row[f] = random.NextSingle(-1f, 1f);
            targets[n * 3] = MathF.Sin(row[0] + row[1]);
            targets[n * 3 + 1] = row[2] * row[3];
            targets[n * 3 + 2] = MathF.Abs(row[4]) - 0.5f;
        }

        return (inputs, targets);
    }
}
