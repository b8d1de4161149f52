using System.Diagnostics;

namespace DslNets.Onnx.Tests;

/// <summary>
/// The reference ONNX checker with full shape inference, <c>onnx.checker.check_model(m, full_check=True)</c>, run
/// from Debian's <c>python3-onnx</c> with <c>/usr/bin/python3</c>.
/// </summary>
internal static class OnnxChecker
{
    public const string Python = "/usr/bin/python3";

    private const string Script =
        "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)";

    /// <summary>
    /// Checks the model file at <paramref name="path"/>: exit code 0 means accepted, otherwise stderr says why.
    /// Fails the test (never skips it) when the checker itself is not installed.
    /// </summary>
    public static (int ExitCode, string Error) Check(string path)
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing, so the ONNX checker cannot run. Install it with: apt-get install -y python3-onnx");

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(path);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        string stderr = error.GetAwaiter().GetResult() + output.GetAwaiter().GetResult();
        if (stderr.Contains("No module named 'onnx'", StringComparison.Ordinal))
            Assert.Fail($"The Python package onnx is not installed, so the ONNX checker cannot run. Install it with: apt-get install -y python3-onnx\n{stderr}");
        return (process.ExitCode, stderr);
    }

    /// <summary>Writes <paramref name="model"/> to a temporary file, checks it and deletes the file.</summary>
    public static (int ExitCode, string Error) Check(byte[] model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"dslnets-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model);
        try
        {
            return Check(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
