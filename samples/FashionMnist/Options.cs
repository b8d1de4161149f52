using System;
using System.Globalization;

namespace FashionMnist;

/// <summary>The sample's command line.</summary>
internal sealed record Options(int Epochs, int Batch, long Seed, string? Data, bool Synthetic, string Out, bool Help, bool Mpi = false)
{
    public static Options Defaults { get; } = new(Epochs: 15, Batch: 128, Seed: 7, Data: null, Synthetic: false, Out: "out", Help: false);

    public const string Usage = """
        Trains an MLP declared with the DslNets DSL on Fashion-MNIST and reports its test accuracy.

        Usage: dotnet run -c Release --project samples/FashionMnist -- [options]

          --epochs N   epochs at most (early stopping may end sooner)       default 15
          --batch N    mini-batch size, 1 to 256                            default 128
          --seed N     seed of shuffling (the network's weights use its own) default 7
          --data DIR   folder with the four Fashion-MNIST IDX files (.gz or raw)
                       default /usr/share/datasets/fashion-mnist when present,
                       else a small built-in synthetic image task
          --synthetic  use the built-in synthetic task even when Fashion-MNIST is installed
          --out DIR    where the weights (.safetensors) and curves (.png) go default ./out
          --mpi        data-parallel: run as one rank of an OpenMPI job, --batch is the global batch
                       (docs/distributed.md):
                       mpirun --allow-run-as-root -np 2 dotnet FashionMnist.dll --mpi
          --help       this text
        """;

    /// <summary>Parses <paramref name="args"/>; returns null and an error message for a bad command line.</summary>
    public static Options? Parse(string[] args, out string? error)
    {
        Options options = Defaults;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
                return options with { Help = true };
            if (name == "--synthetic")
            {
                options = options with { Synthetic = true };
                continue;
            }

            if (name == "--mpi")
            {
                options = options with { Mpi = true };
                continue;
            }

            if (name is not ("--epochs" or "--batch" or "--seed" or "--data" or "--out"))
            {
                error = $"Unknown option '{name}'. Run with --help to see the options.";
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"Option {name} needs a value.";
                return null;
            }

            string value = args[++i];
            switch (name)
            {
                case "--epochs" when TryPositive(value, out int epochs):
                    options = options with { Epochs = epochs };
                    break;
                case "--batch" when TryPositive(value, out int batch) && batch <= FashionMlp.MaxBatch:
                    options = options with { Batch = batch };
                    break;
                case "--seed" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed):
                    options = options with { Seed = seed };
                    break;
                case "--data":
                    options = options with { Data = value };
                    break;
                case "--out":
                    options = options with { Out = value };
                    break;
                default:
                    error = name switch
                    {
                        "--batch" => $"--batch must be a whole number from 1 to {FashionMlp.MaxBatch} (the network's MaxBatch), got '{value}'.",
                        "--seed" => $"--seed must be a whole number, got '{value}'.",
                        _ => $"{name} must be a positive whole number, got '{value}'.",
                    };
                    return null;
            }
        }

        return options;
    }

    private static bool TryPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value > 0;
}
