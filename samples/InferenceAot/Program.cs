using System;
using System.IO;
using DslNets;
using DslNets.Data;
using FashionMnist;

// Classifies test images with weights saved by samples/FashionMnist. Usage:
//   InferenceAot [weights.safetensors] [--data DIR | --synthetic] [--count N]
string weightsPath = "out/fashion-mlp.safetensors";
string? dataDirectory = Directory.Exists("/usr/share/datasets/fashion-mnist") ? "/usr/share/datasets/fashion-mnist" : null;
int count = 1000;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length:
            dataDirectory = args[++i];
            break;
        case "--synthetic":
            dataDirectory = null;
            break;
        case "--count" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
            count = n;
            i++;
            break;
        case { } path when !path.StartsWith("--", StringComparison.Ordinal):
            weightsPath = path;
            break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete option '{args[i]}'. Usage: InferenceAot [weights.safetensors] [--data DIR | --synthetic] [--count N]");
            return 2;
    }
}

if (!File.Exists(weightsPath))
{
    Console.Error.WriteLine($"No weights at '{weightsPath}': train first with 'dotnet run -c Release --project samples/FashionMnist'.");
    return 2;
}

var network = new FashionMlp();
using (FileStream file = File.OpenRead(weightsPath))
    network.Load(file);

Dataset<int> test = dataDirectory is null
    ? SyntheticImages.Create(count, seed: 8)
    : IdxReader.ReadDataset(Path.Combine(dataDirectory, "t10k-images-idx3-ubyte.gz"), Path.Combine(dataDirectory, "t10k-labels-idx1-ubyte.gz"));
count = Math.Min(count, test.Count);

Span<float> probabilities = stackalloc float[FashionMlp.OutputSize];
int correct = 0;
for (int i = 0; i < count; i++)
{
    network.Predict(test.GetFeatures(i), probabilities);
    int predicted = 0;
    for (int c = 1; c < probabilities.Length; c++)
        predicted = probabilities[c] > probabilities[predicted] ? c : predicted;
    correct += predicted == test.GetTargets(i)[0] ? 1 : 0;
}

Console.WriteLine($"{(dataDirectory is null ? "synthetic" : "Fashion-MNIST test")} images: {correct}/{count} correct ({100.0 * correct / count:F2}%) with weights from {Path.GetFullPath(weightsPath)}");
return 0;
