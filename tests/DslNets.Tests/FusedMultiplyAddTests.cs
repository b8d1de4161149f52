using System.Runtime.Intrinsics.X86;
using DslNets.Package.Tests;

namespace DslNets.Tests;

/// <summary>
/// Where the CPU (or a NativeAOT binary's instruction set) has no FMA, <c>Vector128.FusedMultiplyAdd</c> is computed
/// in software, lane by lane — 50x slower inference. The kernels must multiply and add there instead, and fuse
/// where FMA exists (so results there stay bit for bit what they were). Checked through the rounding, not the time.
/// </summary>
public class FusedMultiplyAddTests
{
    [Fact]
    public void WithoutFma_KernelsMultiplyThenAdd_InsteadOfEmulatingTheFusedOperation()
    {
        string output = RunProbe(("DOTNET_EnableAVX2", "0"));

        Assert.Contains("accelerated False", output);
        Assert.Contains("vector128 unfused", output);
        Assert.Contains("spans unfused", output);
    }

    [Fact]
    public void OnThisCpu_KernelsFuseExactlyWhenItHasFma()
    {
        string output = RunProbe();

        string expected = Fma.IsSupported ? "fused" : "unfused";
        Assert.Contains($"accelerated {Fma.IsSupported}", output);
        Assert.Contains($"vector128 {expected}", output);
        Assert.Contains($"spans {expected}", output);
    }

    private static string RunProbe(params (string Name, string Value)[] environment)
    {
        (int exitCode, string output) = ProcessRunner.RunWith(
            environment.ToDictionary(variable => variable.Name, variable => variable.Value), ProcessRunner.RepositoryRoot,
            "dotnet", "exec", typeof(MultiplyAddProbe).Assembly.Location, "multiply-add-probe");
        Assert.True(exitCode == 0, output);
        return output;
    }
}
