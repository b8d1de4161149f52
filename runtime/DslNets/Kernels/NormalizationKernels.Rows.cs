using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DslNets.Kernels;

// The row passes of batch norm over [B, F] (NormalizationKernels.cs): each pass walks one row of features in memory
// order, widest vectors first and the rest at the narrower widths, down to single floats. They used to be
// TensorPrimitives calls, five per row: with 128-256 features a row is only 8-32 vectors, and the calls' fixed cost
// was most of the kernel's time. A second thread, which gets half the features of every row, halves the vectors
// but not the calls, so the split batch norm ran slower than one thread (measured on Zen 4 at batch 256: forward
// 256x256 62 us on two threads against 38 on one). Per float every pass does the operations the calls did, in the
// same order (sums start from zero and add the rows in order; the last multiply-add is fused where the hardware
// fuses), so the results are the same bits as before and the same on any number of threads.
public static partial class NormalizationKernels
{
    /// <summary>The arrays one row pass reads and writes, each at the row's first feature.</summary>
    private ref struct RowRefs
    {
        public ref float A;
        public ref float B;
        public ref float C;
        public ref float D;
        public ref float E;
        public ref float F;
        public ref float G;

        /// <summary>A number the pass needs besides the arrays (the input gradient's batch size).</summary>
        public float Scalar;
    }

    /// <summary>One row pass: what it does to the vector of floats at <c>f</c> (of any width, down to one float).</summary>
    private interface IRowPass
    {
        static abstract void Step<TSimd, TVector>(scoped in RowRefs rows, nint f)
            where TSimd : struct, ISimd<TVector>
            where TVector : struct;
    }

    /// <summary>Runs <typeparamref name="TPass"/> over <paramref name="count"/> floats: the widest accelerated vectors, then narrower ones, then single floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunRow<TPass>(scoped in RowRefs rows, int count)
        where TPass : IRowPass
    {
        int f = 0;
        if (Vector512.IsHardwareAccelerated)
            f = Steps<TPass, Simd512, Vector512<float>>(rows, f, count);
        if (Vector256.IsHardwareAccelerated)
            f = Steps<TPass, Simd256, Vector256<float>>(rows, f, count);
        if (Vector128.IsHardwareAccelerated)
            f = Steps<TPass, Simd128, Vector128<float>>(rows, f, count);
        Steps<TPass, SimdScalar, float>(rows, f, count);
    }

    /// <summary>Steps of one width from float <paramref name="f"/> while a whole vector fits; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Steps<TPass, TSimd, TVector>(scoped in RowRefs rows, int f, int count)
        where TPass : IRowPass
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        for (; f <= count - TSimd.Count; f += TSimd.Count)
            TPass.Step<TSimd, TVector>(rows, f);
        return f;
    }

    /// <summary><c>A[f] = A[f] + B[f]</c>: a row added into the sums.</summary>
    private readonly struct AddPass : IRowPass
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Step<TSimd, TVector>(scoped in RowRefs rows, nint f)
            where TSimd : struct, ISimd<TVector>
            where TVector : struct
        {
            ref float sums = ref Unsafe.Add(ref rows.A, f);
            TSimd.Store(TSimd.Add(TSimd.Load(ref sums), TSimd.Load(ref Unsafe.Add(ref rows.B, f))), ref sums);
        }
    }

    /// <summary><c>A[f] = d * d + A[f]</c> with <c>d = B[f] - C[f]</c> (x minus the mean), multiplied and added apart.</summary>
    private readonly struct SquaredDeviationPass : IRowPass
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Step<TSimd, TVector>(scoped in RowRefs rows, nint f)
            where TSimd : struct, ISimd<TVector>
            where TVector : struct
        {
            ref float sums = ref Unsafe.Add(ref rows.A, f);
            TVector d = TSimd.Subtract(TSimd.Load(ref Unsafe.Add(ref rows.B, f)), TSimd.Load(ref Unsafe.Add(ref rows.C, f)));
            TSimd.Store(TSimd.Add(TSimd.Multiply(d, d), TSimd.Load(ref sums)), ref sums);
        }
    }

    /// <summary>
    /// The forward's last pass: <c>xhat = (x - mean) * rstd</c> into B and <c>y = xhat * gamma + beta</c> into A, with
    /// x in C, mean in D, rstd in E, gamma in F and beta in G; the multiply-add fused where the hardware fuses.
    /// </summary>
    private readonly struct NormalizePass : IRowPass
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Step<TSimd, TVector>(scoped in RowRefs rows, nint f)
            where TSimd : struct, ISimd<TVector>
            where TVector : struct
        {
            TVector xh = TSimd.Multiply(
                TSimd.Subtract(TSimd.Load(ref Unsafe.Add(ref rows.C, f)), TSimd.Load(ref Unsafe.Add(ref rows.D, f))),
                TSimd.Load(ref Unsafe.Add(ref rows.E, f)));
            TSimd.Store(xh, ref Unsafe.Add(ref rows.B, f));
            TVector gamma = TSimd.Load(ref Unsafe.Add(ref rows.F, f)), beta = TSimd.Load(ref Unsafe.Add(ref rows.G, f));

            // SimdScalar's multiply-add never fuses (MathF.FusedMultiplyAdd is a software routine without FMA);
            // the last floats of a row fuse here as the vectors before them do.
            TVector y = typeof(TVector) == typeof(float) && FusedMultiplyAdd.IsAccelerated
                ? Unsafe.BitCast<float, TVector>(MathF.FusedMultiplyAdd(Unsafe.BitCast<TVector, float>(xh), Unsafe.BitCast<TVector, float>(gamma), Unsafe.BitCast<TVector, float>(beta)))
                : TSimd.MultiplyAdd(xh, gamma, beta);
            TSimd.Store(y, ref Unsafe.Add(ref rows.A, f));
        }
    }

    /// <summary>The backward's sums: <c>A[f] = A[f] + dy</c> (dbeta) and <c>B[f] = dy * xhat + B[f]</c> (dgamma, apart), dy in C and xhat in D.</summary>
    private readonly struct GradientSumsPass : IRowPass
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Step<TSimd, TVector>(scoped in RowRefs rows, nint f)
            where TSimd : struct, ISimd<TVector>
            where TVector : struct
        {
            ref float dbeta = ref Unsafe.Add(ref rows.A, f), dgamma = ref Unsafe.Add(ref rows.B, f);
            TVector dy = TSimd.Load(ref Unsafe.Add(ref rows.C, f));
            TSimd.Store(TSimd.Add(TSimd.Load(ref dbeta), dy), ref dbeta);
            TSimd.Store(TSimd.Add(TSimd.Multiply(dy, TSimd.Load(ref Unsafe.Add(ref rows.D, f))), TSimd.Load(ref dgamma)), ref dgamma);
        }
    }

    /// <summary>
    /// The backward's input gradient: <c>A[f] = gamma * rstd / n * (n * dy - dbeta - xhat * dgamma)</c> with dy in B,
    /// xhat in C, dbeta in D, dgamma in E, gamma in F, rstd in G, and the batch size n in <see cref="RowRefs.Scalar"/>.
    /// </summary>
    private readonly struct InputGradientPass : IRowPass
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Step<TSimd, TVector>(scoped in RowRefs rows, nint f)
            where TSimd : struct, ISimd<TVector>
            where TVector : struct
        {
            TVector n = TSimd.Broadcast(rows.Scalar);
            TVector coefficient = TSimd.Divide(TSimd.Multiply(TSimd.Load(ref Unsafe.Add(ref rows.F, f)), TSimd.Load(ref Unsafe.Add(ref rows.G, f))), n);
            TVector dy = TSimd.Load(ref Unsafe.Add(ref rows.B, f)), xh = TSimd.Load(ref Unsafe.Add(ref rows.C, f));
            TVector sumDy = TSimd.Load(ref Unsafe.Add(ref rows.D, f)), sumDyXh = TSimd.Load(ref Unsafe.Add(ref rows.E, f));
            TVector inner = TSimd.Subtract(TSimd.Subtract(TSimd.Multiply(n, dy), sumDy), TSimd.Multiply(xh, sumDyXh));
            TSimd.Store(TSimd.Multiply(coefficient, inner), ref Unsafe.Add(ref rows.A, f));
        }
    }
}
