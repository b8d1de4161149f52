using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DslNets.Threading;

namespace DslNets.Kernels;

// Overloads over Memory instead of Span: a span cannot travel to another thread, a Memory over the network's own
// arrays can. They split a large batch across KernelThreads.Count threads (rows of the output for the forward
// products and dX, rows of dW for the weight gradient) and otherwise run the span kernels on the calling thread.
public static partial class DenseKernels
{
    /// <summary>
    /// <see cref="Forward{TIn, TOut}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>,
    /// split by samples across <see cref="KernelThreads.Count"/> threads when the batch is large.
    /// </summary>
    public static void Forward<TIn, TOut>(Memory<float> output, ReadOnlyMemory<float> input, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (!KernelThreads.ShouldSplit(batchSize, (long)batchSize * TIn.Value * TOut.Value))
        {
            Forward<TIn, TOut>(output.Span, input.Span, weight.Span, bias.Span, batchSize);
            return;
        }

        CheckLength(output.Length, batchSize * TOut.Value, nameof(output));
        CheckLength(input.Length, batchSize * TIn.Value, nameof(input));
        if (Vector512.IsHardwareAccelerated)
            SplitForward<Simd512, Vector512<float>, TIn, TOut>(output, input, weight, bias, batchSize);
        else if (Vector256.IsHardwareAccelerated)
            SplitForward<Simd256, Vector256<float>, TIn, TOut>(output, input, weight, bias, batchSize);
        else if (Vector128.IsHardwareAccelerated)
            SplitForward<Simd128, Vector128<float>, TIn, TOut>(output, input, weight, bias, batchSize);
        else
            SplitForward<SimdScalar, float, TIn, TOut>(output, input, weight, bias, batchSize);
    }

    /// <summary>
    /// The split training forward at one width: W^T is packed once, its panels shared out among the threads, and
    /// every thread's rows then run over all the panels (packing per chunk would repeat the whole pass over W on
    /// each thread; packing on this thread alone left the other one idle for the pass, a sixth of the product at
    /// batch 256).
    /// </summary>
    private static void SplitForward<TSimd, TVector, TIn, TOut>(Memory<float> output, ReadOnlyMemory<float> input, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, int batchSize)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        if (TSimd.Count > inFeatures || !UsePanelForward<TSimd, TVector>(batchSize, outFeatures))
        {
            var work = new ForwardRows<TIn, TOut>(output, input, weight, bias);
            RowSplitter.Run(ref work, batchSize, TileRows);
            return;
        }

        CheckLength(weight.Length, outFeatures * inFeatures, nameof(weight));
        if (!bias.IsEmpty)
            CheckLength(bias.Length, outFeatures, nameof(bias));
        int n = outFeatures, k = inFeatures;
        Memory<float> packed = PanelWorkspace(n * k + n).AsMemory(0, n * k + n);
        var packWork = new PackPanelsWork<TSimd, TVector>(packed, weight, n, k);
        Pack(ref packWork, PanelBlocks<TSimd, TVector>(n), n * k);
        if (bias.IsEmpty)
            packed.Span.Slice(n * k, n).Clear();
        else
            bias.Span.Slice(0, n).CopyTo(packed.Span.Slice(n * k, n));
        var panelWork = new PackedRowsWork<TSimd, TVector>(output, input, packed, outFeatures, inFeatures);
        RowSplitter.Run(ref panelWork, batchSize, PanelRows);
    }

    /// <summary>
    /// <see cref="Backward{TIn, TOut}(Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>,
    /// with <c>dWeight</c> split by weight rows and <c>dInput</c> by samples when the batch is large.
    /// </summary>
    public static void Backward<TIn, TOut>(
        Memory<float> inputGradient, Memory<float> weightGradient, Memory<float> biasGradient,
        ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> input, ReadOnlyMemory<float> weight, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (!KernelThreads.ShouldSplit(batchSize, (long)batchSize * TIn.Value * TOut.Value))
        {
            Backward<TIn, TOut>(inputGradient.Span, weightGradient.Span, biasGradient.Span, outputGradient.Span, input.Span, weight.Span, batchSize);
            return;
        }

        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        CheckLength(weightGradient.Length, outFeatures * inFeatures, nameof(weightGradient));
        CheckLength(outputGradient.Length, batchSize * outFeatures, nameof(outputGradient));
        CheckLength(input.Length, batchSize * inFeatures, nameof(input));
        if (!biasGradient.IsEmpty)
        {
            CheckLength(biasGradient.Length, outFeatures, nameof(biasGradient));
            Span<float> db = biasGradient.Span.Slice(0, outFeatures);
            db.Clear();
            for (int b = 0; b < batchSize; b++)
                System.Numerics.Tensors.TensorPrimitives.Add(db, outputGradient.Span.Slice(b * outFeatures, outFeatures), db);
        }

        if (!inputGradient.IsEmpty)
            CheckLength(inputGradient.Length, batchSize * inFeatures, nameof(inputGradient));
        if (Vector512.IsHardwareAccelerated)
            SplitBackward<Simd512, Vector512<float>, TIn, TOut>(inputGradient, weightGradient, outputGradient, input, weight, batchSize);
        else if (Vector256.IsHardwareAccelerated)
            SplitBackward<Simd256, Vector256<float>, TIn, TOut>(inputGradient, weightGradient, outputGradient, input, weight, batchSize);
        else if (Vector128.IsHardwareAccelerated)
            SplitBackward<Simd128, Vector128<float>, TIn, TOut>(inputGradient, weightGradient, outputGradient, input, weight, batchSize);
        else
            SplitBackward<SimdScalar, float, TIn, TOut>(inputGradient, weightGradient, outputGradient, input, weight, batchSize);
    }

    /// <summary>
    /// The split products of the backward pass at one width (lengths checked by the caller): each product's operands
    /// are packed once, the packing shared out among the threads by panels (and, for dY^T, by samples), and every
    /// thread's rows then run over the same panels.
    /// </summary>
    private static void SplitBackward<TSimd, TVector, TIn, TOut>(
        Memory<float> inputGradient, Memory<float> weightGradient, ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> input, ReadOnlyMemory<float> weight, int batchSize)
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        int inFeatures = TIn.Value, outFeatures = TOut.Value;
        bool panels = TSimd.Count > 1 && TSimd.Count <= inFeatures && batchSize > 0;
        if (panels)
        {
            int xLength = batchSize * inFeatures, dyLength = outFeatures * batchSize;
            Memory<float> packed = PanelWorkspace(xLength + dyLength + inFeatures).AsMemory(0, xLength + dyLength + inFeatures);
            var packWork = new PackWeightGradientWork<TSimd, TVector>(packed, outputGradient, input, batchSize, inFeatures, outFeatures);
            Pack(ref packWork, packWork.Units, xLength + dyLength);
            packed.Span.Slice(xLength + dyLength, inFeatures).Clear();
            var weightWork = new PanelWeightGradientWork<TSimd, TVector>(weightGradient, packed, batchSize, inFeatures, outFeatures);
            RowSplitter.Run(ref weightWork, outFeatures, PanelRows);
        }
        else
        {
            var weightWork = new WeightGradientWork<TIn, TOut>(weightGradient, outputGradient, input, batchSize);
            RowSplitter.Run(ref weightWork, outFeatures, TileRows);
        }

        if (inputGradient.IsEmpty)
            return;
        CheckLength(weight.Length, outFeatures * inFeatures, nameof(weight));
        if (panels && batchSize >= PanelMinBatch)
        {
            int n = inFeatures, k = outFeatures;
            Memory<float> packed = PanelWorkspace(n * k + n).AsMemory(0, n * k + n);
            var packWork = new CopyToPanelsWork<TSimd, TVector>(packed, weight, n, k);
            Pack(ref packWork, PanelBlocks<TSimd, TVector>(n), n * k);
            packed.Span.Slice(n * k, n).Clear();
            var inputWork = new PackedRowsWork<TSimd, TVector>(inputGradient, outputGradient, packed, inFeatures, outFeatures);
            RowSplitter.Run(ref inputWork, batchSize, PanelRows);
        }
        else
        {
            var inputWork = new InputGradientRows<TIn, TOut>(inputGradient, outputGradient, weight);
            RowSplitter.Run(ref inputWork, batchSize, TileRows);
        }
    }

    /// <summary>
    /// <see cref="InferenceForward{TIn, TOut}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, FusedActivation, int)"/>,
    /// split by samples across <see cref="KernelThreads.Count"/> threads when the batch is large (never for one sample).
    /// </summary>
    public static void InferenceForward<TIn, TOut>(
        Memory<float> output, ReadOnlyMemory<float> input, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (!KernelThreads.ShouldSplit(batchSize, (long)batchSize * TIn.Value * TOut.Value))
        {
            InferenceForward<TIn, TOut>(output.Span, input.Span, packedWeight.Span, packedBias.Span, activation, batchSize);
            return;
        }

        CheckLength(output.Length, batchSize * TOut.Value, nameof(output));
        CheckLength(input.Length, batchSize * TIn.Value, nameof(input));
        var work = new InferenceRows<TIn, TOut>(output, input, packedWeight, packedBias, activation);
        RowSplitter.Run(ref work, batchSize, PanelRows);
    }

    /// <summary>
    /// <see cref="InferenceForward{TIn, TOut}(Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, FusedActivation, int)"/>
    /// for the first layer, whose input is the caller's span: it is copied into <paramref name="staging"/> only when the
    /// batch is split (helper threads cannot read a span); on one thread the kernel reads the span where it lies.
    /// </summary>
    public static void InferenceForward<TIn, TOut>(
        Memory<float> output, ReadOnlySpan<float> input, Memory<float> staging, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias,
        FusedActivation activation, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        ReadOnlyMemory<float> staged = StageInput<TIn, TOut>(input, staging, batchSize);
        if (staged.IsEmpty)
            InferenceForward<TIn, TOut>(output.Span, input, packedWeight.Span, packedBias.Span, activation, batchSize);
        else
            InferenceForward<TIn, TOut>(output, staged, packedWeight, packedBias, activation, batchSize);
    }

    /// <summary>
    /// Stages a first layer's input for the overloads taking it as a span (<c>Forward&lt;TIn, TOut&gt;</c> and
    /// <c>Backward&lt;TIn, TOut&gt;</c> of a training step, <c>InferenceForward&lt;TIn, TOut&gt;</c>): copies <paramref name="input"/> into <paramref name="staging"/> and
    /// returns that copy when the products split the batch (helper threads cannot read a span), and returns an empty
    /// memory otherwise, so that both products read the caller's span where it lies (at batch 256 the copy streamed
    /// 800 KB per step). Deciding once per step keeps the forward and the backward consistent even if
    /// <see cref="KernelThreads.Count"/> changes in between.
    /// </summary>
    public static ReadOnlyMemory<float> StageInput<TIn, TOut>(ReadOnlySpan<float> input, Memory<float> staging, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        CheckBatch(batchSize);
        CheckLength(input.Length, batchSize * TIn.Value, nameof(input));
        if (!KernelThreads.ShouldSplit(batchSize, (long)batchSize * TIn.Value * TOut.Value))
            return ReadOnlyMemory<float>.Empty;
        CheckLength(staging.Length, batchSize * TIn.Value, nameof(staging));
        input.Slice(0, batchSize * TIn.Value).CopyTo(staging.Span);
        return staging.Slice(0, batchSize * TIn.Value);
    }

    /// <summary>
    /// <see cref="Forward{TIn, TOut}(Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, int)"/>
    /// for the first layer of a training step, whose input is the caller's span: over <paramref name="staged"/> (split
    /// across the threads as that overload decides) when <see cref="StageInput"/> copied it, else over
    /// <paramref name="input"/> on this thread.
    /// </summary>
    public static void Forward<TIn, TOut>(
        Memory<float> output, ReadOnlySpan<float> input, ReadOnlyMemory<float> staged, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (staged.IsEmpty)
            Forward<TIn, TOut>(output.Span, input, weight.Span, bias.Span, batchSize);
        else
            Forward<TIn, TOut>(output, staged, weight, bias, batchSize);
    }

    /// <summary>
    /// <see cref="Backward{TIn, TOut}(Memory{float}, Memory{float}, Memory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, ReadOnlyMemory{float}, int)"/>
    /// for the first layer of a training step: over <paramref name="staged"/> when <see cref="StageInput"/> copied the
    /// input, else over <paramref name="input"/> (the caller's span) on this thread.
    /// </summary>
    public static void Backward<TIn, TOut>(
        Memory<float> inputGradient, Memory<float> weightGradient, Memory<float> biasGradient,
        ReadOnlyMemory<float> outputGradient, ReadOnlySpan<float> input, ReadOnlyMemory<float> staged, ReadOnlyMemory<float> weight, int batchSize)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (staged.IsEmpty)
            Backward<TIn, TOut>(inputGradient.Span, weightGradient.Span, biasGradient.Span, outputGradient.Span, input, weight.Span, batchSize);
        else
            Backward<TIn, TOut>(inputGradient, weightGradient, biasGradient, outputGradient, staged, weight, batchSize);
    }

    /// <summary>
    /// Runs a packing over <paramref name="units"/> blocks: split across the threads when it streams enough floats
    /// (<paramref name="floats"/> read and as many written) to repay a second wake-up of the helpers, on this
    /// thread otherwise (a small layer's panels, where the split's join would cost more than it saves).
    /// </summary>
    private static void Pack<TWork>(ref TWork work, int units, int floats)
        where TWork : struct, IRowWork
    {
        if (KernelThreads.ShouldSplitElementwise(floats, 2))
            RowSplitter.Run(ref work, units, 1);
        else
            work.Run(0, units);
    }

    private static void WeightGradientRows<TIn, TOut>(Span<float> weightGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, int batchSize, int rowStart, int rowEnd)
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        if (Vector512.IsHardwareAccelerated)
            WeightGradientRows<Simd512, Vector512<float>, TIn, TOut>(weightGradient, outputGradient, input, batchSize, rowStart, rowEnd);
        else if (Vector256.IsHardwareAccelerated)
            WeightGradientRows<Simd256, Vector256<float>, TIn, TOut>(weightGradient, outputGradient, input, batchSize, rowStart, rowEnd);
        else if (Vector128.IsHardwareAccelerated)
            WeightGradientRows<Simd128, Vector128<float>, TIn, TOut>(weightGradient, outputGradient, input, batchSize, rowStart, rowEnd);
        else
            WeightGradientRows<SimdScalar, float, TIn, TOut>(weightGradient, outputGradient, input, batchSize, rowStart, rowEnd);
    }

    private readonly struct ForwardRows<TIn, TOut>(Memory<float> output, ReadOnlyMemory<float> input, ReadOnlyMemory<float> weight, ReadOnlyMemory<float> bias) : IRowWork
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        public void Run(int start, int end) =>
            Forward<TIn, TOut>(
                output.Span.Slice(start * TOut.Value, (end - start) * TOut.Value), input.Span.Slice(start * TIn.Value, (end - start) * TIn.Value),
                weight.Span, bias.Span, end - start);
    }

    /// <summary>Blocks of <see cref="PackPanels{TSimd, TVector}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, int)"/>: W <c>[n, k]</c> to W^T panels.</summary>
    private readonly struct PackPanelsWork<TSimd, TVector>(Memory<float> packed, ReadOnlyMemory<float> weight, int n, int k) : IRowWork
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        public void Run(int start, int end) => PackPanels<TSimd, TVector>(packed.Span, weight.Span, default, n, k, start, end);
    }

    /// <summary>Blocks of <see cref="CopyToPanels{TSimd, TVector}(Span{float}, ReadOnlySpan{float}, int, int, int, int, int)"/>: a row-major <c>[k, n]</c> into panels.</summary>
    private readonly struct CopyToPanelsWork<TSimd, TVector>(Memory<float> packed, ReadOnlyMemory<float> source, int n, int k) : IRowWork
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        public void Run(int start, int end) => CopyToPanels<TSimd, TVector>(packed.Span, source.Span, n, n, k, start, end);
    }

    /// <summary>
    /// The weight gradient's packing (<see cref="PackWeightGradient"/>) as units for the threads: first the panels
    /// of X, then dY^T in runs of <see cref="TransposeSamples"/> samples (about half a panel's floats each).
    /// </summary>
    private readonly struct PackWeightGradientWork<TSimd, TVector>(
        Memory<float> packed, ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> input, int batch, int inFeatures, int outFeatures) : IRowWork
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        private const int TransposeSamples = 32;

        private int Panels => PanelBlocks<TSimd, TVector>(inFeatures);

        public int Units => Panels + (batch + TransposeSamples - 1) / TransposeSamples;

        public void Run(int start, int end)
        {
            int panels = Panels;
            Span<float> span = packed.Span;
            if (start < panels)
                CopyToPanels<TSimd, TVector>(span.Slice(0, batch * inFeatures), input.Span, inFeatures, inFeatures, batch, start, Math.Min(end, panels));
            ref float dyT = ref span[batch * inFeatures];
            ref float dy = ref MemoryMarshal.GetReference(outputGradient.Span);
            for (int unit = Math.Max(start, panels); unit < end; unit++)
            {
                int first = (unit - panels) * TransposeSamples, samples = Math.Min(TransposeSamples, batch - first);
                TransposeBlock(
                    ref Unsafe.Add(ref dyT, first), batch,
                    ref Unsafe.Add(ref dy, (nint)first * outFeatures), outFeatures,
                    ref Unsafe.NullRef<float>(), false, samples, outFeatures);
            }
        }
    }

    private readonly struct PanelWeightGradientWork<TSimd, TVector>(Memory<float> weightGradient, ReadOnlyMemory<float> packed, int batchSize, int inFeatures, int outFeatures) : IRowWork
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        public void Run(int start, int end) =>
            PanelWeightGradientRows<TSimd, TVector>(weightGradient.Span, packed.Span, batchSize, inFeatures, outFeatures, start, end);
    }

    /// <summary>Rows of <see cref="PackedRows"/>: <c>C</c> <c>[rows, n]</c> from <c>A</c> <c>[rows, k]</c> over panels packed once.</summary>
    private readonly struct PackedRowsWork<TSimd, TVector>(Memory<float> c, ReadOnlyMemory<float> a, ReadOnlyMemory<float> packed, int n, int k) : IRowWork
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        public void Run(int start, int end) =>
            PackedRows<TSimd, TVector>(c.Span.Slice(start * n, (end - start) * n), a.Span.Slice(start * k, (end - start) * k), packed.Span, end - start, n, k);
    }

    private readonly struct InferenceRows<TIn, TOut>(Memory<float> output, ReadOnlyMemory<float> input, ReadOnlyMemory<float> packedWeight, ReadOnlyMemory<float> packedBias, FusedActivation activation) : IRowWork
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        public void Run(int start, int end) =>
            InferenceForward<TIn, TOut>(
                output.Span.Slice(start * TOut.Value, (end - start) * TOut.Value), input.Span.Slice(start * TIn.Value, (end - start) * TIn.Value),
                packedWeight.Span, packedBias.Span, activation, end - start);
    }

    private readonly struct InputGradientRows<TIn, TOut>(Memory<float> inputGradient, ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> weight) : IRowWork
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        public void Run(int start, int end)
        {
            Span<float> dx = inputGradient.Span.Slice(start * TIn.Value, (end - start) * TIn.Value);
            ReadOnlySpan<float> dy = outputGradient.Span.Slice(start * TOut.Value, (end - start) * TOut.Value);
            if (Vector512.IsHardwareAccelerated)
                InputGradient<Simd512, Vector512<float>, TIn, TOut>(dx, dy, weight.Span, end - start);
            else if (Vector256.IsHardwareAccelerated)
                InputGradient<Simd256, Vector256<float>, TIn, TOut>(dx, dy, weight.Span, end - start);
            else if (Vector128.IsHardwareAccelerated)
                InputGradient<Simd128, Vector128<float>, TIn, TOut>(dx, dy, weight.Span, end - start);
            else
                InputGradient<SimdScalar, float, TIn, TOut>(dx, dy, weight.Span, end - start);
        }
    }

    private readonly struct WeightGradientWork<TIn, TOut>(Memory<float> weightGradient, ReadOnlyMemory<float> outputGradient, ReadOnlyMemory<float> input, int batchSize) : IRowWork
        where TIn : struct, IDimension
        where TOut : struct, IDimension
    {
        public void Run(int start, int end) =>
            WeightGradientRows<TIn, TOut>(weightGradient.Span, outputGradient.Span, input.Span, batchSize, start, end);
    }
}
