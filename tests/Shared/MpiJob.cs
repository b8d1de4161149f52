using System.Diagnostics;

namespace DslNets.Testing;

/// <summary>
/// Starts <c>mpirun --allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 -np N dotnet program.dll arguments</c> from a test and returns
/// its exit code and output; kills the job after a timeout. Linked into the test projects that run MPI jobs.
/// </summary>
internal static class MpiJob
{
    /// <summary>Runs <paramref name="program"/> (a .dll in this test's output folder) as <paramref name="ranks"/> MPI ranks.</summary>
    public static (int ExitCode, string Output) Run(int ranks, string program, string arguments, TimeSpan timeout)
    {
        string mpirun = FindOnPath("mpirun")
            ?? throw new InvalidOperationException("mpirun is missing, so the MPI tests cannot run. Install OpenMPI with: apt-get install -y openmpi-bin libopenmpi-dev (./test.sh does).");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        string path = Path.Combine(AppContext.BaseDirectory, program);
        // A waiting rank yields its core instead of spinning: tests check results, not speed, and a machine running
        // several test jobs at once otherwise loses whole scheduler slices per collective (measured 3-5x slower steps
        // at load 10, docs/distributed.md).
        var start = new ProcessStartInfo(mpirun, $"--allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 -np {ranks} {dotnet} {path} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun {program} {arguments} did not finish within {timeout}; killed.");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string? FindOnPath(string name)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(folder, name);
            if (folder.Length > 0 && File.Exists(candidate))
                return candidate;
        }

        return null;
    }
}
