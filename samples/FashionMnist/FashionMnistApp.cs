using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DslNets;
using DslNets.Data;
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

/// <summary>The sample: load data, train <see cref="FashionMlp"/> with the runtime's trainer, report and save.</summary>
internal static class FashionMnistApp
{
    public static int Main(string[] args) => Run(args, AnsiConsole.Console, out _);

    /// <summary>Runs the sample; exit code 0 on success, 2 for a bad command line.</summary>
    public static int Run(string[] args, IAnsiConsole console, out RunResult? result)
    {
        result = null;
        Options? options = Options.Parse(args, out string? error);
        if (options is null)
        {
            console.MarkupLine($"[red]{Markup.Escape(error!)}[/]");
            return 2;
        }

        if (options.Help)
        {
            console.WriteLine(Options.Usage);
            return 0;
        }

        if (options.Data is not null && options.Synthetic)
        {
            console.MarkupLine("[red]--data and --synthetic exclude each other.[/]");
            return 2;
        }

        if (options.Data is { } dir && !Directory.Exists(dir))
        {
            console.MarkupLine($"[red]--data: the folder '{Markup.Escape(dir)}' does not exist.[/]");
            return 2;
        }

        result = Train(options, console);
        return 0;
    }

    private static RunResult Train(Options options, IAnsiConsole console)
    {
        (string description, Dataset<int> training, Dataset<int> validation, Dataset<int> test) = LoadData(options, console);
        console.MarkupLine($"[bold]DslNets[/] FashionMlp: {FashionMlp.ParameterCount:N0} parameters; data: {Markup.Escape(description)}");
        console.MarkupLine($"train {training.Count:N0}, validation {validation.Count:N0}, test {test.Count:N0}; batch {options.Batch}, up to {options.Epochs} epochs");

        var network = new FashionMlp();
        var optimizer = new AdamW(learningRate: 2e-3f, weightDecay: 1e-4f);
        var epochs = new List<EpochReport>();
        ProgressTask? current = null;
        float firstBatchLoss = float.NaN;
        var stopwatch = Stopwatch.StartNew();
        ProgressContext? progress = null;
        var trainer = new Trainer<int>(network, optimizer, new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.Batch,
            Seed = options.Seed,
            Schedule = LearningRateSchedule.Cosine(options.Epochs, minimumLearningRate: 1e-5f),
            EarlyStopping = new EarlyStopping(Metric.ValidationAccuracy, Patience: 4, MinDelta: 1e-4f),
            BatchProgress = new Reporter<BatchReport>(report =>
            {
                if (float.IsNaN(firstBatchLoss))
                    firstBatchLoss = report.Loss;
                if (current is null || report.Batch == 0)
                    current = progress!.AddTask($"epoch {report.Epoch}", maxValue: report.BatchCount);
                current.Value = report.Batch + 1;
                current.Description = $"epoch {report.Epoch}  loss {report.Loss:F4}";
            }),
            EpochProgress = new Reporter<EpochReport>(report =>
            {
                epochs.Add(report);
                current?.StopTask();
                current = null;
                EpochMetrics validationMetrics = report.Validation!.Value;
                console.MarkupLine(
                    $"epoch {report.Epoch,2}/{report.Epochs}  train loss {report.Training.Loss:F4}  " +
                    $"validation loss {validationMetrics.Loss:F4} acc {validationMetrics.Accuracy:P2}  lr {report.LearningRate:G3}" +
                    (report.Improved ? "  [green]best[/]" : string.Empty));
            }),
        });

        // The trainer reports through the live progress display while Fit runs inside it.
        TrainingResult outcome = null!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                progress = context;
                outcome = trainer.Fit(training, validation);
            });

        stopwatch.Stop();
        double seconds = stopwatch.Elapsed.TotalSeconds;
        int trainedEpochs = epochs.Count;
        double samplesPerSecond = trainedEpochs * (double)training.Count / seconds;
        if (outcome.RestoredBestWeights)
            console.MarkupLine($"early stopping kept the weights of epoch {outcome.BestEpoch}");

        EpochMetrics testMetrics = trainer.Evaluate(test);
        console.MarkupLine($"[bold]test accuracy {testMetrics.Accuracy:P2}[/] (loss {testMetrics.Loss:F4}) after {trainedEpochs} epochs, {seconds / trainedEpochs:F1} s per epoch, {samplesPerSecond:N0} samples/s");

        Directory.CreateDirectory(options.Out);
        string weightsPath = Path.GetFullPath(Path.Combine(options.Out, "fashion-mlp.safetensors"));
        using (FileStream file = File.Create(weightsPath))
            network.Save(file);
        string plotPath = Path.GetFullPath(Path.Combine(options.Out, "fashion-mlp-curves.png"));
        Curves.Save(plotPath, epochs, description);
        console.MarkupLine($"weights: {Markup.Escape(weightsPath)}");
        console.MarkupLine($"curves:  {Markup.Escape(plotPath)}");

        return new RunResult(description, epochs, firstBatchLoss, testMetrics, samplesPerSecond, seconds / trainedEpochs, weightsPath, plotPath);
    }

    private static (string Description, Dataset<int> Training, Dataset<int> Validation, Dataset<int> Test) LoadData(Options options, IAnsiConsole console)
    {
        string? directory = options.Synthetic ? null : options.Data ?? (Directory.Exists(Options.DefaultDataDirectory) ? Options.DefaultDataDirectory : null);
        Dataset<int> all, test;
        string description;
        if (directory is null)
        {
            if (!options.Synthetic)
                console.MarkupLine($"[yellow]Fashion-MNIST not found at {Options.DefaultDataDirectory}: training on a small synthetic image task instead. For the real data: apt-get install dataset-fashion-mnist (or pass --data DIR).[/]");
            all = SyntheticImages.Create(6000, options.Seed);
            test = SyntheticImages.Create(1000, options.Seed + 1);
            description = "synthetic 28x28 shapes (10 classes)";
        }
        else
        {
            all = IdxReader.ReadDataset(FindFile(directory, "train-images-idx3-ubyte"), FindFile(directory, "train-labels-idx1-ubyte"));
            test = IdxReader.ReadDataset(FindFile(directory, "t10k-images-idx3-ubyte"), FindFile(directory, "t10k-labels-idx1-ubyte"));
            description = $"Fashion-MNIST from {directory}";
        }

        // Pixels stay in [0, 1]: the first layer is Dense without bias + BatchNorm, which cancels any global
        // shift and scale of the input, so inference (samples/InferenceAot) needs no stored statistics.
        // Hold out the last tenth of the training set for validation.
        int validationCount = all.Count / 10;
        return (description, all.Slice(0, all.Count - validationCount), all.Slice(all.Count - validationCount, validationCount), test);
    }

    private static string FindFile(string directory, string name)
    {
        foreach (string candidate in new[] { name + ".gz", name })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path))
                return path;
        }

        throw new FileNotFoundException($"Neither {name}.gz nor {name} is in '{directory}'.", Path.Combine(directory, name));
    }

    /// <summary>Calls back synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
