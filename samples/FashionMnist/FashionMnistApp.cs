using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using DslNets;
using DslNets.Data;
using DslNets.Threading;
using DslNets.Training;
using Spectre.Console;

namespace FashionMnist;

/// <summary>What one run produced: the curves, the test result and where the files went.</summary>
internal sealed record RunResult(
    string Data,
    IReadOnlyList<EpochReport> History,
    float FirstBatchLoss,
    EpochMetrics Test,
    double SamplesPerSecond,
    double SecondsPerEpoch,
    string WeightsPath,
    string PlotPath);

/// <summary>The sample: load data, train <see cref="FashionCnn"/> (or <see cref="FashionMlp"/>) with the runtime's trainer, report and save.</summary>
internal static class FashionMnistApp
{
    public static int Main(string[] args) => Run(args, AnsiConsole.Console, out _);

    /// <summary>
    /// Runs the sample: exit code 0 on success, 2 for a bad command line, missing or damaged data or an unwritable
    /// output folder (all found before training starts), 1 when the results could not be saved after training.
    /// Every failure is a message, never a stack trace.
    /// </summary>
    public static int Run(string[] args, IAnsiConsole console, out RunResult? result)
    {
        result = null;
        Options? options = Options.Parse(args, out string? error);
        if (options is null)
            return Fail(console, error!, 2);

        if (options.Help)
        {
            console.WriteLine(Options.Usage);
            return 0;
        }

        if (options.Data is not null && options.Synthetic)
            return Fail(console, "--data and --synthetic exclude each other.", 2);

        if (options.Data is { } dir && FashionMnistFiles.CheckDirectory(dir, AllFiles) is { } missing)
            return Fail(console, missing, 2);

        if (CheckWritable(options.Out) is { } unwritable)
            return Fail(console, unwritable, 2);

        using MpiRun? mpi = options.Mpi ? MpiRun.Start(out error) : null;
        if (options.Mpi && mpi is null)
            return Fail(console, error!, 2);
        console = mpi?.Console(console) ?? console; // under mpirun only rank 0 prints

        Data data;
        try
        {
            data = LoadData(options, console);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // A damaged IDX file: the message names the file and what is wrong with it.
            return Fail(console, $"Cannot read the data: {e.Message}", 2);
        }

        result = Train(options, data, console, mpi);
        return result is null ? 1 : 0;
    }

    private static readonly string[] AllFiles =
        [FashionMnistFiles.TrainImages, FashionMnistFiles.TrainLabels, FashionMnistFiles.TestImages, FashionMnistFiles.TestLabels];

    /// <summary>The training, validation and test sets and what they are.</summary>
    private sealed record Data(string Description, Dataset<int> Training, Dataset<int> Validation, Dataset<int> Test);

    /// <summary>The training images' augmentation from <c>--flip</c> and <c>--shift</c>; null for none (the default).</summary>
    private static ImageAugmentation? Augmentation(Options options) =>
        options.Flip || options.Shift > 0 ? new ImageAugmentation(SyntheticImages.Side, SyntheticImages.Side, options.Shift, options.Flip) : null;

    private static RunResult? Train(Options options, Data data, IAnsiConsole console, MpiRun? mpi)
    {
        Func<INetwork<int>> create = options.Model == "mlp" ? () => new FashionMlp() : () => new FashionCnn();
        INetwork<int> network = create();
        KernelThreads.Count = options.Threads;
        console.MarkupLine($"[bold]DslNets[/] {network.Name}, {network.Parameters.Length:N0} parameters; batch {options.Batch}, up to {options.Epochs} epochs, {options.Threads} kernel threads");
        console.MarkupLine($"data: {Markup.Escape(data.Description)}");
        console.MarkupLine($"train {data.Training.Count:N0}, validation {data.Validation.Count:N0}, test {data.Test.Count:N0} images");
        ImageAugmentation? augmentation = Augmentation(options);
        if (augmentation is not null)
            console.MarkupLine($"training images each epoch: {(augmentation.HorizontalFlip ? "random left-right flip" : "no flip")}, shift up to {augmentation.MaxShift} pixels");
        if (mpi is not null)
        {
            (double oneProcess, double allRanks) = mpi.SpeedCheck(create, data.Training, options.Batch);
            console.MarkupLine(
                $"data-parallel over {mpi.Collectives.Size} MPI ranks, synchronized batch norm; training step at batch {options.Batch}: " +
                $"{allRanks:N0} samples/s on {mpi.Collectives.Size} ranks, {oneProcess:N0} samples/s on 1 process ({allRanks / oneProcess:F2}x)");
        }

        var optimizer = new AdamW(learningRate: 2e-3f, weightDecay: 1e-4f);
        var epochs = new List<EpochReport>();
        float firstBatchLoss = float.NaN;
        var stopwatch = Stopwatch.StartNew();
        ProgressTask? bar = null;
        ProgressContext? progress = null;
        var trainer = new Trainer<int>(network, optimizer, new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.Batch,
            Seed = options.Seed,
            Schedule = LearningRateSchedule.Cosine(options.Epochs, minimumLearningRate: 1e-5f),
            EarlyStopping = new EarlyStopping(Metric.ValidationAccuracy, Patience: 4, MinDelta: 1e-4f),
            Augmentation = augmentation,
            Collectives = mpi?.Collectives,

            // One bar for the whole run (not one per epoch), so a finished run leaves one finished bar.
            BatchProgress = new Reporter<BatchReport>(report =>
            {
                if (float.IsNaN(firstBatchLoss))
                    firstBatchLoss = report.Loss;
                bar ??= progress!.AddTask("training", maxValue: (double)report.BatchCount * options.Epochs);
                bar.Value = (double)(report.Epoch - 1) * report.BatchCount + report.Batch;
                bar.Description = $"epoch {report.Epoch}/{options.Epochs} loss {report.Loss:F4}";
            }),

            // One line per epoch, under 80 columns; learning rates always in the same scientific format.
            EpochProgress = new Reporter<EpochReport>(report =>
            {
                epochs.Add(report);
                EpochMetrics validation = report.Validation!.Value;
                console.MarkupLine(
                    $"epoch {report.Epoch,2}/{report.Epochs}  train loss {report.Training.Loss:F4}  val loss {validation.Loss:F4}  " +
                    $"acc {Percent(validation.Accuracy)}  lr {LearningRate(report.LearningRate)}" + (report.Improved ? "  [green]best[/]" : string.Empty));
            }),
        });

        TrainingResult outcome = null!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                progress = context;
                outcome = trainer.Fit(data.Training, data.Validation);

                // Early stopping ends a run before its last epoch: the run is finished, so is its bar (rank 0's only, under mpirun).
                if (bar is null)
                    return;
                bar.Description = $"trained {epochs.Count} epochs";
                bar.Value = bar.MaxValue;
                bar.StopTask();
            });

        stopwatch.Stop();
        double seconds = stopwatch.Elapsed.TotalSeconds;
        int trainedEpochs = epochs.Count;
        double samplesPerSecond = trainedEpochs * (double)data.Training.Count / seconds;
        int testedEpoch = outcome.RestoredBestWeights ? outcome.BestEpoch : trainedEpochs;
        if (outcome.RestoredBestWeights)
            console.MarkupLine($"early stopping kept the weights of epoch {outcome.BestEpoch}");

        EpochMetrics testMetrics = trainer.Evaluate(data.Test);
        console.MarkupLine($"[bold]test accuracy {Percent(testMetrics.Accuracy)}[/] (loss {testMetrics.Loss:F4}) with the weights of epoch {testedEpoch}");
        string where = mpi is null ? string.Empty : $" on {mpi.Collectives.Size} ranks";
        console.MarkupLine($"{trainedEpochs} epochs, {seconds / trainedEpochs:F1} s per epoch, {samplesPerSecond:N0} samples/s{where}");
        if (mpi is { IsRoot: false })
            return new RunResult(data.Description, epochs, firstBatchLoss, testMetrics, samplesPerSecond, seconds / trainedEpochs, string.Empty, string.Empty);

        string weightsPath = Path.GetFullPath(Path.Combine(options.Out, $"fashion-{options.Model}.safetensors"));
        string plotPath = Path.GetFullPath(Path.Combine(options.Out, $"fashion-{options.Model}-curves.png"));
        try
        {
            network.Save(weightsPath);
            Curves.Save(network.Name, plotPath, epochs, data.Description, testMetrics, testedEpoch);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.MarkupLine($"[red]Training finished but the results could not be saved: {Markup.Escape(e.Message)}[/]");
            return null;
        }

        console.MarkupLine($"weights: {Markup.Escape(weightsPath)}");
        console.MarkupLine($"curves:  {Markup.Escape(plotPath)}");
        return new RunResult(data.Description, epochs, firstBatchLoss, testMetrics, samplesPerSecond, seconds / trainedEpochs, weightsPath, plotPath);
    }

    private static Data LoadData(Options options, IAnsiConsole console)
    {
        string? directory = options.Synthetic
            ? null
            : options.Data ?? (FashionMnistFiles.CheckDirectory(FashionMnistFiles.DefaultDirectory, AllFiles) is null ? FashionMnistFiles.DefaultDirectory : null);
        Dataset<int> all, test;
        string description;
        if (directory is null)
        {
            if (!options.Synthetic)
            {
                console.MarkupLine(
                    $"[yellow]Fashion-MNIST is not in {FashionMnistFiles.DefaultDirectory}: training on a synthetic image task instead. " +
                    "For the real data: apt-get install dataset-fashion-mnist (or pass --data DIR).[/]");
            }

            all = SyntheticImages.Create(SyntheticImages.TrainingCount, options.Seed);
            test = SyntheticImages.Create(SyntheticImages.TestCount, options.Seed + 1);
            description = "synthetic 28x28 shapes (10 classes)";
        }
        else
        {
            all = FashionMnistFiles.Read(directory, FashionMnistFiles.TrainImages, FashionMnistFiles.TrainLabels);
            test = FashionMnistFiles.Read(directory, FashionMnistFiles.TestImages, FashionMnistFiles.TestLabels);
            description = $"Fashion-MNIST from {directory}";
        }

        // Pixels stay in [0, 1]: the first layer is Dense without bias + BatchNorm, which cancels any global
        // shift and scale of the input, so inference (samples/InferenceAot) needs no stored statistics.
        // Hold out the last tenth of the training set for validation.
        int validationCount = all.Count / 10;
        return new Data(description, all.Slice(0, all.Count - validationCount), all.Slice(all.Count - validationCount, validationCount), test);
    }

    /// <summary>
    /// Null when a file can be created in <paramref name="directory"/> (created if needed), else why not: checked
    /// before training, so an unwritable --out never costs a finished run.
    /// </summary>
    private static string? CheckWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".fashion-mnist-write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--out: cannot write to '{directory}': {e.Message}";
        }
    }

    private static int Fail(IAnsiConsole console, string message, int exitCode)
    {
        console.MarkupLine($"[red]{Markup.Escape(message)}[/]");
        return exitCode;
    }

    private static string Percent(float fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string LearningRate(float rate) => rate.ToString("0.00e+00", CultureInfo.InvariantCulture);

    /// <summary>Calls back synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
