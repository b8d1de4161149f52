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
//
// This file holds the entry points and their one-width bodies (argument checks, then one call of a product);
// the tiles live next door: DenseKernels.InferenceTiles.cs (packed inference forward), DenseKernels.GemmTiles.cs
// (dot and broadcast tiles of the training products) and DenseKernels.NarrowTiles.cs (the 16-register variants and
// the dispatch between the two register files).
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
    /// weight is read exactly once. packedWeight is a plain row-major <c>[I, O]</c> matrix, a contract: other kernels
    /// (the convolutions' input gradient) pass their own <c>[I, O]</c> matrices here.
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

        if (UsePanelForward<TSimd, TVector>(batchSize, outFeatures))
        {
            if (UseTransposedForward<TSimd, TVector>(batchSize, inFeatures, outFeatures))
            {
                TransposedForward<TSimd, TVector>(output, input, weight, bias, batchSize, inFeatures, outFeatures);
                return;
            }

            Span<float> packed = PackForward<TSimd, TVector>(weight, bias, outFeatures, inFeatures).Span;
            PackedRows<TSimd, TVector>(output, input, packed, batchSize, outFeatures, inFeatures);
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

        if (TSimd.Count > 1 && batchSize >= PanelMinBatch)
        {
            Span<float> packed = PackRowPanels<TSimd, TVector>(weight, inFeatures, outFeatures).Span;
            PackedRows<TSimd, TVector>(inputGradient, outputGradient, packed, batchSize, inFeatures, outFeatures);
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

        if (TSimd.Count > 1 && batchSize > 0)
        {
            Span<float> packed = PackWeightGradient<TSimd, TVector>(outputGradient, input, batchSize, inFeatures, outFeatures).Span;
            PanelWeightGradientRows<TSimd, TVector>(weightGradient, packed, batchSize, inFeatures, outFeatures, rowStart, rowEnd);
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
