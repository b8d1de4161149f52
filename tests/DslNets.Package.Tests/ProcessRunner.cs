using System.Diagnostics;
using System.Text;

namespace DslNets.Package.Tests;

/// <summary>Runs programs (the dotnet CLI, published binaries) as a user would, isolated from the test run's MSBuild state.</summary>
internal static class ProcessRunner
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static (int ExitCode, string Output) Dotnet(string workingDirectory, params string[] arguments) =>
        RunIn(workingDirectory, "dotnet", arguments);

    /// <summary>Runs <paramref name="program"/> to completion and returns its exit code and combined output.</summary>
    public static (int ExitCode, string Output) RunIn(string workingDirectory, string program, params string[] arguments) =>
        RunWith(new Dictionary<string, string>(), workingDirectory, program, arguments);

    /// <summary><see cref="RunIn"/> with <paramref name="environment"/> added to the child's environment (only the child's).</summary>
    public static (int ExitCode, string Output) RunWith(
        IReadOnlyDictionary<string, string> environment, string workingDirectory, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        // 'dotnet test' exports MSBuild and test-host variables that would steer a nested build; a user has none.
        foreach (string name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name is "DOTNET_HOST_PATH" or "MSBUILD_EXE_PATH")
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DslNets.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException($"DslNets.sln not found above {AppContext.BaseDirectory}.");
    }
}
