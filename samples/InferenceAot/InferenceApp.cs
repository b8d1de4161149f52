using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using DslNets;
using DslNets.Data;
using FashionMnist;

namespace InferenceAot;

/// <summary>Classifies test images with weights saved by samples/FashionMnist and reports accuracy and time per image.</summary>
internal static class InferenceApp
{
    public const string Usage = """
        Classifies Fashion-MNIST test images with weights saved by samples/FashionMnist.

        Usage: InferenceAot [weights.safetensors] [options]

          weights.safetensors  the weights to load                       default out/fashion-mlp.safetensors
          --data DIR   folder with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (.gz or raw)
                       default /usr/share/datasets/fashion-mnist when present,
                       else the training sample's synthetic task
          --synthetic  classify synthetic images even when Fashion-MNIST is installed
          --count N    classify the first N images                   default 1000
          --help       this text
        """;

    /// <summary>Runs the sample: exit code 0 on success, 2 for a bad command line or unreadable input (a message, no stack trace).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string weightsPath = Path.Combine("out", "fashion-mlp.safetensors");
        string? dataDirectory = null;
        bool synthetic = false;
        int count = 1000;
        for (int i = 0; i < args.Length; i++)
        {
            string argument = args[i];
            switch (argument)
            {
                case "--help" or "-h":
                    output.WriteLine(Usage);
                    return 0;
                case "--synthetic":
                    synthetic = true;
                    break;
                case "--data" or "--count" when i + 1 >= args.Length:
                    return Fail(error, $"Option {argument} needs a value.");
                case "--data":
                    dataDirectory = args[++i];
                    break;
                case "--count":
                    if (!int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out count) || count <= 0)
                        return Fail(error, $"--count must be a positive whole number, got '{args[i]}'.");
                    break;
                default:
                    if (argument.StartsWith('-'))
                        return Fail(error, $"Unknown option '{argument}'. Run with --help to see the options.");
                    weightsPath = argument;
                    break;
            }
        }

        if (synthetic && dataDirectory is not null)
            return Fail(error, "--data and --synthetic exclude each other.");
        if (dataDirectory is not null && FashionMnistFiles.CheckDirectory(dataDirectory, FashionMnistFiles.TestImages, FashionMnistFiles.TestLabels) is { } missing)
            return Fail(error, missing);
        if (dataDirectory is null && !synthetic && Directory.Exists(FashionMnistFiles.DefaultDirectory))
            dataDirectory = FashionMnistFiles.DefaultDirectory;
        if (!File.Exists(weightsPath))
            return Fail(error, $"No weights at '{weightsPath}': train the MLP first with 'dotnet run -c Release --project samples/FashionMnist -- --model mlp'.");

        var network = new FashionMlp();
        try
        {
            using FileStream file = File.OpenRead(weightsPath);
            network.Load(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // SafetensorsFormatException is an IOException: a damaged or foreign file says what is wrong with it.
            return Fail(error, $"Cannot load weights from '{weightsPath}': {e.Message}");
        }

        Dataset<int> test;
        try
        {
            test = dataDirectory is null
                ? SyntheticImages.Create(count, seed: 8)
                : FashionMnistFiles.Read(dataDirectory, FashionMnistFiles.TestImages, FashionMnistFiles.TestLabels);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return Fail(error, $"Cannot read the test images: {e.Message}");
        }

        count = Math.Min(count, test.Count);
        Span<float> probabilities = stackalloc float[FashionMlp.OutputSize];
        int correct = 0;
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            network.Predict(test.GetFeatures(i), probabilities);
            int predicted = 0;
            for (int c = 1; c < probabilities.Length; c++)
                predicted = probabilities[c] > probabilities[predicted] ? c : predicted;
            correct += predicted == test.GetTargets(i)[0] ? 1 : 0;
        }

        stopwatch.Stop();
        output.WriteLine(
            $"{(dataDirectory is null ? "synthetic" : "Fashion-MNIST test")} images: {correct}/{count} correct ({100.0 * correct / count:F2}%) " +
            $"with weights from {Path.GetFullPath(weightsPath)}");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"classified {count} images in {stopwatch.Elapsed.TotalMilliseconds:F1} ms ({stopwatch.Elapsed.TotalMicroseconds / count:F2} us per image)"));
        return 0;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return 2;
    }
}
