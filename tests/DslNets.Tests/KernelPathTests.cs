using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DslNets.Kernels;
using DslNets.Package.Tests;

namespace DslNets.Tests;

/// <summary>
/// The kernels choose their SIMD path when the JIT compiles them, from what the process may use. On a machine with
/// AVX-512, <see cref="KernelTests"/> runs the Vector512 path; to cover the AVX2 path as an AVX2-only core runs it
/// (16 ymm registers, the narrow 6 x 16 tiles), this class re-runs <see cref="KernelTests"/> in a child
/// <c>dotnet test</c> of this assembly with AVX-512 disabled (with <see cref="WindowKernelTests"/> and <see cref="ActivationKernelTests"/>): <c>DOTNET_EnableAVX512=0</c> (.NET 10's name) and
/// <c>DOTNET_EnableAVX512F=0</c> (.NET 8's; .NET 10 ignores it), set for the child only.
/// </summary>
public class KernelPathTests
{
    private const string ChildMarker = "DSLNETS_TESTS_AVX512_DISABLED";

    [Fact]
    public void KernelTests_Pass_OnTheAvx2Path_WithAvx512Disabled()
    {
        if (!Avx512F.IsSupported || Environment.GetEnvironmentVariable(ChildMarker) is not null)
            return; // this process already runs the only x86 path the machine has (or is the child)

        var environment = new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0", ["DOTNET_EnableAVX512F"] = "0", [ChildMarker] = "1" };
        (int exitCode, string output) = ProcessRunner.RunWith(
            environment, ProcessRunner.RepositoryRoot, "dotnet", "test", typeof(KernelPathTests).Assembly.Location,
            "--filter", "FullyQualifiedName~DslNets.Tests.KernelTests|FullyQualifiedName~DslNets.Tests.WindowKernelTests|FullyQualifiedName~DslNets.Tests.ActivationKernelTests|FullyQualifiedName~DslNets.Tests.KernelPathTests");
        Assert.True(exitCode == 0, output);
        Assert.Contains("Passed!", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SixteenRegisterTiles_AreChosen_ExactlyWhenVector256RunsWithoutAvx512()
    {
        Assert.Equal(!Avx512F.IsSupported, DenseKernels.HasSixteenRegisters<Simd256>());
        Assert.False(DenseKernels.HasSixteenRegisters<Simd512>());
        if (Environment.GetEnvironmentVariable(ChildMarker) is not null)
        {
            // The child must really run the AVX2 path, or the re-run above proves nothing.
            Assert.False(Vector512.IsHardwareAccelerated);
            Assert.True(Vector256.IsHardwareAccelerated);
            Assert.True(DenseKernels.HasSixteenRegisters<Simd256>());
        }
    }

    [Fact]
    public void InferenceAndGradients_MatchTheScalarKernels_AtTheTileEdges()
    {
        // Batches around the 6-row tile (3..13) and k across the 256-row L1 blocks (784 = 4 blocks of 196), on
        // whichever 256-bit path this process takes; the same calls at scalar width give the expected values.
        if (!Vector256.IsHardwareAccelerated)
            return;
        foreach (int batch in new[] { 3, 5, 7, 12, 13 })
        {
            float[] x = TestData.Uniform(batch * 784, batch), w = TestData.Uniform(20 * 784, batch + 1), bias = TestData.Uniform(20, batch + 2);
            float[] packed = new float[784 * 20], packedBias = new float[20];
            DenseKernels.PackForInference<D784, D20>(packed, packedBias, w, bias);
            float[] y = new float[batch * 20], expected = new float[batch * 20];
            DenseKernels.InferenceForward<Simd256, Vector256<float>, D784, D20>(y, x, packed, packedBias, FusedActivation.ReLU, batch);
            DenseKernels.InferenceForward<SimdScalar, float, D784, D20>(expected, x, packed, packedBias, FusedActivation.ReLU, batch);
            AssertNear(expected, y);

            float[] dy = TestData.Uniform(batch * 20, batch + 3);
            float[] dx = new float[batch * 784], dxExpected = new float[batch * 784], dw = new float[20 * 784], dwExpected = new float[20 * 784];
            DenseKernels.InputGradient<Simd256, Vector256<float>, D784, D20>(dx, dy, w, batch);
            DenseKernels.InputGradient<SimdScalar, float, D784, D20>(dxExpected, dy, w, batch);
            AssertNear(dxExpected, dx);
            DenseKernels.WeightGradient<Simd256, Vector256<float>, D784, D20>(dw, default, dy, x, batch);
            DenseKernels.WeightGradient<SimdScalar, float, D784, D20>(dwExpected, default, dy, x, batch);
            AssertNear(dwExpected, dw);
        }
    }

    private static void AssertNear(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(expected[i] - actual[i]) > 1e-4f * (1 + Math.Abs(expected[i])))
                Assert.Fail($"index {i}: expected {expected[i]}, actual {actual[i]}");
        }
    }

    private readonly struct D20 : IDimension { public static int Value => 20; }
    private readonly struct D784 : IDimension { public static int Value => 784; }
}
