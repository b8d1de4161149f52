using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DslNets.Benchmarks;

/// <summary>
/// The machine's FP32 FMA peak for one core, measured in-process: 12 independent chains of fused multiply-adds that
/// live in registers (no loads or stores in the loop), so the time is the FMA ports' throughput alone. 12 chains
/// cover an FMA latency of 4-6 cycles on 2 ports (Haswell to Zen 5 and Ice Lake) with room to spare, and 12
/// accumulators plus two constants fit the 16 ymm registers of an AVX2-only core. The kernels' shares of peak in
/// <c>--profile</c> are taken against the width the kernels actually run (<see cref="KernelPath"/>).
/// </summary>
public static class FmaPeak
{
    private const int Chains = 12;
    /// <summary>Steps per round: 12 x 100,000 FMAs, about 0.2 ms at 3 GHz on two FMA ports.</summary>
    private const long Steps = 100_000;

    /// <summary>The SIMD width the dense kernels take on this process (a JIT-time choice, see DenseKernels).</summary>
    public static string KernelPath =>
        Vector512.IsHardwareAccelerated ? "Vector512 (AVX-512F)"
        : Vector256.IsHardwareAccelerated ? "Vector256 (AVX2 + FMA)"
        : Vector128.IsHardwareAccelerated ? "Vector128"
        : "scalar";

    /// <summary>Floats per vector on <see cref="KernelPath"/>.</summary>
    public static int KernelWidth =>
        Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

    /// <summary>CPU model from /proc/cpuinfo (x86 Linux), else the processor architecture.</summary>
    public static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null)
                return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }

    // Best of many short rounds: on a loaded machine a round that kept the core throughout is what measures the
    // FMA ports; a long round averages in the time other processes had the core.

    /// <summary>GFLOP/s of 512-bit FMAs (2 flop per lane), best of <paramref name="rounds"/>; NaN where Vector512 is not accelerated.</summary>
    public static double Vector512Gflops(int rounds = 2000) => Vector512.IsHardwareAccelerated ? Best(rounds, 16, Chain512) : double.NaN;

    /// <summary>GFLOP/s of 256-bit FMAs, best of <paramref name="rounds"/>; NaN where Vector256 is not accelerated.</summary>
    public static double Vector256Gflops(int rounds = 2000) => Vector256.IsHardwareAccelerated ? Best(rounds, 8, Chain256) : double.NaN;

    /// <summary>The peak of the width the kernels take, from the last <see cref="Describe"/>.</summary>
    public static double KernelPathGflops { get; private set; } = double.NaN;

    /// <summary>Measures both widths and returns them as one line (<c>Vector512 185.1 GFLOP/s, Vector256 99.0 GFLOP/s</c>).</summary>
    public static string Describe()
    {
        double peak512 = Vector512Gflops(), peak256 = Vector256Gflops();
        KernelPathGflops = KernelWidth == 16 ? peak512 : peak256;
        return $"Vector512 {Format(peak512)}, Vector256 {Format(peak256)}";
    }

    private static string Format(double gflops) => double.IsNaN(gflops) ? "not accelerated" : $"{gflops:F1} GFLOP/s";

    private static double Best(int rounds, int lanes, Func<long, float> chain)
    {
        long warmUp = Stopwatch.GetTimestamp(); // JIT, and the core's clock settled at its vector frequency
        while (Stopwatch.GetElapsedTime(warmUp).TotalMilliseconds < 200)
            chain(Steps);
        double bestSeconds = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            float sink = chain(Steps);
            bestSeconds = Math.Min(bestSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
            GC.KeepAlive(sink);
        }

        return 2.0 * Chains * lanes * Steps / bestSeconds / 1e9;
    }

    // a = a * m + d converges to d / (1 - m): values stay normal, and no chain can be folded by the JIT.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain512(long steps)
    {
        Vector512<float> m = Vector512.Create(0.999f), d = Vector512.Create(1e-3f);
        Vector512<float> a0 = Vector512.Create(0f), a1 = Vector512.Create(1f), a2 = Vector512.Create(2f), a3 = Vector512.Create(3f);
        Vector512<float> a4 = Vector512.Create(4f), a5 = Vector512.Create(5f), a6 = Vector512.Create(6f), a7 = Vector512.Create(7f);
        Vector512<float> a8 = Vector512.Create(8f), a9 = Vector512.Create(9f), a10 = Vector512.Create(10f), a11 = Vector512.Create(11f);
        for (long i = 0; i < steps; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, d); a1 = Vector512.FusedMultiplyAdd(a1, m, d);
            a2 = Vector512.FusedMultiplyAdd(a2, m, d); a3 = Vector512.FusedMultiplyAdd(a3, m, d);
            a4 = Vector512.FusedMultiplyAdd(a4, m, d); a5 = Vector512.FusedMultiplyAdd(a5, m, d);
            a6 = Vector512.FusedMultiplyAdd(a6, m, d); a7 = Vector512.FusedMultiplyAdd(a7, m, d);
            a8 = Vector512.FusedMultiplyAdd(a8, m, d); a9 = Vector512.FusedMultiplyAdd(a9, m, d);
            a10 = Vector512.FusedMultiplyAdd(a10, m, d); a11 = Vector512.FusedMultiplyAdd(a11, m, d);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain256(long steps)
    {
        Vector256<float> m = Vector256.Create(0.999f), d = Vector256.Create(1e-3f);
        Vector256<float> a0 = Vector256.Create(0f), a1 = Vector256.Create(1f), a2 = Vector256.Create(2f), a3 = Vector256.Create(3f);
        Vector256<float> a4 = Vector256.Create(4f), a5 = Vector256.Create(5f), a6 = Vector256.Create(6f), a7 = Vector256.Create(7f);
        Vector256<float> a8 = Vector256.Create(8f), a9 = Vector256.Create(9f), a10 = Vector256.Create(10f), a11 = Vector256.Create(11f);
        for (long i = 0; i < steps; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, d); a1 = Vector256.FusedMultiplyAdd(a1, m, d);
            a2 = Vector256.FusedMultiplyAdd(a2, m, d); a3 = Vector256.FusedMultiplyAdd(a3, m, d);
            a4 = Vector256.FusedMultiplyAdd(a4, m, d); a5 = Vector256.FusedMultiplyAdd(a5, m, d);
            a6 = Vector256.FusedMultiplyAdd(a6, m, d); a7 = Vector256.FusedMultiplyAdd(a7, m, d);
            a8 = Vector256.FusedMultiplyAdd(a8, m, d); a9 = Vector256.FusedMultiplyAdd(a9, m, d);
            a10 = Vector256.FusedMultiplyAdd(a10, m, d); a11 = Vector256.FusedMultiplyAdd(a11, m, d);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
