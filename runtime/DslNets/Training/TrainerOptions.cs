using System;
using System.IO;
using DslNets.Data;

namespace DslNets.Training;

/// <summary>What a schedule's step counter <c>t</c> counts.</summary>
public enum ScheduleUnit
{
    /// <summary><c>t</c> is the epoch index (0 for the first epoch); the rate changes between epochs (PyTorch's usual <c>scheduler.step()</c> per epoch).</summary>
    Epoch,

    /// <summary><c>t</c> is the number of batches trained so far; the rate changes before every batch.</summary>
    Batch,
}

/// <summary>A quantity the trainer can monitor for early stopping.</summary>
public enum Metric
{
    /// <summary>Mean training loss of the epoch (data + regularization), lower is better.</summary>
    TrainingLoss,

    /// <summary>Mean data loss on the validation set in evaluation mode, lower is better.</summary>
    ValidationLoss,

    /// <summary>Fraction of validation samples whose arg-max output is the label (class-label networks only), higher is better.</summary>
    ValidationAccuracy,
}

/// <summary>
/// Keras-style early stopping: after each epoch the monitored metric counts as an improvement when it beats the best
/// value so far by more than <see cref="MinDelta"/>; after <see cref="Patience"/> epochs in a row without one,
/// training stops.
/// </summary>
/// <param name="Monitor">The metric to watch (losses are minimized, accuracy is maximized).</param>
/// <param name="Patience">Epochs without improvement tolerated before stopping, ≥ 0.</param>
/// <param name="MinDelta">The smallest change that counts as an improvement, ≥ 0 (in the metric's units).</param>
/// <param name="RestoreBestWeights">
/// When training ends (stopped early or not), copy back the parameters and buffers of the best epoch.
/// </param>
public sealed record EarlyStopping(Metric Monitor = Metric.ValidationLoss, int Patience = 5, float MinDelta = 0f, bool RestoreBestWeights = true);

/// <summary>How a <see cref="Trainer{TTarget}"/> runs. Every member has a usable default.</summary>
public sealed class TrainerOptions
{
    /// <summary>Total number of epochs (a resumed trainer continues up to this number), positive. Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Samples per batch, in [1, MaxBatch] (at least 2 for a network with batch norm); 0 (default) means the network's
    /// <see cref="INetwork.MaxBatch"/>. With <see cref="Collectives"/> this is the global batch, split over the ranks:
    /// in [1, MaxBatch x ranks], 0 for MaxBatch x ranks.
    /// </summary>
    public int BatchSize { get; init; }

    /// <summary>Shuffle the training set every epoch (Fisher–Yates with <see cref="Seed"/>). Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling and augmentation; epoch <c>e</c> uses streams derived from (seed, e), so a resumed run draws the same numbers.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Drop the last batch of an epoch when it is smaller than <see cref="BatchSize"/> (PyTorch <c>drop_last</c>).
    /// Default false: every sample trains every epoch, and for a network with batch norm a last batch of one sample
    /// (batch statistics of one sample are undefined; PyTorch raises an error mid-epoch) is avoided by splitting the
    /// last <c>BatchSize + 1</c> samples into two batches of about half each. The trainer checks this, the class labels
    /// and the batch size before the first step, so a run never fails after its weights have changed.
    /// </summary>
    public bool DropLast { get; init; }

    /// <summary>A learning-rate schedule applied to the optimizer's initial learning rate; null keeps the rate as is.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Whether the schedule counts epochs (default) or batches.</summary>
    public ScheduleUnit ScheduleUnit { get; init; } = ScheduleUnit.Epoch;

    /// <summary>Early stopping; null trains all <see cref="Epochs"/>.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Random shift/flip applied to every training sample as it is gathered into a batch; null for none.</summary>
    public ImageAugmentation? Augmentation { get; init; }

    /// <summary>Receives a report after every batch (from the training thread; a struct, so reporting allocates nothing by itself).</summary>
    public IProgress<BatchReport>? BatchProgress { get; init; }

    /// <summary>Receives a report after every epoch.</summary>
    public IProgress<EpochReport>? EpochProgress { get; init; }

    /// <summary>
    /// When set, called with the number of completed epochs every <see cref="CheckpointInterval"/> epochs; the trainer
    /// writes a checkpoint to the returned stream and disposes it.
    /// </summary>
    public Func<int, Stream>? Checkpoint { get; init; }

    /// <summary>Epochs between checkpoints, positive. Default 1.</summary>
    public int CheckpointInterval { get; init; } = 1;

    /// <summary>
    /// Data-parallel training over these ranks (docs/distributed.md); null (default) trains on this process alone.
    /// Every rank builds its trainer with the same options and datasets: each trains on its share of every batch of
    /// the same seeded shuffle, gradients are averaged over the global batch, validation metrics are combined over the
    /// ranks, only rank 0 reports progress and writes checkpoints, and every rank stops when rank 0's early stopping
    /// does. Creating the trainer is collective: it checks that every rank has the same network and copies rank 0's
    /// weights to all.
    /// </summary>
    public DslNets.Distributed.ICollectives? Collectives { get; init; }
}

/// <summary>Reported after every training batch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Batch">1-based batch number within the epoch.</param>
/// <param name="BatchCount">Batches in the epoch.</param>
/// <param name="BatchSize">Samples in this batch.</param>
/// <param name="Loss">The loss <c>TrainStep</c> returned (data + regularization).</param>
/// <param name="LearningRate">The learning rate used for this batch.</param>
public readonly record struct BatchReport(int Epoch, int Batch, int BatchCount, int BatchSize, float Loss, float LearningRate);

/// <summary>Loss and accuracy over a set of samples.</summary>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Accuracy">Fraction of correct arg-max predictions; NaN where it is not measured (float targets, training epochs).</param>
/// <param name="Samples">Number of samples.</param>
public readonly record struct EpochMetrics(float Loss, float Accuracy, int Samples);

/// <summary>Reported after every epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">Total epochs planned.</param>
/// <param name="Training">Training metrics (loss averaged over the epoch's batches, weighted by batch size).</param>
/// <param name="Validation">Validation metrics, or null without a validation set.</param>
/// <param name="LearningRate">The learning rate of the epoch's last batch.</param>
/// <param name="Improved">Whether the monitored metric improved (always true without early stopping).</param>
/// <param name="BestEpoch">The 1-based epoch with the best monitored metric so far (0 without early stopping).</param>
public readonly record struct EpochReport(int Epoch, int Epochs, EpochMetrics Training, EpochMetrics? Validation, float LearningRate, bool Improved, int BestEpoch);

/// <summary>The outcome of <see cref="Trainer{TTarget}.Fit"/>.</summary>
/// <param name="History">One report per epoch run by this call.</param>
/// <param name="EpochsCompleted">Total epochs trained, including any before a resume.</param>
/// <param name="StoppedEarly">Whether early stopping ended training.</param>
/// <param name="BestEpoch">The 1-based epoch with the best monitored metric (0 without early stopping).</param>
/// <param name="BestMetric">The best value of the monitored metric (NaN without early stopping).</param>
/// <param name="RestoredBestWeights">Whether the best epoch's weights were copied back at the end.</param>
public sealed record TrainingResult(
    System.Collections.Generic.IReadOnlyList<EpochReport> History,
    int EpochsCompleted,
    bool StoppedEarly,
    int BestEpoch,
    float BestMetric,
    bool RestoredBestWeights);
