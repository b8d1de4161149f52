using System;
using System.Linq;
using System.Globalization;

namespace FashionMnist;

/// <summary>The sample's command line.</summary>
internal sealed record Options(string Model, int Epochs, int Batch, long Seed, string? Data, bool Synthetic, string Out, int Threads, bool Help, bool Mpi = false, bool Flip = false, int Shift = 0)
{
    public static Options Defaults { get; } = new(
        Model: "cnn", Epochs: 15, Batch: 128, Seed: 7, Data: null, Synthetic: false, Out: "out", Threads: Math.Min(2, Environment.ProcessorCount), Help: false);

    public const string Usage = """
        Trains a network declared with the DslNets DSL on Fashion-MNIST and reports its test accuracy.

        Usage: dotnet run -c Release --project samples/FashionMnist -- [options]

          --model M    cnn (FashionCnn, two convolutions) or mlp (FashionMlp) default cnn
          --epochs N   epochs at most (early stopping may end sooner)       default 15
          --batch N    mini-batch size, 1 to 256                            default 128
          --threads N  kernel threads (DslNets.Threading.KernelThreads)     default 2 (1 on one core)
          --seed N     seed of shuffling (the network's weights use its own) default 7
          --data DIR   folder with the four Fashion-MNIST IDX files (.gz or raw)
                       default /usr/share/datasets/fashion-mnist when present,
                       else a small built-in synthetic image task
          --synthetic  use the built-in synthetic task even when Fashion-MNIST is installed
          --out DIR    where the weights (.safetensors) and curves (.png) go default ./out
          --flip on|off  mirror each training image left-right with probability 1/2, drawn anew
                       every epoch (not for --synthetic: two of its shapes are mirror images) default off
          --shift N    move each training image by up to N pixels (zero fill), 0-3  default 0
                       (in 10 epochs either cost the CNN accuracy: README)
          --mpi        data-parallel: run as one rank of an OpenMPI job, --batch is the global batch
                       (either model: their batch norms are synchronized)
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

            if (name is not ("--model" or "--epochs" or "--batch" or "--seed" or "--data" or "--out" or "--threads" or "--flip" or "--shift"))
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
                case "--model" when value is "cnn" or "mlp":
                    options = options with { Model = value };
                    break;
                case "--threads" when TryPositive(value, out int threads) && threads <= Environment.ProcessorCount:
                    options = options with { Threads = threads };
                    break;
                case "--epochs" when TryPositive(value, out int epochs):
                    options = options with { Epochs = epochs };
                    break;
                case "--batch" when TryPositive(value, out int batch) && batch <= FashionMlp.MaxBatch:
                    options = options with { Batch = batch };
                    break;
                case "--seed" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed):
                    options = options with { Seed = seed };
                    break;
                case "--flip" when value is "on" or "off":
                    options = options with { Flip = value == "on" };
                    break;
                case "--shift" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int shift) && shift is >= 0 and <= 3:
                    options = options with { Shift = shift };
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
                        "--model" => $"--model must be cnn or mlp, got '{value}'.",
                        "--flip" => $"--flip must be on or off, got '{value}'.",
                        "--shift" => $"--shift must be a whole number from 0 to 3, got '{value}'.",
                        "--threads" => $"--threads must be a whole number from 1 to {Environment.ProcessorCount} (the processors), got '{value}'.",
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
