using System.Runtime.Intrinsics;
using DslNets.Kernels;

namespace DslNets.Tests;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is switched off): <c>dotnet exec DslNets.Tests.dll
/// multiply-add-probe</c> prints how the kernels' multiply-add rounds in that process, so a test can start one with
/// FMA switched off (<c>DOTNET_EnableAVX2=0</c>) and see which path ran. The test host never calls it.
/// </summary>
public static class MultiplyAddProbe
{
    // (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24: fused keeps the 2^-24, a rounded product (1 + 2^-11) loses it.
    public const float Factor = 1f + 1f / 4096f;

    public static int Main(string[] args)
    {
        if (args is not ["multiply-add-probe"])
        {
            Console.Error.WriteLine("usage: dotnet exec DslNets.Tests.dll multiply-add-probe");
            return 2;
        }

        Console.WriteLine($"accelerated {FusedMultiplyAdd.IsAccelerated}");
        float vector = Simd128.MultiplyAdd(Vector128.Create(Factor), Vector128.Create(Factor), Vector128.Create(-1f)).GetElement(0);
        Console.WriteLine($"vector128 {Describe(vector)}");
        float[] destination = new float[1];
        FusedMultiplyAdd.Apply([Factor], [Factor], [-1f], destination);
        Console.WriteLine($"spans {Describe(destination[0])}");
        return 0;
    }

    public static string Describe(float value) =>
        value == MathF.FusedMultiplyAdd(Factor, Factor, -1f) ? "fused" : value == 1f / 2048f ? "unfused" : $"unexpected {value:R}";
}
