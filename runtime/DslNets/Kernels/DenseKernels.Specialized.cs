using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DslNets.Kernels;

/// <summary>What the inference kernel applies to each output before storing it.</summary>
public enum FusedActivation
{
    /// <summary>Store <c>x W^T + b</c> as is.</summary>
    None,

    /// <summary>Store <c>max(x W^T + b, 0)</c>.</summary>
    ReLU,
}

// Shape-specialized dense kernels. Every public method is generic over its sizes (TIn, TOut : IDimension), so the
// JIT compiles one body per layer with constant bounds, and picks one SIMD width per body: Vector512 where it is
// accelerated, else Vector256, Vector128, scalar (IsHardwareAccelerated is a JIT-time constant, the other branches
// vanish). A width is used only when the vectorized dimension holds at least one full vector; a partial last
// vector is handled without scalar loops:
//  - along an output dimension, the last vector is shifted back to end at the edge (it recomputes a few outputs
//    with the same instructions, so the same values);
//  - along a reduction dimension, the last vector is shifted back and its already-summed lanes are masked to zero.
//
// Two register-blocked micro-kernel families cover the three products of a dense layer:
//  - "dot" tiles (4 samples x 4 weight rows, 16 accumulators, reduced across lanes at the end) for the training
//    forward Y = X W^T, which reads W in its [O, I] layout;
//  - "broadcast" tiles (4 rows x 4 vectors, 16 accumulators, one scalar broadcast per row and step, no lane
//    reduction) for dX = dY W, dW = dY^T X and the inference forward over weights packed as [I, O].
// 16 accumulators + 8 operands fit the 32 AVX-512 registers; an FMA's 4-cycle latency on 2 ports needs >= 8 chains.
public static partial class DenseKernels
{
    private const int TileRows = 4;
    private const int TileVectors = 4;

    /// <summary>
    /// Training forward, specialized to <typeparamref name="TIn"/> x <typeparamref name="TOut"/>:
    /// <c>output[b, o] = bias[o] + sum_i input[b, i] * weight[o, i]</c>. Shapes: input <c>[B, I]</c>, weight
    /// <c>[O, I]</c>, bias <c>[O]</c> or empty (no bias), output <c>[B, O]</c>.
    /// </summary>
    public static void Forward<TIn, TOut>(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (Vector512.IsHardwareAccelerated)
            Forward<Simd512, Vector512<float>, TIn, TOut>(output, input, weight, bias, batchSize);
        else if (Vector256.IsHardwareAccelerated)
            Forward<Simd256, Vector256<float>, TIn, TOut>(output, input, weight, bias, batchSize);
        else if (Vector128.IsHardwareAccelerated)
            Forward<Simd128, Vector128<float>, TIn, TOut>(output, input, weight, bias, batchSize);
        else
            Forward<SimdScalar, float, TIn, TOut>(output, input, weight, bias, batchSize);
    }

    /// <summary>
    /// Gradients of <c>Forward&lt;TIn, TOut&gt;</c>: <c>dWeight = dOutput^T * input</c> and
    /// <c>dBias = sum_b dOutput</c> (both overwritten), and <c>dInput = dOutput * weight</c> (overwritten) unless
    /// <paramref name="inputGradient"/> is empty (the first layer needs no input gradient).
    /// </summary>
    public static void Backward<TIn, TOut>(
        Span<float> inputGradient, Span<float> weightGradient, Span<float> biasGradient,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (Vector512.IsHardwareAccelerated)
        {
            WeightGradient<Simd512, Vector512<float>, TIn, TOut>(weightGradient, biasGradient, outputGradient, input, batchSize);
            if (!inputGradient.IsEmpty)
                InputGradient<Simd512, Vector512<float>, TIn, TOut>(inputGradient, outputGradient, weight, batchSize);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            WeightGradient<Simd256, Vector256<float>, TIn, TOut>(weightGradient, biasGradient, outputGradient, input, batchSize);
            if (!inputGradient.IsEmpty)
                InputGradient<Simd256, Vector256<float>, TIn, TOut>(inputGradient, outputGradient, weight, batchSize);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            WeightGradient<Simd128, Vector128<float>, TIn, TOut>(weightGradient, biasGradient, outputGradient, input, batchSize);
            if (!inputGradient.IsEmpty)
                InputGradient<Simd128, Vector128<float>, TIn, TOut>(inputGradient, outputGradient, weight, batchSize);
        }
        else
        {
            WeightGradient<SimdScalar, float, TIn, TOut>(weightGradient, biasGradient, outputGradient, input, batchSize);
            if (!inputGradient.IsEmpty)
                InputGradient<SimdScalar, float, TIn, TOut>(inputGradient, outputGradient, weight, batchSize);
        }
    }

    /// <summary>
    /// Inference forward over weights packed by <see cref="PackForInference{TIn, TOut}(Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float})"/>:
    /// <c>output[b, o] = activation(packedBias[o] + sum_i input[b, i] * packedWeight[i, o])</c>. Shapes: input
    /// <c>[B, I]</c>, packedWeight <c>[I, O]</c>, packedBias <c>[O]</c>, output <c>[B, O]</c>. With one sample each
    /// weight is read exactly once.
    /// </summary>
    public static void InferenceForward<TIn, TOut>(
        Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias,
        FusedActivation activation, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (Vector512.IsHardwareAccelerated)
            InferenceForward<Simd512, Vector512<float>, TIn, TOut>(output, input, packedWeight, packedBias, activation, batchSize);
        else if (Vector256.IsHardwareAccelerated)
            InferenceForward<Simd256, Vector256<float>, TIn, TOut>(output, input, packedWeight, packedBias, activation, batchSize);
        else if (Vector128.IsHardwareAccelerated)
            InferenceForward<Simd128, Vector128<float>, TIn, TOut>(output, input, packedWeight, packedBias, activation, batchSize);
        else
            InferenceForward<SimdScalar, float, TIn, TOut>(output, input, packedWeight, packedBias, activation, batchSize);
    }

    /// <summary>
    /// Packs a dense layer for <c>InferenceForward&lt;TIn, TOut&gt;</c>: <c>packedWeight[i, o] = weight[o, i]</c>
    /// (transposed to <c>[I, O]</c>) and <c>packedBias[o] = bias[o]</c> (0 without bias).
    /// </summary>
    public static void PackForInference<TIn, TOut>(Span<float> packedWeight, Span<float> packedBias, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        CheckLength(weight.Length, outFeatures * inFeatures, nameof(weight));
        CheckLength(packedWeight.Length, outFeatures * inFeatures, nameof(packedWeight));
        CheckLength(packedBias.Length, outFeatures, nameof(packedBias));
        if (!bias.IsEmpty)
            CheckLength(bias.Length, outFeatures, nameof(bias));
        for (int o = 0; o < outFeatures; o++)
        {
            packedBias[o] = bias.IsEmpty ? 0f : bias[o];
            Transpose(packedWeight, weight.Slice(o * inFeatures, inFeatures), o, outFeatures, 1f);
        }
    }

    /// <summary>
    /// Packs a dense layer followed by batch norm (evaluation mode) into one affine map for
    /// <c>InferenceForward&lt;TIn, TOut&gt;</c>: with <c>s[o] = gamma[o] / sqrt(runningVar[o] + eps)</c>,
    /// <c>packedWeight[i, o] = weight[o, i] * s[o]</c> and <c>packedBias[o] = (bias[o] - runningMean[o]) * s[o] + beta[o]</c>
    /// (bias 0 when empty). Equal to dense-then-batch-norm within float rounding.
    /// </summary>
    public static void PackForInference<TIn, TOut>(
        Span<float> packedWeight, Span<float> packedBias, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float epsilon)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        CheckLength(weight.Length, outFeatures * inFeatures, nameof(weight));
        CheckLength(packedWeight.Length, outFeatures * inFeatures, nameof(packedWeight));
        CheckLength(packedBias.Length, outFeatures, nameof(packedBias));
        CheckLength(gamma.Length, outFeatures, nameof(gamma));
        CheckLength(beta.Length, outFeatures, nameof(beta));
        CheckLength(runningMean.Length, outFeatures, nameof(runningMean));
        CheckLength(runningVar.Length, outFeatures, nameof(runningVar));
        if (!bias.IsEmpty)
            CheckLength(bias.Length, outFeatures, nameof(bias));
        for (int o = 0; o < outFeatures; o++)
        {
            float scale = gamma[o] / MathF.Sqrt(runningVar[o] + epsilon);
            float b = bias.IsEmpty ? 0f : bias[o];
            packedBias[o] = (b - runningMean[o]) * scale + beta[o];
            Transpose(packedWeight, weight.Slice(o * inFeatures, inFeatures), o, outFeatures, scale);
        }
    }

    /// <summary>Writes one weight row as column <paramref name="column"/> of the <c>[I, O]</c> packed matrix.</summary>
    private static void Transpose(Span<float> packed, ReadOnlySpan<float> row, int column, int columns, float scale)
    {
        for (int i = 0; i < row.Length; i++)
            packed[i * columns + column] = row[i] * scale;
    }

    // ---- One SIMD width. Internal so tests can run every width the machine has on any size. ----

    /// <summary><c>Forward&lt;TIn, TOut&gt;</c> at one SIMD width (scalar when <c>I</c> is narrower than a vector).</summary>
    internal static void Forward<TSimd, TVector, TIn, TOut>(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int batchSize)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        CheckBatch(batchSize);
        CheckLength(output.Length, batchSize * outFeatures, nameof(output));
        CheckLength(input.Length, batchSize * inFeatures, nameof(input));
        CheckLength(weight.Length, outFeatures * inFeatures, nameof(weight));
        if (!bias.IsEmpty)
            CheckLength(bias.Length, outFeatures, nameof(bias));
        if (TSimd.Count > inFeatures)
        {
            Forward<SimdScalar, float, TIn, TOut>(output, input, weight, bias, batchSize);
            return;
        }

        DotProduct<TSimd, TVector>(
            ref MemoryMarshal.GetReference(output), ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(weight),
            ref MemoryMarshal.GetReference(bias), !bias.IsEmpty, batchSize, outFeatures, inFeatures);
    }

    /// <summary><c>dInput = dOutput * weight</c> (overwritten) at one SIMD width.</summary>
    internal static void InputGradient<TSimd, TVector, TIn, TOut>(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight, int batchSize)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        CheckBatch(batchSize);
        CheckLength(inputGradient.Length, batchSize * inFeatures, nameof(inputGradient));
        CheckLength(outputGradient.Length, batchSize * outFeatures, nameof(outputGradient));
        CheckLength(weight.Length, outFeatures * inFeatures, nameof(weight));
        if (TSimd.Count > inFeatures)
        {
            InputGradient<SimdScalar, float, TIn, TOut>(inputGradient, outputGradient, weight, batchSize);
            return;
        }

        // C = dX [B, I], A = dY [B, O] (rows of O, k along a row), B = W [O, I].
        BroadcastProduct<TSimd, TVector>(
            ref MemoryMarshal.GetReference(inputGradient), inFeatures,
            ref MemoryMarshal.GetReference(outputGradient), outFeatures, 1,
            ref MemoryMarshal.GetReference(weight), inFeatures, batchSize, inFeatures, outFeatures);
    }

    /// <summary><c>dWeight = dOutput^T * input</c> and <c>dBias = sum_b dOutput</c> (both overwritten; bias skipped when empty) at one SIMD width.</summary>
    internal static void WeightGradient<TSimd, TVector, TIn, TOut>(Span<float> weightGradient, Span<float> biasGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, int batchSize)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        CheckBatch(batchSize);
        CheckLength(weightGradient.Length, outFeatures * inFeatures, nameof(weightGradient));
        CheckLength(outputGradient.Length, batchSize * outFeatures, nameof(outputGradient));
        CheckLength(input.Length, batchSize * inFeatures, nameof(input));
        if (!biasGradient.IsEmpty)
        {
            CheckLength(biasGradient.Length, outFeatures, nameof(biasGradient));
            Span<float> db = biasGradient.Slice(0, outFeatures);
            db.Clear();
            for (int b = 0; b < batchSize; b++)
                TensorPrimitives.Add(db, outputGradient.Slice(b * outFeatures, outFeatures), db);
        }

        if (TSimd.Count > inFeatures)
        {
            WeightGradient<SimdScalar, float, TIn, TOut>(weightGradient, default, outputGradient, input, batchSize);
            return;
        }

        WeightGradientRows<TSimd, TVector, TIn, TOut>(weightGradient, outputGradient, input, batchSize, 0, outFeatures);
    }

    /// <summary>Rows <c>[rowStart, rowEnd)</c> of <c>dWeight = dOutput^T * input</c> (overwritten); lengths checked by the caller.</summary>
    internal static void WeightGradientRows<TSimd, TVector, TIn, TOut>(Span<float> weightGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, int batchSize, int rowStart, int rowEnd)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        if ((uint)rowStart > (uint)rowEnd || rowEnd > outFeatures)
            throw new ArgumentOutOfRangeException(nameof(rowEnd), rowEnd, "The row range lies outside the weight matrix.");
        if (TSimd.Count > inFeatures)
        {
            WeightGradientRows<SimdScalar, float, TIn, TOut>(weightGradient, outputGradient, input, batchSize, rowStart, rowEnd);
            return;
        }

        // C = dW [O, I], A = dY^T (A[o, b] = dY[b, o]: next row +1, next k +O), B = X [B, I].
        BroadcastProduct<TSimd, TVector>(
            ref Unsafe.Add(ref MemoryMarshal.GetReference(weightGradient), (nint)rowStart * inFeatures), inFeatures,
            ref Unsafe.Add(ref MemoryMarshal.GetReference(outputGradient), rowStart), 1, outFeatures,
            ref MemoryMarshal.GetReference(input), inFeatures, rowEnd - rowStart, inFeatures, batchSize);
    }

    /// <summary><c>InferenceForward&lt;TIn, TOut&gt;</c> at one SIMD width (scalar when <c>O</c> is narrower than a vector).</summary>
    internal static void InferenceForward<TSimd, TVector, TIn, TOut>(
        Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> packedWeight, ReadOnlySpan<float> packedBias,
        FusedActivation activation, int batchSize)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        CheckBatch(batchSize);
        CheckLength(output.Length, batchSize * outFeatures, nameof(output));
        CheckLength(input.Length, batchSize * inFeatures, nameof(input));
        CheckLength(packedWeight.Length, outFeatures * inFeatures, nameof(packedWeight));
        CheckLength(packedBias.Length, outFeatures, nameof(packedBias));
        if (TSimd.Count > outFeatures)
        {
            // The next narrower width (not scalar code straight away): 10 outputs are two shifted Vector256s.
            if (TSimd.Count > 8)
                InferenceForward<Simd256, Vector256<float>, TIn, TOut>(output, input, packedWeight, packedBias, activation, batchSize);
            else if (TSimd.Count > 4)
                InferenceForward<Simd128, Vector128<float>, TIn, TOut>(output, input, packedWeight, packedBias, activation, batchSize);
            else
                InferenceForward<SimdScalar, float, TIn, TOut>(output, input, packedWeight, packedBias, activation, batchSize);
            return;
        }

        // C = Y [B, O], A = X [B, I], B = W^T [I, O].
        InferenceProduct<TSimd, TVector>(
            ref MemoryMarshal.GetReference(output), ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(packedWeight),
            ref MemoryMarshal.GetReference(packedBias), activation == FusedActivation.ReLU, batchSize, outFeatures, inFeatures);
    }

    // ---- Inference: Y[m, 0:n] = act(bias + sum_k X[m, k] * W[k, 0:n]) over the packed [I, O] weights. ----
    // Several samples: the weights are cut into panels of 4 vectors (columns) by about PanelDepth rows, small enough
    // to stay in L1 while every 6-sample tile of the batch runs over them (a panel of 784 rows, 200 KB, would be
    // re-read from L2 by each tile). Partial sums wait in the output between row blocks: the first block starts from
    // the bias, the last one applies the activation. One or two samples left over (and batch 1) go to the
    // single-row kernel, which streams each weight once with 8 independent FMA chains.

    /// <summary>Weight rows per L1 block: 112-128 rows x 4 vectors x 64 B is at most 32 KB (L1 is 32-48 KB).</summary>
    private const int PanelDepth = 128;

    /// <summary>Samples per panel tile: 6 x 4 accumulators + 4 weight vectors + 1 broadcast = 29 of 32 AVX-512 registers.</summary>
    internal const int PanelRows = 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InferenceGemm<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool relu, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count, panel = TileVectors * width;
        // A tile of 3-5 rows is cheaper than streaming the weights from L2 once per row; one or two rows are not.
        int leftOver = m % PanelRows;
        int tiledRows = leftOver >= 3 ? m : m - leftOver;
        if (tiledRows > 0)
        {
            int blocks = (k + PanelDepth - 1) / PanelDepth;
            int depth = (k + blocks - 1) / blocks;
            int col = 0;
            for (; col + panel <= n; col += panel)
            {
                for (int p0 = 0; p0 < k; p0 += depth)
                {
                    int kc = Math.Min(depth, k - p0);
                    bool first = p0 == 0, last = p0 + kc == k;
                    ref float panelStart = ref Unsafe.Add(ref w, (nint)p0 * n + col);
                    for (int row = 0; row < tiledRows; row += PanelRows)
                    {
                        ref float cTile = ref Unsafe.Add(ref c, (nint)row * n + col);
                        ref float init = ref first ? ref Unsafe.Add(ref bias, col) : ref cTile;
                        int rows = Math.Min(PanelRows, tiledRows - row);
                        // 3 or 4 rows left: a 4-row tile wastes less than a 6-row one repeating its last row.
                        if (rows <= TileRows)
                        {
                            PanelTile4x4<TSimd, TVector>(
                                ref cTile, n, ref init, first ? 0 : n, ref Unsafe.Add(ref x, (nint)row * k + p0), k,
                                ref panelStart, n, rows, relu && last, kc);
                        }
                        else
                        {
                            PanelTile6x4<TSimd, TVector>(
                                ref cTile, n, ref init, first ? 0 : n, ref Unsafe.Add(ref x, (nint)row * k + p0), k,
                                ref panelStart, n, rows, relu && last, kc);
                        }
                    }
                }
            }

            for (; col < n; col += 2 * width)
            {
                // Two vectors at a time (12 FMA chains); a partial last vector is shifted back to end at n, and a
                // lone last vector is computed twice: both recompute columns to identical values.
                int first = Math.Min(col, n - width), second = Math.Min(col + width, n - width);
                for (int row = 0; row < tiledRows; row += PanelRows)
                {
                    EdgeTile6x2<TSimd, TVector>(
                        ref Unsafe.Add(ref c, (nint)row * n), n, ref Unsafe.Add(ref x, (nint)row * k), k, ref w, n, ref bias,
                        first, second, Math.Min(PanelRows, tiledRows - row), relu, k);
                }
            }
        }

        for (int row = tiledRows; row < m; row++)
            InferenceRow<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * n), ref Unsafe.Add(ref x, (nint)row * k), ref w, ref bias, relu, n, k);
    }

    /// <summary>
    /// Up to 6 rows x 4 vectors over <paramref name="k"/> weight rows: 4 loads and 6 broadcasts feed 24 FMAs per step.
    /// Accumulators start from <paramref name="init"/> (the bias, <paramref name="initRow"/> 0, or the partial sums
    /// in C, <paramref name="initRow"/> = ldc). With <paramref name="rows"/> &lt; 6 the missing rows repeat the last
    /// one and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelTile6x4<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, ref float a, int lda, ref float b, int ldb, int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = Math.Min(3, rows - 1), r4 = Math.Min(4, rows - 1), r5 = rows - 1;
        ref float i0 = ref init, i1 = ref Unsafe.Add(ref init, r1 * initRow), i2 = ref Unsafe.Add(ref init, r2 * initRow);
        ref float i3 = ref Unsafe.Add(ref init, r3 * initRow), i4 = ref Unsafe.Add(ref init, r4 * initRow), i5 = ref Unsafe.Add(ref init, r5 * initRow);
        TVector c00 = TSimd.Load(ref i0), c01 = TSimd.Load(ref Unsafe.Add(ref i0, width)), c02 = TSimd.Load(ref Unsafe.Add(ref i0, 2 * width)), c03 = TSimd.Load(ref Unsafe.Add(ref i0, 3 * width));
        TVector c10 = TSimd.Load(ref i1), c11 = TSimd.Load(ref Unsafe.Add(ref i1, width)), c12 = TSimd.Load(ref Unsafe.Add(ref i1, 2 * width)), c13 = TSimd.Load(ref Unsafe.Add(ref i1, 3 * width));
        TVector c20 = TSimd.Load(ref i2), c21 = TSimd.Load(ref Unsafe.Add(ref i2, width)), c22 = TSimd.Load(ref Unsafe.Add(ref i2, 2 * width)), c23 = TSimd.Load(ref Unsafe.Add(ref i2, 3 * width));
        TVector c30 = TSimd.Load(ref i3), c31 = TSimd.Load(ref Unsafe.Add(ref i3, width)), c32 = TSimd.Load(ref Unsafe.Add(ref i3, 2 * width)), c33 = TSimd.Load(ref Unsafe.Add(ref i3, 3 * width));
        TVector c40 = TSimd.Load(ref i4), c41 = TSimd.Load(ref Unsafe.Add(ref i4, width)), c42 = TSimd.Load(ref Unsafe.Add(ref i4, 2 * width)), c43 = TSimd.Load(ref Unsafe.Add(ref i4, 3 * width));
        TVector c50 = TSimd.Load(ref i5), c51 = TSimd.Load(ref Unsafe.Add(ref i5, width)), c52 = TSimd.Load(ref Unsafe.Add(ref i5, 2 * width)), c53 = TSimd.Load(ref Unsafe.Add(ref i5, 3 * width));
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, r1 * lda), a2 = ref Unsafe.Add(ref a, r2 * lda);
        ref float a3 = ref Unsafe.Add(ref a, r3 * lda), a4 = ref Unsafe.Add(ref a, r4 * lda), a5 = ref Unsafe.Add(ref a, r5 * lda);
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref bp), b1 = TSimd.Load(ref Unsafe.Add(ref bp, width));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), b3 = TSimd.Load(ref Unsafe.Add(ref bp, 3 * width));
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, p));
            c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01); c02 = TSimd.MultiplyAdd(s, b2, c02); c03 = TSimd.MultiplyAdd(s, b3, c03);
            s = TSimd.Broadcast(Unsafe.Add(ref a1, p));
            c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11); c12 = TSimd.MultiplyAdd(s, b2, c12); c13 = TSimd.MultiplyAdd(s, b3, c13);
            s = TSimd.Broadcast(Unsafe.Add(ref a2, p));
            c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21); c22 = TSimd.MultiplyAdd(s, b2, c22); c23 = TSimd.MultiplyAdd(s, b3, c23);
            s = TSimd.Broadcast(Unsafe.Add(ref a3, p));
            c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31); c32 = TSimd.MultiplyAdd(s, b2, c32); c33 = TSimd.MultiplyAdd(s, b3, c33);
            s = TSimd.Broadcast(Unsafe.Add(ref a4, p));
            c40 = TSimd.MultiplyAdd(s, b0, c40); c41 = TSimd.MultiplyAdd(s, b1, c41); c42 = TSimd.MultiplyAdd(s, b2, c42); c43 = TSimd.MultiplyAdd(s, b3, c43);
            s = TSimd.Broadcast(Unsafe.Add(ref a5, p));
            c50 = TSimd.MultiplyAdd(s, b0, c50); c51 = TSimd.MultiplyAdd(s, b1, c51); c52 = TSimd.MultiplyAdd(s, b2, c52); c53 = TSimd.MultiplyAdd(s, b3, c53);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StoreRow<TSimd, TVector>(ref c, c00, c01, c02, c03, relu);
        if (rows > 1)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, relu);
        if (rows > 2)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, relu);
        if (rows > 3)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, relu);
        if (rows > 4)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 4 * (nint)ldc), c40, c41, c42, c43, relu);
        if (rows > 5)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 5 * (nint)ldc), c50, c51, c52, c53, relu);
    }

    /// <summary><see cref="PanelTile6x4{TSimd, TVector}"/> for the last 3 or 4 rows of a batch (16 FMAs per 4 loads and 4 broadcasts).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelTile4x4<TSimd, TVector>(
        ref float c, int ldc, ref float init, nint initRow, ref float a, int lda, ref float b, int ldb, int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        nint r1 = Math.Min(1, rows - 1), r2 = Math.Min(2, rows - 1), r3 = rows - 1;
        ref float i0 = ref init, i1 = ref Unsafe.Add(ref init, r1 * initRow), i2 = ref Unsafe.Add(ref init, r2 * initRow), i3 = ref Unsafe.Add(ref init, r3 * initRow);
        TVector c00 = TSimd.Load(ref i0), c01 = TSimd.Load(ref Unsafe.Add(ref i0, width)), c02 = TSimd.Load(ref Unsafe.Add(ref i0, 2 * width)), c03 = TSimd.Load(ref Unsafe.Add(ref i0, 3 * width));
        TVector c10 = TSimd.Load(ref i1), c11 = TSimd.Load(ref Unsafe.Add(ref i1, width)), c12 = TSimd.Load(ref Unsafe.Add(ref i1, 2 * width)), c13 = TSimd.Load(ref Unsafe.Add(ref i1, 3 * width));
        TVector c20 = TSimd.Load(ref i2), c21 = TSimd.Load(ref Unsafe.Add(ref i2, width)), c22 = TSimd.Load(ref Unsafe.Add(ref i2, 2 * width)), c23 = TSimd.Load(ref Unsafe.Add(ref i2, 3 * width));
        TVector c30 = TSimd.Load(ref i3), c31 = TSimd.Load(ref Unsafe.Add(ref i3, width)), c32 = TSimd.Load(ref Unsafe.Add(ref i3, 2 * width)), c33 = TSimd.Load(ref Unsafe.Add(ref i3, 3 * width));
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, r1 * lda), a2 = ref Unsafe.Add(ref a, r2 * lda), a3 = ref Unsafe.Add(ref a, r3 * lda);
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref bp), b1 = TSimd.Load(ref Unsafe.Add(ref bp, width));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), b3 = TSimd.Load(ref Unsafe.Add(ref bp, 3 * width));
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, p));
            c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01); c02 = TSimd.MultiplyAdd(s, b2, c02); c03 = TSimd.MultiplyAdd(s, b3, c03);
            s = TSimd.Broadcast(Unsafe.Add(ref a1, p));
            c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11); c12 = TSimd.MultiplyAdd(s, b2, c12); c13 = TSimd.MultiplyAdd(s, b3, c13);
            s = TSimd.Broadcast(Unsafe.Add(ref a2, p));
            c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21); c22 = TSimd.MultiplyAdd(s, b2, c22); c23 = TSimd.MultiplyAdd(s, b3, c23);
            s = TSimd.Broadcast(Unsafe.Add(ref a3, p));
            c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31); c32 = TSimd.MultiplyAdd(s, b2, c32); c33 = TSimd.MultiplyAdd(s, b3, c33);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StoreRow<TSimd, TVector>(ref c, c00, c01, c02, c03, relu);
        if (rows > 1)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, relu);
        if (rows > 2)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, relu);
        if (rows > 3)
            StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, relu);
    }

    /// <summary>
    /// Up to 6 rows x 2 vectors, at columns <paramref name="first"/> and <paramref name="second"/> (the output's last
    /// columns, fewer than a panel), over all <paramref name="k"/> weight rows; missing rows repeat the last one and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgeTile6x2<TSimd, TVector>(
        ref float c, int ldc, ref float a, int lda, ref float b, int ldb, ref float bias, int first, int second, int rows, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct =>
        NarrowTile6x2<TSimd, TVector>(ref c, ldc, ref bias, 0, false, ref a, lda, 1, ref b, ldb, first, second, rows, relu, k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair<TSimd, TVector>(ref float c, int first, int second, TVector c0, TVector c1, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TSimd.Store(relu ? TSimd.Max(c0, TSimd.Zero) : c0, ref Unsafe.Add(ref c, first));
        TSimd.Store(relu ? TSimd.Max(c1, TSimd.Zero) : c1, ref Unsafe.Add(ref c, second));
    }

    /// <summary>One sample over all outputs: 16-vector column strips, then 8 (8 FMA chains just cover the FMA latency), 4, single vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InferenceRow<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool relu, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        int col = 0;
        for (; col + 4 * TileVectors * width <= n; col += 4 * TileVectors * width)
        {
            RowTile1x16<TSimd, TVector>(ref Unsafe.Add(ref c, col), ref x, ref Unsafe.Add(ref w, col), n, ref Unsafe.Add(ref bias, col), relu, k);
        }

        for (; col + 2 * TileVectors * width <= n; col += 2 * TileVectors * width)
            RowTile1x8<TSimd, TVector>(ref Unsafe.Add(ref c, col), ref x, ref Unsafe.Add(ref w, col), n, ref Unsafe.Add(ref bias, col), relu, k);
        for (; col + TileVectors * width <= n; col += TileVectors * width)
            BroadcastTile1x4<TSimd, TVector>(ref Unsafe.Add(ref c, col), ref x, 1, ref Unsafe.Add(ref w, col), n, ref Unsafe.Add(ref bias, col), true, relu, k);
        for (; col < n; col += 2 * width)
        {
            // Two vectors at a time, two FMA chains in flight (a lone chain waits out every FMA's latency); shifted
            // back to end at n, a lone last vector computed twice, as in the edge tiles of the batched path.
            int first = Math.Min(col, n - width), second = Math.Min(col + width, n - width);
            RowTile1x2<TSimd, TVector>(ref c, ref x, ref w, n, ref bias, first, second, relu, k);
        }
    }

    /// <summary>1 row x 2 vectors at columns <paramref name="first"/> and <paramref name="second"/> (the last columns of a row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTile1x2<TSimd, TVector>(ref float c, ref float a, ref float b, int ldb, ref float bias, int first, int second, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector c0 = TSimd.Load(ref Unsafe.Add(ref bias, first)), c1 = TSimd.Load(ref Unsafe.Add(ref bias, second));
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, p));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, first)), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, second)), c1);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StorePair<TSimd, TVector>(ref c, first, second, c0, c1, relu);
    }

    /// <summary>
    /// 1 row x 16 vectors (a whole 256-float weight row at AVX-512): the weights stream strictly in order and 16
    /// FMA chains keep twice the loads in flight of <see cref="RowTile1x8{TSimd, TVector}"/>. Each output is still
    /// bias + products in order of k, exactly as in the panel tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTile1x16<TSimd, TVector>(ref float c, ref float a, ref float b, int ldb, ref float bias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector c0 = TSimd.Load(ref bias), c1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
        TVector c2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width)), c3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        TVector c4 = TSimd.Load(ref Unsafe.Add(ref bias, 4 * width)), c5 = TSimd.Load(ref Unsafe.Add(ref bias, 5 * width));
        TVector c6 = TSimd.Load(ref Unsafe.Add(ref bias, 6 * width)), c7 = TSimd.Load(ref Unsafe.Add(ref bias, 7 * width));
        TVector c8 = TSimd.Load(ref Unsafe.Add(ref bias, 8 * width)), c9 = TSimd.Load(ref Unsafe.Add(ref bias, 9 * width));
        TVector c10 = TSimd.Load(ref Unsafe.Add(ref bias, 10 * width)), c11 = TSimd.Load(ref Unsafe.Add(ref bias, 11 * width));
        TVector c12 = TSimd.Load(ref Unsafe.Add(ref bias, 12 * width)), c13 = TSimd.Load(ref Unsafe.Add(ref bias, 13 * width));
        TVector c14 = TSimd.Load(ref Unsafe.Add(ref bias, 14 * width)), c15 = TSimd.Load(ref Unsafe.Add(ref bias, 15 * width));
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, p));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref bp), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, width)), c1);
            c2 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), c2);
            c3 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 3 * width)), c3);
            c4 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 4 * width)), c4);
            c5 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 5 * width)), c5);
            c6 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 6 * width)), c6);
            c7 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 7 * width)), c7);
            c8 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 8 * width)), c8);
            c9 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 9 * width)), c9);
            c10 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 10 * width)), c10);
            c11 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 11 * width)), c11);
            c12 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 12 * width)), c12);
            c13 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 13 * width)), c13);
            c14 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 14 * width)), c14);
            c15 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 15 * width)), c15);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StoreRow<TSimd, TVector>(ref c, c0, c1, c2, c3, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 4 * width), c4, c5, c6, c7, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 8 * width), c8, c9, c10, c11, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 12 * width), c12, c13, c14, c15, relu);
    }

    /// <summary>1 row x 8 vectors: one broadcast and 8 loads feed 8 independent FMAs per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTile1x8<TSimd, TVector>(ref float c, ref float a, ref float b, int ldb, ref float bias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector c0 = TSimd.Load(ref bias), c1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
        TVector c2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width)), c3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        TVector c4 = TSimd.Load(ref Unsafe.Add(ref bias, 4 * width)), c5 = TSimd.Load(ref Unsafe.Add(ref bias, 5 * width));
        TVector c6 = TSimd.Load(ref Unsafe.Add(ref bias, 6 * width)), c7 = TSimd.Load(ref Unsafe.Add(ref bias, 7 * width));
        ref float bp = ref b;
        for (nint p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, p));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref bp), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, width)), c1);
            c2 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), c2);
            c3 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 3 * width)), c3);
            c4 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 4 * width)), c4);
            c5 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 5 * width)), c5);
            c6 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 6 * width)), c6);
            c7 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 7 * width)), c7);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        StoreRow<TSimd, TVector>(ref c, c0, c1, c2, c3, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 4 * width), c4, c5, c6, c7, relu);
    }

    // ---- Dot tiles: C[m, n] = bias[n] + sum_k X[m, k] * W[n, k]; X rows and W rows are both k-contiguous. ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotGemm<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool hasBias, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int row = 0;
        for (; row + TileRows <= m; row += TileRows)
        {
            ref float xRow = ref Unsafe.Add(ref x, (nint)row * k);
            ref float cRow = ref Unsafe.Add(ref c, (nint)row * n);
            int col = 0;
            for (; col + TileVectors <= n; col += TileVectors)
                DotTile4x4<TSimd, TVector>(ref Unsafe.Add(ref cRow, col), n, ref xRow, ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            for (; col < n; col++)
            {
                for (int r = 0; r < TileRows; r++)
                    DotTile1x1<TSimd, TVector>(ref Unsafe.Add(ref cRow, (nint)r * n + col), ref Unsafe.Add(ref xRow, (nint)r * k), ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            }
        }

        for (; row < m; row++)
        {
            ref float xRow = ref Unsafe.Add(ref x, (nint)row * k);
            ref float cRow = ref Unsafe.Add(ref c, (nint)row * n);
            int col = 0;
            for (; col + TileVectors <= n; col += TileVectors)
                DotTile1x4<TSimd, TVector>(ref Unsafe.Add(ref cRow, col), ref xRow, ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
            for (; col < n; col++)
                DotTile1x1<TSimd, TVector>(ref Unsafe.Add(ref cRow, col), ref xRow, ref Unsafe.Add(ref w, (nint)col * k), ref Unsafe.Add(ref bias, col), hasBias, k);
        }
    }

    /// <summary>4 samples x 4 weight rows: 8 loads feed 16 FMAs per step; lanes are summed once at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotTile4x4<TSimd, TVector>(ref float c, int ldc, ref float x, ref float w, ref float bias, bool hasBias, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        ref float x0 = ref x, x1 = ref Unsafe.Add(ref x, k), x2 = ref Unsafe.Add(ref x, 2 * (nint)k), x3 = ref Unsafe.Add(ref x, 3 * (nint)k);
        ref float w0 = ref w, w1 = ref Unsafe.Add(ref w, k), w2 = ref Unsafe.Add(ref w, 2 * (nint)k), w3 = ref Unsafe.Add(ref w, 3 * (nint)k);
        TVector c00 = TSimd.Zero, c01 = TSimd.Zero, c02 = TSimd.Zero, c03 = TSimd.Zero;
        TVector c10 = TSimd.Zero, c11 = TSimd.Zero, c12 = TSimd.Zero, c13 = TSimd.Zero;
        TVector c20 = TSimd.Zero, c21 = TSimd.Zero, c22 = TSimd.Zero, c23 = TSimd.Zero;
        TVector c30 = TSimd.Zero, c31 = TSimd.Zero, c32 = TSimd.Zero, c33 = TSimd.Zero;
        int width = TSimd.Count;
        int p = 0;
        for (; p + width <= k; p += width)
        {
            TVector b0 = TSimd.Load(ref Unsafe.Add(ref w0, p)), b1 = TSimd.Load(ref Unsafe.Add(ref w1, p));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref w2, p)), b3 = TSimd.Load(ref Unsafe.Add(ref w3, p));
            TVector a = TSimd.Load(ref Unsafe.Add(ref x0, p));
            c00 = TSimd.MultiplyAdd(a, b0, c00); c01 = TSimd.MultiplyAdd(a, b1, c01); c02 = TSimd.MultiplyAdd(a, b2, c02); c03 = TSimd.MultiplyAdd(a, b3, c03);
            a = TSimd.Load(ref Unsafe.Add(ref x1, p));
            c10 = TSimd.MultiplyAdd(a, b0, c10); c11 = TSimd.MultiplyAdd(a, b1, c11); c12 = TSimd.MultiplyAdd(a, b2, c12); c13 = TSimd.MultiplyAdd(a, b3, c13);
            a = TSimd.Load(ref Unsafe.Add(ref x2, p));
            c20 = TSimd.MultiplyAdd(a, b0, c20); c21 = TSimd.MultiplyAdd(a, b1, c21); c22 = TSimd.MultiplyAdd(a, b2, c22); c23 = TSimd.MultiplyAdd(a, b3, c23);
            a = TSimd.Load(ref Unsafe.Add(ref x3, p));
            c30 = TSimd.MultiplyAdd(a, b0, c30); c31 = TSimd.MultiplyAdd(a, b1, c31); c32 = TSimd.MultiplyAdd(a, b2, c32); c33 = TSimd.MultiplyAdd(a, b3, c33);
        }

        int remainder = k - p;
        if (remainder != 0)
        {
            // The last full vector ends at k; its lanes before p were summed already, so the inputs' copies are zeroed.
            p = k - width;
            TVector b0 = TSimd.Load(ref Unsafe.Add(ref w0, p)), b1 = TSimd.Load(ref Unsafe.Add(ref w1, p));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref w2, p)), b3 = TSimd.Load(ref Unsafe.Add(ref w3, p));
            TVector a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x0, p)), remainder);
            c00 = TSimd.MultiplyAdd(a, b0, c00); c01 = TSimd.MultiplyAdd(a, b1, c01); c02 = TSimd.MultiplyAdd(a, b2, c02); c03 = TSimd.MultiplyAdd(a, b3, c03);
            a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x1, p)), remainder);
            c10 = TSimd.MultiplyAdd(a, b0, c10); c11 = TSimd.MultiplyAdd(a, b1, c11); c12 = TSimd.MultiplyAdd(a, b2, c12); c13 = TSimd.MultiplyAdd(a, b3, c13);
            a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x2, p)), remainder);
            c20 = TSimd.MultiplyAdd(a, b0, c20); c21 = TSimd.MultiplyAdd(a, b1, c21); c22 = TSimd.MultiplyAdd(a, b2, c22); c23 = TSimd.MultiplyAdd(a, b3, c23);
            a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x3, p)), remainder);
            c30 = TSimd.MultiplyAdd(a, b0, c30); c31 = TSimd.MultiplyAdd(a, b1, c31); c32 = TSimd.MultiplyAdd(a, b2, c32); c33 = TSimd.MultiplyAdd(a, b3, c33);
        }

        float bias0 = 0f, bias1 = 0f, bias2 = 0f, bias3 = 0f;
        if (hasBias)
        {
            bias0 = bias;
            bias1 = Unsafe.Add(ref bias, 1);
            bias2 = Unsafe.Add(ref bias, 2);
            bias3 = Unsafe.Add(ref bias, 3);
        }

        StoreSums<TSimd, TVector>(ref c, c00, c01, c02, c03, bias0, bias1, bias2, bias3);
        StoreSums<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, bias0, bias1, bias2, bias3);
        StoreSums<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, bias0, bias1, bias2, bias3);
        StoreSums<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, bias0, bias1, bias2, bias3);
    }

    /// <summary>1 sample x 4 weight rows: each weight read once, the sample row reused from L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotTile1x4<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool hasBias, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        ref float w0 = ref w, w1 = ref Unsafe.Add(ref w, k), w2 = ref Unsafe.Add(ref w, 2 * (nint)k), w3 = ref Unsafe.Add(ref w, 3 * (nint)k);
        TVector c0 = TSimd.Zero, c1 = TSimd.Zero, c2 = TSimd.Zero, c3 = TSimd.Zero;
        int width = TSimd.Count;
        int p = 0;
        for (; p + width <= k; p += width)
        {
            TVector a = TSimd.Load(ref Unsafe.Add(ref x, p));
            c0 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w0, p)), c0);
            c1 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w1, p)), c1);
            c2 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w2, p)), c2);
            c3 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w3, p)), c3);
        }

        int remainder = k - p;
        if (remainder != 0)
        {
            p = k - width;
            TVector a = TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x, p)), remainder);
            c0 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w0, p)), c0);
            c1 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w1, p)), c1);
            c2 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w2, p)), c2);
            c3 = TSimd.MultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref w3, p)), c3);
        }

        if (hasBias)
            StoreSums<TSimd, TVector>(ref c, c0, c1, c2, c3, bias, Unsafe.Add(ref bias, 1), Unsafe.Add(ref bias, 2), Unsafe.Add(ref bias, 3));
        else
            StoreSums<TSimd, TVector>(ref c, c0, c1, c2, c3, 0f, 0f, 0f, 0f);
    }

    /// <summary>1 sample x 1 weight row (remainder rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotTile1x1<TSimd, TVector>(ref float c, ref float x, ref float w, ref float bias, bool hasBias, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector c0 = TSimd.Zero;
        int width = TSimd.Count;
        int p = 0;
        for (; p + width <= k; p += width)
            c0 = TSimd.MultiplyAdd(TSimd.Load(ref Unsafe.Add(ref x, p)), TSimd.Load(ref Unsafe.Add(ref w, p)), c0);
        int remainder = k - p;
        if (remainder != 0)
        {
            p = k - width;
            c0 = TSimd.MultiplyAdd(TSimd.KeepLast(TSimd.Load(ref Unsafe.Add(ref x, p)), remainder), TSimd.Load(ref Unsafe.Add(ref w, p)), c0);
        }

        c = hasBias ? TSimd.Sum(c0) + bias : TSimd.Sum(c0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSums<TSimd, TVector>(ref float c, TVector s0, TVector s1, TVector s2, TVector s3, float bias0, float bias1, float bias2, float bias3)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        (TSimd.Sum4(s0, s1, s2, s3) + Vector128.Create(bias0, bias1, bias2, bias3)).StoreUnsafe(ref c);
    }

    // ---- Broadcast tiles: C[m, 0:n] = init + sum_k A[m, k] * B[k, 0:n]; B rows are n-contiguous. ----
    // A[m, k] sits at a + m * aRow + k * aCol, so the same tiles read dY (rows) and dY^T (columns).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastGemm<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb,
        ref float bias, bool hasBias, bool relu, int m, int n, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        int col = 0;
        for (; col + TileVectors * width <= n; col += TileVectors * width)
        {
            int row = 0;
            for (; row + TileRows <= m; row += TileRows)
                BroadcastTile4x4<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + col), ldc, ref Unsafe.Add(ref a, (nint)row * aRow), aRow, aCol, ref Unsafe.Add(ref b, col), ldb, ref Unsafe.Add(ref bias, col), hasBias, relu, k);
            for (; row < m; row++)
                BroadcastTile1x4<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + col), ref Unsafe.Add(ref a, (nint)row * aRow), aCol, ref Unsafe.Add(ref b, col), ldb, ref Unsafe.Add(ref bias, col), hasBias, relu, k);
        }

        for (; col < n; col += width)
        {
            // A partial last vector is shifted back to end at n: it recomputes a few columns to identical values.
            int start = Math.Min(col, n - width);
            int row = 0;
            for (; row + TileRows <= m; row += TileRows)
                BroadcastTile4x1<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + start), ldc, ref Unsafe.Add(ref a, (nint)row * aRow), aRow, aCol, ref Unsafe.Add(ref b, start), ldb, ref Unsafe.Add(ref bias, start), hasBias, relu, k);
            for (; row < m; row++)
                BroadcastTile1x1<TSimd, TVector>(ref Unsafe.Add(ref c, (nint)row * ldc + start), ref Unsafe.Add(ref a, (nint)row * aRow), aCol, ref Unsafe.Add(ref b, start), ldb, ref Unsafe.Add(ref bias, start), hasBias, relu, k);
        }
    }

    /// <summary>4 rows x 4 vectors: 4 loads and 4 broadcasts feed 16 FMAs per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile4x4<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector i0 = TSimd.Zero, i1 = TSimd.Zero, i2 = TSimd.Zero, i3 = TSimd.Zero;
        if (hasBias)
        {
            i0 = TSimd.Load(ref bias);
            i1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
            i2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width));
            i3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        }

        TVector c00 = i0, c01 = i1, c02 = i2, c03 = i3;
        TVector c10 = i0, c11 = i1, c12 = i2, c13 = i3;
        TVector c20 = i0, c21 = i1, c22 = i2, c23 = i3;
        TVector c30 = i0, c31 = i1, c32 = i2, c33 = i3;
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, aRow), a2 = ref Unsafe.Add(ref a, 2 * (nint)aRow), a3 = ref Unsafe.Add(ref a, 3 * (nint)aRow);
        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            TVector b0 = TSimd.Load(ref bp), b1 = TSimd.Load(ref Unsafe.Add(ref bp, width));
            TVector b2 = TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), b3 = TSimd.Load(ref Unsafe.Add(ref bp, 3 * width));
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a0, ap));
            c00 = TSimd.MultiplyAdd(s, b0, c00); c01 = TSimd.MultiplyAdd(s, b1, c01); c02 = TSimd.MultiplyAdd(s, b2, c02); c03 = TSimd.MultiplyAdd(s, b3, c03);
            s = TSimd.Broadcast(Unsafe.Add(ref a1, ap));
            c10 = TSimd.MultiplyAdd(s, b0, c10); c11 = TSimd.MultiplyAdd(s, b1, c11); c12 = TSimd.MultiplyAdd(s, b2, c12); c13 = TSimd.MultiplyAdd(s, b3, c13);
            s = TSimd.Broadcast(Unsafe.Add(ref a2, ap));
            c20 = TSimd.MultiplyAdd(s, b0, c20); c21 = TSimd.MultiplyAdd(s, b1, c21); c22 = TSimd.MultiplyAdd(s, b2, c22); c23 = TSimd.MultiplyAdd(s, b3, c23);
            s = TSimd.Broadcast(Unsafe.Add(ref a3, ap));
            c30 = TSimd.MultiplyAdd(s, b0, c30); c31 = TSimd.MultiplyAdd(s, b1, c31); c32 = TSimd.MultiplyAdd(s, b2, c32); c33 = TSimd.MultiplyAdd(s, b3, c33);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        StoreRow<TSimd, TVector>(ref c, c00, c01, c02, c03, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, ldc), c10, c11, c12, c13, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 2 * (nint)ldc), c20, c21, c22, c23, relu);
        StoreRow<TSimd, TVector>(ref Unsafe.Add(ref c, 3 * (nint)ldc), c30, c31, c32, c33, relu);
    }

    /// <summary>1 row x 4 vectors (a single sample): every B value is read once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile1x4<TSimd, TVector>(
        ref float c, ref float a, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        TVector c0 = TSimd.Zero, c1 = TSimd.Zero, c2 = TSimd.Zero, c3 = TSimd.Zero;
        if (hasBias)
        {
            c0 = TSimd.Load(ref bias);
            c1 = TSimd.Load(ref Unsafe.Add(ref bias, width));
            c2 = TSimd.Load(ref Unsafe.Add(ref bias, 2 * width));
            c3 = TSimd.Load(ref Unsafe.Add(ref bias, 3 * width));
        }

        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            TVector s = TSimd.Broadcast(Unsafe.Add(ref a, ap));
            c0 = TSimd.MultiplyAdd(s, TSimd.Load(ref bp), c0);
            c1 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, width)), c1);
            c2 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 2 * width)), c2);
            c3 = TSimd.MultiplyAdd(s, TSimd.Load(ref Unsafe.Add(ref bp, 3 * width)), c3);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        StoreRow<TSimd, TVector>(ref c, c0, c1, c2, c3, relu);
    }

    /// <summary>4 rows x 1 vector (remainder columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile4x1<TSimd, TVector>(
        ref float c, int ldc, ref float a, int aRow, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector init = hasBias ? TSimd.Load(ref bias) : TSimd.Zero;
        TVector c0 = init, c1 = init, c2 = init, c3 = init;
        ref float a0 = ref a, a1 = ref Unsafe.Add(ref a, aRow), a2 = ref Unsafe.Add(ref a, 2 * (nint)aRow), a3 = ref Unsafe.Add(ref a, 3 * (nint)aRow);
        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            TVector v = TSimd.Load(ref bp);
            c0 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a0, ap)), v, c0);
            c1 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a1, ap)), v, c1);
            c2 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a2, ap)), v, c2);
            c3 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a3, ap)), v, c3);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        TSimd.Store(relu ? TSimd.Max(c0, TSimd.Zero) : c0, ref c);
        TSimd.Store(relu ? TSimd.Max(c1, TSimd.Zero) : c1, ref Unsafe.Add(ref c, ldc));
        TSimd.Store(relu ? TSimd.Max(c2, TSimd.Zero) : c2, ref Unsafe.Add(ref c, 2 * (nint)ldc));
        TSimd.Store(relu ? TSimd.Max(c3, TSimd.Zero) : c3, ref Unsafe.Add(ref c, 3 * (nint)ldc));
    }

    /// <summary>1 row x 1 vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BroadcastTile1x1<TSimd, TVector>(
        ref float c, ref float a, int aCol, ref float b, int ldb, ref float bias, bool hasBias, bool relu, int k)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        TVector c0 = hasBias ? TSimd.Load(ref bias) : TSimd.Zero;
        ref float bp = ref b;
        nint ap = 0;
        for (int p = 0; p < k; p++)
        {
            c0 = TSimd.MultiplyAdd(TSimd.Broadcast(Unsafe.Add(ref a, ap)), TSimd.Load(ref bp), c0);
            bp = ref Unsafe.Add(ref bp, ldb);
            ap += aCol;
        }

        TSimd.Store(relu ? TSimd.Max(c0, TSimd.Zero) : c0, ref c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TSimd, TVector>(ref float c, TVector c0, TVector c1, TVector c2, TVector c3, bool relu)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        int width = TSimd.Count;
        if (relu)
        {
            c0 = TSimd.Max(c0, TSimd.Zero);
            c1 = TSimd.Max(c1, TSimd.Zero);
            c2 = TSimd.Max(c2, TSimd.Zero);
            c3 = TSimd.Max(c3, TSimd.Zero);
        }

        TSimd.Store(c0, ref c);
        TSimd.Store(c1, ref Unsafe.Add(ref c, width));
        TSimd.Store(c2, ref Unsafe.Add(ref c, 2 * width));
        TSimd.Store(c3, ref Unsafe.Add(ref c, 3 * width));
    }

    private static void CheckBatch(int batchSize)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
    }

    private static void CheckLength(int actual, int required, string name)
    {
        if (actual < required)
            throw new ArgumentException($"'{name}' holds {actual} values; the kernel needs at least {required}.", name);
    }
}
