using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Threading;
using DslNets.Data;
using DslNets.Kernels;

namespace DslNets.Training;

/// <summary>
/// Trains a network for epochs of shuffled mini-batches, with validation, learning-rate schedules, Keras-style
/// early stopping (best-weights restore), progress reports, cancellation and checkpoints that resume bit for bit.
/// </summary>
/// <typeparam name="TTarget"><see cref="int"/> class labels (accuracy is reported) or <see cref="float"/> targets.</typeparam>
/// <remarks>
/// <para>All buffers (batch inputs and targets, the shuffle permutation, prediction outputs, best weights) are
/// allocated once; <see cref="TrainEpoch"/> and <see cref="Evaluate"/> allocate nothing after the first epoch.</para>
/// <para>Epoch <c>e</c> (0-based) shuffles the identity permutation with <c>new SeededRandom(Seed, 2e + 1)</c> and
/// augments with <c>new SeededRandom(Seed, 2e + 2)</c>, so the random numbers of any epoch follow from the seed
/// and the epoch alone. Randomness inside the network (dropout masks) comes from <see cref="INetwork.NoiseState"/>,
/// which checkpoints save and restore.</para>
/// </remarks>
public sealed partial class Trainer<TTarget>
    where TTarget : unmanaged
{
    private readonly INetwork<TTarget> _network;
    private readonly IOptimizer _optimizer;
    private readonly TrainerOptions _options;
    private readonly int _batchSize;
    private readonly bool _hasBatchNorm;
    private readonly bool _hasPerRankBatchNorm; // a batch norm that is not synchronized: per-rank statistics in data-parallel mode
    private readonly float[] _batchInputs;
    private readonly TTarget[] _batchTargets;
    private readonly float[] _outputs;
    private readonly float[] _lossGradient; // Evaluate's scratch for the loss kernels' gradient
    private int[] _order = [];

    // Early-stopping state (part of checkpoints).
    private float _bestMetric = float.NaN;
    private int _bestEpoch;
    private int _wait;
    private bool _stopped;
    private float[]? _bestParameters;
    private float[]? _bestBuffers;

    /// <summary>Creates a trainer; the optimizer's current learning rate becomes the schedule's base rate.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">The optimizer (bound to the network's parameter count here).</param>
    /// <param name="options">How to train; null for the defaults.</param>
    public Trainer(INetwork<TTarget> network, IOptimizer optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new TrainerOptions();
        if (typeof(TTarget) != typeof(int) && typeof(TTarget) != typeof(float))
            throw new ArgumentException($"Expected int labels or float targets, got {typeof(TTarget).Name}.", nameof(network));
        if (options.Epochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Expected options.Epochs > 0.");
        int maxBatch = MaxGlobalBatch(network, options.Collectives);
        int batchSize = options.BatchSize == 0 ? maxBatch : options.BatchSize;
        if (batchSize < 1 || batchSize > maxBatch)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, $"Expected options.BatchSize in [1, {MaxBatchDescription(network, options.Collectives)}] or 0.");
        // A batch of one sample is an error only for a batch norm that then sees one value per channel (after a dense
        // layer or on one pixel), as in PyTorch; after a convolution it normalizes over the sample's pixels too.
        bool hasBatchNorm = false, hasPerRankBatchNorm = false;
        foreach (OperationInfo operation in network.Operations)
        {
            bool oneValuePerSample = operation.InputShape.Count != 3 || operation.InputShape[1] * operation.InputShape[2] == 1;
            hasBatchNorm |= operation.Kind == OperationKind.BatchNorm && oneValuePerSample;
            hasPerRankBatchNorm |= operation.Kind == OperationKind.BatchNorm && !operation.Synchronized;
        }

        if (hasBatchNorm && batchSize < 2)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.BatchSize, $"Expected options.BatchSize >= 2: {network.Name} has BatchNorm, which cannot train on batches of one sample.");
        }

        if (options.CheckpointInterval <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.CheckpointInterval, "Expected options.CheckpointInterval > 0.");
        if (options.EarlyStopping is { } stopping)
        {
            if (stopping.Patience < 0)
                throw new ArgumentOutOfRangeException(nameof(options), stopping.Patience, "Expected EarlyStopping.Patience >= 0.");
            if (!(stopping.MinDelta >= 0f) || float.IsInfinity(stopping.MinDelta))
                throw new ArgumentOutOfRangeException(nameof(options), stopping.MinDelta, "Expected EarlyStopping.MinDelta to be finite and >= 0.");
            if (stopping.Monitor == Metric.ValidationAccuracy && typeof(TTarget) != typeof(int))
                throw new ArgumentException("Expected EarlyStopping.Monitor other than ValidationAccuracy: accuracy needs int class labels.", nameof(options));
        }

        if (options.Augmentation is { } augmentation && augmentation.SampleSize != network.InputSize)
        {
            throw new ArgumentException(
                $"Expected options.Augmentation.SampleSize == InputSize = {network.InputSize}, got {augmentation.SampleSize}.", nameof(options));
        }

        optimizer.Bind(network.Parameters.Length);
        _network = network;
        _optimizer = optimizer;
        _options = options;
        _batchSize = batchSize;
        _hasBatchNorm = hasBatchNorm;
        _hasPerRankBatchNorm = hasPerRankBatchNorm;
        _batchInputs = new float[network.MaxBatch * network.InputSize];
        _batchTargets = new TTarget[network.MaxBatch * network.TargetsPerSample];
        _outputs = new float[network.MaxBatch * network.OutputSize];
        _lossGradient = new float[network.MaxBatch * network.OutputSize];
        BaseLearningRate = optimizer.LearningRate;
        StartDataParallel(options.Collectives);
    }

    /// <summary>Epochs trained so far (restored by <see cref="LoadCheckpoint"/>).</summary>
    public int Epoch { get; private set; }

    /// <summary>Batches trained so far; the schedule's <c>t</c> with <see cref="ScheduleUnit.Batch"/>.</summary>
    public long BatchesTrained { get; private set; }

    /// <summary>The learning rate schedules start from (the optimizer's rate when the trainer was created).</summary>
    public float BaseLearningRate { get; private set; }

    /// <summary>
    /// Trains from <see cref="Epoch"/> up to <see cref="TrainerOptions.Epochs"/>, validating after each epoch when
    /// <paramref name="validation"/> is given, stopping early when configured, and restoring the best weights at the
    /// end when <see cref="EarlyStopping.RestoreBestWeights"/> is set.
    /// </summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled (checked before every batch).</exception>
    public TrainingResult Fit(Dataset<TTarget> training, Dataset<TTarget>? validation = null, CancellationToken cancellationToken = default)
    {
        CheckDataset(training, nameof(training));
        CheckTrainingSet(training);
        if (validation is not null)
        {
            CheckDataset(validation, nameof(validation));
            CheckLabels(validation, nameof(validation));
        }

        EarlyStopping? stopping = _options.EarlyStopping;
        if (stopping is not null && stopping.Monitor != Metric.TrainingLoss && validation is null)
            throw new ArgumentNullException(nameof(validation), $"Early stopping monitors {stopping.Monitor}: pass a validation set.");

        var history = new List<EpochReport>();
        while (!_stopped && Epoch < _options.Epochs)
        {
            EpochMetrics train = TrainEpoch(training, cancellationToken);
            EpochMetrics? validationMetrics = validation is null ? null : Evaluate(validation);
            bool improved = true;
            if (stopping is not null)
            {
                float value = stopping.Monitor switch
                {
                    Metric.TrainingLoss => train.Loss,
                    Metric.ValidationLoss => validationMetrics!.Value.Loss,
                    _ => validationMetrics!.Value.Accuracy,
                };
                improved = UpdateEarlyStopping(stopping, AgreeOnMonitoredValue(value));
            }

            var report = new EpochReport(Epoch, _options.Epochs, train, validationMetrics, _optimizer.LearningRate, improved, _bestEpoch);
            history.Add(report);
            if (Reports)
                _options.EpochProgress?.Report(report);
            if (Reports && _options.Checkpoint is { } checkpoint && Epoch % _options.CheckpointInterval == 0)
            {
                using Stream stream = checkpoint(Epoch);
                SaveCheckpoint(stream);
            }
        }

        bool restored = false;
        if (stopping is { RestoreBestWeights: true } && _bestParameters is not null && _bestEpoch != Epoch)
        {
            _bestParameters.CopyTo(_network.Parameters);
            _bestBuffers!.CopyTo(_network.Buffers);
            _network.OnParametersChanged();
            restored = true;
        }

        return new TrainingResult(history, Epoch, _stopped, _bestEpoch, stopping is null ? float.NaN : _bestMetric, restored);
    }

    /// <summary>
    /// Trains one epoch (number <see cref="Epoch"/> + 1) over <paramref name="training"/> and returns its mean loss.
    /// Allocates nothing once the permutation buffer fits the dataset.
    /// </summary>
    public EpochMetrics TrainEpoch(Dataset<TTarget> training, CancellationToken cancellationToken = default)
    {
        CheckDataset(training, nameof(training));
        int batchCount = CheckTrainingSet(training);
        int count = training.Count;
        if (_order.Length != count)
            _order = new int[count];
        int[] order = _order;
        for (int i = 0; i < count; i++)
            order[i] = i;
        ulong epochStream = 2 * (ulong)Epoch;
        if (_options.Shuffle)
        {
            // Fisher–Yates on the identity, so the order depends on (seed, epoch) only.
            var shuffle = new SeededRandom(_options.Seed, epochStream + 1);
            for (int i = count - 1; i > 0; i--)
            {
                int j = shuffle.NextInt32(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        var augmentationRandom = new SeededRandom(_options.Seed, AugmentationStream(epochStream + 2));
        int inputSize = _network.InputSize;
        int targetsPerSample = _network.TargetsPerSample;

        LearningRateSchedule? schedule = _options.Schedule;
        double lossSum = 0;
        int samples = 0;
        for (int batch = 0; batch < batchCount; batch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (int start, int size) = BatchBounds(batch, batchCount, count);
            (int shareStart, int shareSize) = Share(start, size); // the whole batch on one process
            Span<float> inputs = _batchInputs.AsSpan(0, shareSize * inputSize);
            Span<TTarget> targets = _batchTargets.AsSpan(0, shareSize * targetsPerSample);
            for (int k = 0; k < shareSize; k++)
            {
                int index = order[shareStart + k];
                ReadOnlySpan<float> source = training.Features.AsSpan(index * inputSize, inputSize);
                Span<float> destination = inputs.Slice(k * inputSize, inputSize);
                if (_options.Augmentation is { } augmentation)
                    augmentation.Apply(source, destination, ref augmentationRandom);
                else
                    source.CopyTo(destination);
                training.Targets.AsSpan(index * targetsPerSample, targetsPerSample).CopyTo(targets.Slice(k * targetsPerSample));
            }

            if (schedule is not null)
            {
                long t = _options.ScheduleUnit == ScheduleUnit.Epoch ? Epoch : BatchesTrained;
                _optimizer.LearningRate = schedule.LearningRateAt(BaseLearningRate, (int)Math.Min(t, int.MaxValue));
            }

            float loss = Step(inputs, targets, shareSize);
            BatchesTrained++;
            lossSum += (double)loss * size;
            samples += size;
            if (Reports)
                _options.BatchProgress?.Report(new BatchReport(Epoch + 1, batch + 1, batchCount, size, loss, _optimizer.LearningRate));
        }

        Epoch++;
        return new EpochMetrics((float)(lossSum / samples), float.NaN, samples);
    }

    /// <summary>
    /// Mean data loss (no regularization) and, for class labels, accuracy over <paramref name="data"/>, in evaluation
    /// mode (running statistics, no noise). The loss is the one training reports, from the same kernels
    /// (<see cref="LossKernels"/>) on <see cref="INetwork.PredictLogits(ReadOnlySpan{float}, Span{float}, int)"/>:
    /// softmax cross-entropy and binary cross-entropy in their stable forms on the logits, squared error for MSE.
    /// </summary>
    public EpochMetrics Evaluate(Dataset<TTarget> data)
    {
        CheckDataset(data, nameof(data));
        int inputSize = _network.InputSize;
        int outputSize = _network.OutputSize;
        int targetsPerSample = _network.TargetsPerSample;
        Loss lossKind = _network.Loss;
        double lossSum = 0;
        int correct = 0;
        (int first, int shareSize) = Share(0, data.Count); // this rank's share; everything on one process
        for (int start = first; start < first + shareSize; start += _network.MaxBatch)
        {
            // The loss training reports, from the same kernels, on the logits (PredictLogits: inference semantics,
            // before the output link): numerically stable where log(softmax) or log(sigmoid) of Predict's
            // probabilities would round to log(0). The kernels' gradient goes to a scratch nobody reads.
            int size = Math.Min(_network.MaxBatch, first + shareSize - start);
            Span<float> logits = _outputs.AsSpan(0, size * outputSize);
            Span<float> gradient = _lossGradient.AsSpan(0, size * outputSize);
            _network.PredictLogits(data.Features.AsSpan(start * inputSize, size * inputSize), logits, size);
            ReadOnlySpan<TTarget> targets = data.Targets.AsSpan(start * targetsPerSample, size * targetsPerSample);
            if (typeof(TTarget) == typeof(int))
            {
                ReadOnlySpan<int> labels = MemoryMarshal.Cast<TTarget, int>(targets);
                for (int k = 0; k < size; k++)
                {
                    int label = labels[k];
                    if ((uint)label >= (uint)outputSize)
                        throw new ArgumentOutOfRangeException(nameof(data), label, $"Sample {start + k} has label {label}: expected a value in [0, {outputSize}).");
                    if (TensorPrimitives.IndexOfMax(logits.Slice(k * outputSize, outputSize)) == label)
                        correct++; // softmax keeps the order: the largest logit is the most probable class
                }

                lossSum += (double)LossKernels.SoftmaxCrossEntropy(gradient, logits, labels, size, outputSize) * size;
            }
            else
            {
                ReadOnlySpan<float> expected = MemoryMarshal.Cast<TTarget, float>(targets);
                float meanLoss = lossKind == Loss.BinaryCrossEntropy
                    ? LossKernels.BinaryCrossEntropy(gradient, logits, expected, size, outputSize)
                    : LossKernels.MeanSquaredError(gradient, logits, expected, size, outputSize);
                lossSum += (double)meanLoss * size * outputSize;
            }
        }

        CombineValidation(ref lossSum, ref correct);

        // Elementwise losses are averaged over every output, class losses over samples (PyTorch reduction "mean").
        double denominator = typeof(TTarget) == typeof(int) ? data.Count : (double)data.Count * outputSize;
        float accuracy = typeof(TTarget) == typeof(int) ? (float)correct / data.Count : float.NaN;
        return new EpochMetrics((float)(lossSum / denominator), accuracy, data.Count);
    }

    /// <summary>
    /// Everything about the training set that would otherwise fail in the middle of an epoch, after weights had
    /// changed: at least one batch, no batch-norm batch of one sample (on any rank), every class label in range. Returns the
    /// number of batches per epoch.
    /// </summary>
    private int CheckTrainingSet(Dataset<TTarget> training)
    {
        int count = training.Count;
        int batchCount = _options.DropLast ? count / _batchSize : (count + _batchSize - 1) / _batchSize;
        if (batchCount == 0)
            throw new ArgumentException($"The training set has {count} samples, fewer than one batch of {_batchSize} with DropLast.", nameof(training));
        if (_hasBatchNorm && BatchBounds(batchCount - 1, batchCount, count).Size < 2)
        {
            throw new ArgumentException(
                $"{_network.Name} has BatchNorm, which cannot train on one sample, and the training set's {count} samples leave one for the last batch " +
                $"that batches of {_batchSize} cannot share: set options.DropLast = true or a batch size of at least 3.",
                nameof(training));
        }

        CheckShares(count, batchCount);
        CheckLabels(training, nameof(training));
        return batchCount;
    }

    /// <summary>For class labels: every label in [0, OutputSize), checked before a run rather than at the batch that holds a bad one.</summary>
    private void CheckLabels(Dataset<TTarget> data, string paramName)
    {
        if (typeof(TTarget) != typeof(int))
            return;
        ReadOnlySpan<int> labels = MemoryMarshal.Cast<TTarget, int>(data.Targets.AsSpan());
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)_network.OutputSize)
                throw new ArgumentOutOfRangeException(paramName, labels[i], $"Sample {i} has label {labels[i]}: expected a value in [0, {_network.OutputSize}).");
        }
    }

    /// <summary>
    /// Where batch <paramref name="batch"/> of an epoch starts and how many samples it has: <see cref="_batchSize"/>
    /// each, the last one what is left over. When the network has batch norm and one sample would be left over, the
    /// last two batches share the <c>batchSize + 1</c> samples instead (<c>ceil</c> and <c>floor</c> of half),
    /// since batch statistics of one sample are undefined; the epoch keeps its number of batches and every sample.
    /// </summary>
    private (int Start, int Size) BatchBounds(int batch, int batchCount, int count)
    {
        int start = batch * _batchSize;
        int size = Math.Min(_batchSize, count - start);
        bool oneLeftOver = _hasBatchNorm && batchCount >= 2 && count - (batchCount - 1) * _batchSize == 1;
        if (!oneLeftOver || batch < batchCount - 2)
            return (start, size);
        int firstOfPair = (_batchSize + 2) / 2;
        return batch == batchCount - 2 ? (start, firstOfPair) : (start - _batchSize + firstOfPair, _batchSize + 1 - firstOfPair);
    }

    private bool UpdateEarlyStopping(EarlyStopping stopping, float value)
    {
        bool maximize = stopping.Monitor == Metric.ValidationAccuracy;
        bool improved = !float.IsNaN(value) && (float.IsNaN(_bestMetric) ||
            (maximize ? value > _bestMetric + stopping.MinDelta : value < _bestMetric - stopping.MinDelta));
        if (improved)
        {
            _bestMetric = value;
            _bestEpoch = Epoch;
            _wait = 0;
            if (stopping.RestoreBestWeights)
            {
                _bestParameters ??= new float[_network.Parameters.Length];
                _bestBuffers ??= new float[_network.Buffers.Length];
                _network.Parameters.CopyTo(_bestParameters);
                _network.Buffers.CopyTo(_bestBuffers);
            }
        }
        else if (++_wait >= stopping.Patience)
        {
            _stopped = true;
        }

        return improved;
    }

    private void CheckDataset(Dataset<TTarget> data, string paramName)
    {
        ArgumentNullException.ThrowIfNull(data, paramName);
        if (data.FeatureCount != _network.InputSize)
            throw new ArgumentException($"Expected {paramName}.FeatureCount == InputSize = {_network.InputSize}, got {data.FeatureCount}.", paramName);
        if (data.TargetsPerSample != _network.TargetsPerSample)
            throw new ArgumentException($"Expected {paramName}.TargetsPerSample == {_network.TargetsPerSample}, got {data.TargetsPerSample}.", paramName);
        if (data.Count == 0)
            throw new ArgumentException($"Expected {paramName} to hold at least one sample.", paramName);
    }
}
