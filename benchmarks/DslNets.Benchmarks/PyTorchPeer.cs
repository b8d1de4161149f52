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
        var arguments = new List<string> { "--batches" };
        arguments.AddRange(batches.Select(batch => batch.ToString(CultureInfo.InvariantCulture)));
        arguments.Add("--threads");
        arguments.AddRange(threads.Select(count => count.ToString(CultureInfo.InvariantCulture)));
        using Process? process = Start(arguments, redirectInput: false, out description);
        if (process is null)
            return [];

        Task<string> errors = process.StandardError.ReadToEndAsync();
        var times = new List<PeerTime>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement record = document.RootElement;
            if (Describe(record) is string text)
                description = text;
            else
                times.Add(new PeerTime(
                    record.GetProperty("kind").GetString()!, record.GetProperty("batch").GetInt32(), record.GetProperty("threads").GetInt32(),
                    record.GetProperty("median_us").GetDouble(), record.GetProperty("best_us").GetDouble()));
        }

        process.WaitForExit();
        if (process.ExitCode != 0 && description.Length == 0)
            description = $"PyTorch peer failed (exit code {process.ExitCode}): {errors.Result.Trim()}";
        return times;
    }

    /// <summary>
    /// Starts the script with <paramref name="arguments"/>; null (and why in <paramref name="description"/>) when the
    /// interpreter is missing. <paramref name="description"/> is empty otherwise, until the script's first line.
    /// </summary>
    internal static Process? Start(IEnumerable<string> arguments, bool redirectInput, out string description)
    {
        string python = Environment.GetEnvironmentVariable("DSLNETS_PYTHON") ?? "/usr/bin/python3";
        if (!File.Exists(python))
        {
            description = $"{python} not found. {InstallHint}";
            return null;
        }

        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pytorch", "train_step.py"));
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        description = "";
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
    }

    /// <summary>The text of an <c>info</c> or <c>missing</c> line (interpreter, torch, BLAS, environment; or the install hint), null for other lines.</summary>
    internal static string? Describe(JsonElement record) => record.GetProperty("kind").GetString() switch
    {
        "info" => $"PyTorch {record.GetProperty("torch").GetString()} ({record.GetProperty("python").GetString()}, "
            + $"CPU capability {record.GetProperty("cpu_capability").GetString()}); BLAS: {record.GetProperty("blas").GetString()}; "
            + record.GetProperty("environment").GetString(),
        "missing" => $"{record.GetProperty("python").GetString()}: {record.GetProperty("error").GetString()}. {InstallHint}",
        _ => null,
    };
}

/// <summary>What one <c>steps</c> command of the serving peer answered.</summary>
/// <param name="Microseconds">Each step's time, in order.</param>
/// <param name="IdleCpuMilliseconds">CPU time the peer used while waiting for this command (spinning threads).</param>
/// <param name="IdleMilliseconds">Wall time it waited.</param>
public sealed record PeerSteps(double[] Microseconds, double IdleCpuMilliseconds, double IdleMilliseconds);

/// <summary>
/// <c>train_step.py --serve</c>, kept running: each network is built and warmed up once on its first command, and
/// every <see cref="Steps"/> call runs a block of training steps on it and returns their times. Between commands
/// the peer sleeps on its stdin; its threads wait passively unless <c>waitPolicy</c> is <c>default</c>.
/// </summary>
public sealed class PyTorchServer : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _errors;

    private PyTorchServer(Process process, Task<string> errors)
    {
        _process = process;
        _errors = errors;
    }

    /// <summary>Starts the peer; null, with why (or the install hint) in <paramref name="description"/>, when it cannot run.</summary>
    /// <param name="waitPolicy"><c>passive</c> or <c>default</c> (the libraries' spin-waiting), see train_step.py.</param>
    /// <param name="warmUpSeconds">Seconds of steps on each network before its first block.</param>
    public static PyTorchServer? Start(string waitPolicy, double warmUpSeconds, out string description)
    {
        Process? process = PyTorchPeer.Start(
            ["--serve", "--wait-policy", waitPolicy, "--warmup", warmUpSeconds.ToString(CultureInfo.InvariantCulture)], redirectInput: true, out description);
        if (process is null)
            return null;
        Task<string> errors = process.StandardError.ReadToEndAsync(); // read from the start: a full stderr pipe would block the peer
        string? line = process.StandardOutput.ReadLine();
        if (line is not null)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                if (document.RootElement.GetProperty("kind").GetString() == "info")
                {
                    description = PyTorchPeer.Describe(document.RootElement)!;
                    return new PyTorchServer(process, errors);
                }

                description = PyTorchPeer.Describe(document.RootElement) ?? line;
            }
            catch (JsonException)
            {
                description = $"PyTorch peer printed {line}";
            }
        }

        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            process.WaitForExit();
        }

        if (description.Length == 0)
            description = $"PyTorch peer failed (exit code {process.ExitCode}): {errors.Result.Trim()}";
        process.Dispose();
        return null;
    }

    /// <summary>CPU time the peer process has used so far.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Runs <paramref name="count"/> training steps at <paramref name="batch"/> on <paramref name="threads"/> threads in the peer.</summary>
    public PeerSteps Steps(int batch, int threads, int count)
    {
        _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steps {batch} {threads} {count}"));
        _process.StandardInput.Flush();
        string line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"The PyTorch peer stopped: {_errors.Result.Trim()}");
        using JsonDocument document = JsonDocument.Parse(line);
        JsonElement record = document.RootElement;
        if (record.GetProperty("kind").GetString() != "steps")
            throw new InvalidOperationException($"The PyTorch peer answered {line}");
        return new PeerSteps(
            record.GetProperty("us").EnumerateArray().Select(time => time.GetDouble()).ToArray(),
            record.GetProperty("idle_cpu_ms").GetDouble(), record.GetProperty("idle_ms").GetDouble());
    }

    /// <summary>Asks the peer to quit and waits for it.</summary>
    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("quit");
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The peer already exited.
        }

        if (!_process.WaitForExit(10_000))
            _process.Kill();
        _process.Dispose();
    }
}
