using DslNets.Package.Tests;

namespace DslNets.Reference.Tests;

/// <summary>
/// Runs Debian's <c>/usr/bin/python3</c> (the <c>python3</c> first on PATH may be another build without torch) with
/// <c>python3-torch</c>. Fails the test, never skips it, when either is missing: <c>./test.sh</c> installs them.
/// </summary>
internal static class PyTorch
{
    public const string Python = "/usr/bin/python3";

    public static (int ExitCode, string Output) Run(string workingDirectory, params string[] arguments)
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing, so the PyTorch reference cannot run. Install it with: apt-get install -y python3-torch (./test.sh does).");

        (int exitCode, string text) = ProcessRunner.RunIn(workingDirectory, Python, arguments);
        if (text.Contains("No module named 'torch'", StringComparison.Ordinal) || text.Contains("No module named 'numpy'", StringComparison.Ordinal))
            Assert.Fail($"PyTorch is not installed for {Python}, so the reference cannot run. Install it with: apt-get install -y python3-torch (./test.sh does).\n{text}");
        return (exitCode, text);
    }
}
