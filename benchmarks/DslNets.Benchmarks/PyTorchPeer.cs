using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace DslNets.Benchmarks;

/// <summary>One measurement of the PyTorch peer: a training step or an inference call at one batch and thread count.</summary>
/// <param name="Kind"><c>train</c> or <c>infer</c>.</param>
/// <param name="Batch">Samples per call.</param>
/// <param name="Threads">torch and OpenBLAS threads.</param>
/// <param name="MedianMicroseconds">Median of the peer's rounds.</param>
/// <param name="BestMicroseconds">Best of the peer's rounds.</param>
public sealed record PeerTime(string Kind, int Batch, int Threads, double MedianMicroseconds, double BestMicroseconds);

/// <summary>
/// Runs <c>benchmarks/pytorch/train_step.py</c> (copied next to the suite's binary) with Debian's
/// <c>/usr/bin/python3</c>: the benchmark network in PyTorch, trained with the same SGD with momentum. The script
/// names the BLAS torch loaded and unsets <c>OPENBLAS_CORETYPE</c>/<c>OPENBLAS_L2_SIZE</c> for its own process
/// only; this class only reads its JSON lines. Set <c>DSLNETS_PYTHON</c> to use another interpreter.
/// </summary>
public static class PyTorchPeer
{
    /// <summary>How to get the peer when it is missing, printed in its place.</summary>
    public const string InstallHint = "PyTorch peer not run: apt-get install python3-torch libopenblas0-pthread (Debian's torch falls back to the slow reference BLAS without OpenBLAS), then rerun";

    /// <summary>Runs the peer; <paramref name="description"/> is its interpreter, torch, BLAS and environment line, or why it did not run.</summary>
    public static IReadOnlyList<PeerTime> Run(IEnumerable<int> batches, IEnumerable<int> threads, out string description)
    {
        string python = Environment.GetEnvironmentVariable("DSLNETS_PYTHON") ?? "/usr/bin/python3";
        string script = Path.Combine(AppContext.BaseDirectory, "pytorch", "train_step.py");
        if (!File.Exists(python))
        {
            description = $"{python} not found. {InstallHint}";
            return [];
        }

        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--batches");
        foreach (int batch in batches)
            start.ArgumentList.Add(batch.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--threads");
        foreach (int count in threads)
            start.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        var times = new List<PeerTime>();
        description = "";
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement record = document.RootElement;
            switch (record.GetProperty("kind").GetString())
            {
                case "info":
                    description = $"PyTorch {record.GetProperty("torch").GetString()} ({record.GetProperty("python").GetString()}, "
                        + $"CPU capability {record.GetProperty("cpu_capability").GetString()}); BLAS: {record.GetProperty("blas").GetString()}; "
                        + record.GetProperty("environment").GetString();
                    break;
                case "missing":
                    description = $"{python}: {record.GetProperty("error").GetString()}. {InstallHint}";
                    break;
                case string kind:
                    times.Add(new PeerTime(
                        kind, record.GetProperty("batch").GetInt32(), record.GetProperty("threads").GetInt32(),
                        record.GetProperty("median_us").GetDouble(), record.GetProperty("best_us").GetDouble()));
                    break;
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0 && description.Length == 0)
            description = $"PyTorch peer failed (exit code {process.ExitCode}): {errors.Result.Trim()}";
        return times;
    }
}
