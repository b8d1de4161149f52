using System.Runtime.InteropServices;
using DslNets.Distributed;
using DslNets.MpiRank;
using DslNets.Testing;

namespace DslNets.Runtime.Tests.Distributed;

/// <summary>
/// The MPI backend: its errors in this (non-mpirun) process, and real jobs of 2 ranks started with
/// <c>mpirun -np 2 dotnet DslNets.MpiRank.dll ...</c> under a bounded timeout.
/// </summary>
public class MpiCollectivesTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Initialize_WithoutTheLibrary_NamesThePackagesToInstall()
    {
        var error = Assert.Throws<DllNotFoundException>(() => MpiCollectives.Initialize("libmpi-not-installed.so.40"));

        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", error.Message);
        Assert.Contains("libmpi-not-installed.so.40", error.Message);
    }

    [Fact]
    public void Initialize_OutsideMpirun_SaysHowToStartTheProcess()
    {
        Assert.False(MpiCollectives.IsLaunchedByMpirun);
        if (!NativeLibrary.TryLoad(MpiCollectives.LibraryName, out _))
        {
            // Without OpenMPI the missing library is reported first.
            Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", Assert.Throws<DllNotFoundException>(MpiCollectives.Initialize).Message);
            return;
        }

        var error = Assert.Throws<InvalidOperationException>(MpiCollectives.Initialize);

        Assert.Contains("needs a process started by OpenMPI's mpirun", error.Message);
        Assert.Contains("mpirun -np 2 dotnet YourApp.dll", error.Message);
        Assert.Contains("openmpi-bin libopenmpi-dev", error.Message);
    }

    [Theory]
    [InlineData("classifier", "5,9")]
    [InlineData("regressor", "7,2")]
    [InlineData("syncbn-classifier", "5,9")]
    [InlineData("syncbn-regressor", "1,12")]
    public void TwoMpiRanks_EqualOneProcess_OnTheConcatenatedBatch_WithoutAllocating(string network, string split)
    {
        RunJob(2, $"train {network} {split}", (directory, exitCode, output) =>
        {
            Assert.True(exitCode == 0, $"mpirun exited with {exitCode}:\n{output}");
            int globalBatch = split.Split(',').Sum(int.Parse);
            ScenarioResult single = DataParallelScenario.Single(network, globalBatch);
            for (int rank = 0; rank < 2; rank++)
            {
                using FileStream file = File.OpenRead(Path.Combine(directory, $"rank{rank}.bin"));
                DataParallelTests.AssertEqualToSingleProcess(single, ScenarioResult.Read(file), $"MPI {network} [{split}] rank {rank}");
                Assert.Equal("0", File.ReadAllText(Path.Combine(directory, $"rank{rank}.alloc"))); // bytes over 300 collectives + 10 steps
            }
        });
    }

    [Fact]
    public void TwoMpiRanks_WithDifferentNetworks_FailOnEveryRank()
    {
        RunJob(2, "mismatch", (directory, exitCode, output) =>
        {
            Assert.True(exitCode == 0, $"mpirun exited with {exitCode}:\n{output}");
            string rank0 = File.ReadAllText(Path.Combine(directory, "rank0.txt"));
            string rank1 = File.ReadAllText(Path.Combine(directory, "rank1.txt"));
            Assert.Contains("Rank 0 of 2: the ranks hold different networks. This rank has 'ParallelClassifier'", rank0);
            Assert.Contains("Rank 1 of 2: the ranks hold different networks. This rank has 'OtherClassifier'", rank1);
            Assert.Contains("differs from rank 0's", rank1);
        });
    }

    [Fact]
    public void MpiRankThatThrows_AbortsTheJob_InsteadOfLeavingTheOtherWaiting()
    {
        RunJob(2, "throw", (directory, exitCode, output) =>
        {
            Assert.NotEqual(0, exitCode);
            Assert.Contains("Rank 1 of 2: unhandled System.InvalidOperationException: rank 1 fails on purpose", output);
            Assert.Contains("Rank 1 of 2: aborting the MPI job", output);
            Assert.False(File.Exists(Path.Combine(directory, "rank0.txt")), "rank 0 finished a collective rank 1 never joined");
        });
    }

    /// <summary>
    /// Runs <c>mpirun -np <paramref name="ranks"/> dotnet DslNets.MpiRank.dll <paramref name="arguments"/> dir</c>
    /// with a fresh output directory, hands the directory, exit code and output to <paramref name="check"/>, then
    /// deletes the directory.
    /// </summary>
    private static void RunJob(int ranks, string arguments, Action<string, int, string> check)
    {
        string directory = Directory.CreateTempSubdirectory("dslnets-mpi-").FullName;
        try
        {
            (int exitCode, string output) = MpiJob.Run(ranks, "DslNets.MpiRank.dll", $"{arguments} {directory}", JobTimeout);
            check(directory, exitCode, output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
