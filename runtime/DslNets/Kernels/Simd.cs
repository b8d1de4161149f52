using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DslNets.Kernels;

/// <summary>
/// One SIMD width, as static members, so a kernel is written once and instantiated per width
/// (<c>Kernel&lt;Simd512, Vector512&lt;float&gt;&gt;</c>): the JIT compiles each instantiation separately, with
/// <see cref="Count"/> a constant, and inlines every member. <see cref="SimdScalar"/> (Count 1) is the portable
/// fallback, so the same kernel source also runs where no vector hardware is.
/// </summary>
internal interface ISimd<TVector>
    where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    /// <summary>Reads <see cref="Count"/> floats starting at <paramref name="source"/> (the caller has checked the bounds).</summary>
    static abstract TVector Load(ref float source);

    static abstract void Store(TVector value, ref float destination);

    static abstract TVector Broadcast(float value);

    /// <summary>
    /// <c>left * right + addend</c>: fused (one rounding) where <see cref="FusedMultiplyAdd.IsAccelerated"/>, else a
    /// multiply and an add (two roundings).
    /// </summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

    static abstract TVector Max(TVector left, TVector right);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Subtract(TVector left, TVector right);

    static abstract TVector Multiply(TVector left, TVector right);

    static abstract TVector Divide(TVector left, TVector right);

    /// <summary>The larger lane, or NaN where either lane is NaN (PyTorch's max pooling), on .NET 8 as on .NET 9+.</summary>
    static abstract TVector MaxOrNaN(TVector left, TVector right);

    /// <summary>
    /// Keeps the last <paramref name="remainder"/> lanes and zeroes the others (0 &lt; remainder &lt; Count). The mask
    /// is computed from the lane indices, not read from a static array: reading a static can call a JIT helper, and
    /// a call on the remainder path made the JIT spill every accumulator of the kernel's main loop on every step.
    /// </summary>
    static abstract TVector KeepLast(TVector value, int remainder);

    /// <summary>Sum of all lanes.</summary>
    static abstract float Sum(TVector value);

    /// <summary>The four lane sums <c>(Sum(a), Sum(b), Sum(c), Sum(d))</c>, reduced together (far fewer shuffles than four <see cref="Sum"/>s).</summary>
    static abstract Vector128<float> Sum4(TVector a, TVector b, TVector c, TVector d);
}

/// <summary>
/// Whether a fused multiply-add is an instruction here. <c>Vector128.FusedMultiplyAdd</c> and
/// <c>TensorPrimitives.FusedMultiplyAdd</c> promise one rounding, so where the instruction set lacks FMA they compute
/// it in software, lane by lane: a NativeAOT binary published for the default x64 baseline (no FMA) ran inference
/// 50x slower than the JIT that way. The kernels therefore fuse only where this is true and otherwise multiply, then
/// add, which differs from the fused result by at most one rounding of the product (about 6e-8 relative), far inside
/// the 1e-5 the kernels are checked to. Where it is true (FMA3 on x64, always on Arm64) the results are the same as
/// before, bit for bit.
/// </summary>
/// <remarks>
/// Under the JIT, and under NativeAOT when FMA is in the instruction set it targets, <c>Fma.IsSupported</c> is a
/// constant and the untaken branch disappears; a NativeAOT binary for the x64 baseline checks the CPU at run time and
/// still fuses on a CPU that has FMA.
/// </remarks>
internal static class FusedMultiplyAdd
{
    public static bool IsAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.IsSupported;
    }

    /// <summary><c>destination[i] = x[i] * y[i] + addend[i]</c>, fused where <see cref="IsAccelerated"/>.</summary>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> addend, Span<float> destination)
    {
        if (IsAccelerated)
            TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
        else
            TensorPrimitives.MultiplyAdd(x, y, addend, destination);
    }
}

/// <summary>Reductions shared by the widths.</summary>
internal static class LaneSums
{
    /// <summary><c>(sum a, sum b, sum c, sum d)</c> of four 4-lane vectors by pairwise adds (haddps / addp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse3.IsSupported)
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        if (AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a, b), AdvSimd.Arm64.AddPairwise(c, d));
        return Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }
}

/// <summary>AVX-512: 16 floats per vector, 32 registers.</summary>
internal readonly struct Simd512 : ISimd<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    // AVX-512F implies FMA in .NET's instruction-set model, and this width only runs where Vector512 is accelerated.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
#if NET9_0_OR_GREATER
        Vector512.FusedMultiplyAdd(left, right, addend);
#else
        Avx512F.FusedMultiplyAdd(left, right, addend);
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => left / right;

    // .NET 9+'s Max is IEEE 754:2019 maximum (a NaN wins); .NET 8's is maxps, which drops a NaN in the first operand.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaxOrNaN(Vector512<float> left, Vector512<float> right) =>
#if NET9_0_OR_GREATER
        Vector512.Max(left, right);
#else
        Vector512.ConditionalSelect(Vector512.Equals(left, left) & Vector512.Equals(right, right), Vector512.Max(left, right), left + right);
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepLast(Vector512<float> value, int remainder) =>
        value & Vector512.GreaterThanOrEqual(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(Count - remainder)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
        Simd256.Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
}

/// <summary>AVX2: 8 floats per vector.</summary>
internal readonly struct Simd256 : ISimd<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
#if NET9_0_OR_GREATER
        FusedMultiplyAdd.IsAccelerated ? Vector256.FusedMultiplyAdd(left, right, addend) : left * right + addend;
#else
        Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend) : left * right + addend;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> left, Vector256<float> right) => left / right;

    // .NET 9+'s Max is IEEE 754:2019 maximum (a NaN wins); .NET 8's is maxps, which drops a NaN in the first operand.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxOrNaN(Vector256<float> left, Vector256<float> right) =>
#if NET9_0_OR_GREATER
        Vector256.Max(left, right);
#else
        Vector256.ConditionalSelect(Vector256.Equals(left, left) & Vector256.Equals(right, right), Vector256.Max(left, right), left + right);
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepLast(Vector256<float> value, int remainder) =>
        value & Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(Count - remainder)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d) =>
        LaneSums.Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
}

/// <summary>SSE / NEON: 4 floats per vector.</summary>
internal readonly struct Simd128 : ISimd<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) =>
#if NET9_0_OR_GREATER
        FusedMultiplyAdd.IsAccelerated ? Vector128.FusedMultiplyAdd(left, right, addend) : left * right + addend;
#else
        Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend) : left * right + addend;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) => Vector128.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => left / right;

    // .NET 9+'s Max is IEEE 754:2019 maximum (a NaN wins); .NET 8's is maxps, which drops a NaN in the first operand.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaxOrNaN(Vector128<float> left, Vector128<float> right) =>
#if NET9_0_OR_GREATER
        Vector128.Max(left, right);
#else
        Vector128.ConditionalSelect(Vector128.Equals(left, left) & Vector128.Equals(right, right), Vector128.Max(left, right), left + right);
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepLast(Vector128<float> value, int remainder) =>
        value & Vector128.GreaterThanOrEqual(Vector128.Create(0, 1, 2, 3), Vector128.Create(Count - remainder)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) => LaneSums.Sum4(a, b, c, d);
}

/// <summary>One float per "vector": the fallback where no SIMD is accelerated, and the path for tiny sizes.</summary>
internal readonly struct SimdScalar : ISimd<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    // Not MathF.FusedMultiplyAdd: without FMA hardware that is a slow software routine, and one rounding more is within the kernels' tolerance.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float left, float right, float addend) => left * right + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float left, float right) => MathF.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float left, float right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Divide(float left, float right) => left / right;

    // MathF.Max returns NaN when either argument is NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxOrNaN(float left, float right) => MathF.Max(left, right);

    // A one-lane vector never has a partial tail.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float KeepLast(float value, int remainder) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(float a, float b, float c, float d) => Vector128.Create(a, b, c, d);
}
