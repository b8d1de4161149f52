using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;

namespace DslNets.Onnx.Tests;

/// <summary>
/// One ONNX Runtime environment for the test assembly, created with a logging callback so tests can assert that
/// loading a model logged no warning (an unknown operator, an unused initializer, a type or shape mismatch).
/// </summary>
internal static class OnnxRuntimeHost
{
    private static readonly ConcurrentQueue<(string LogId, OrtLoggingLevel Severity, string Message)> Log = new();

    // Kept in a field so the delegate handed to native code is never collected.
    private static readonly DOrtLoggingFunction Logger = (_, severity, _, logId, _, message) => Log.Enqueue((logId, severity, message));

    private static readonly Lazy<OrtEnv> Environment = new(() =>
    {
        var options = new EnvironmentCreationOptions
        {
            logId = "DslNets.Onnx.Tests",
            logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = Logger,
        };
        return OrtEnv.CreateInstanceWithOptions(ref options);
    });

    private static int s_sessions;

    /// <summary>
    /// Creates the process-wide environment with the logging callback. Call it before any other ONNX Runtime use
    /// (a session created first would create a default environment without the callback).
    /// </summary>
    public static void EnsureEnvironment() => _ = Environment.Value;

    /// <summary>
    /// Loads <paramref name="model"/> on the CPU with one thread, logging at warning severity and above under a
    /// log id of its own; returns the session and every message logged for it while loading.
    /// </summary>
    public static (InferenceSession Session, IReadOnlyList<string> Warnings) Load(byte[] model)
    {
        EnsureEnvironment();
        string logId = "session-" + Interlocked.Increment(ref s_sessions);
        using var options = new SessionOptions
        {
            LogId = logId,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        var session = new InferenceSession(model, options);
        List<string> warnings = Log
            .Where(entry => entry.LogId == logId && entry.Severity >= OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING)
            .Select(entry => $"{entry.Severity}: {entry.Message}")
            .ToList();
        return (session, warnings);
    }

    /// <summary>Runs the graph on <paramref name="batchSize"/> rows of <paramref name="inputs"/>; returns <c>output</c> flattened.</summary>
    public static float[] Run(InferenceSession session, float[] inputs, int batchSize, int inputSize)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [batchSize, inputSize]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results =
            session.Run(runOptions, [OnnxNetworkExtensions.InputName], [input], [OnnxNetworkExtensions.OutputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
