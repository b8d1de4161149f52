using System.Collections.Generic;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>Conv2D(filters, kernel, Stride, Padding, Dilation, Bias)</c>: PyTorch <c>nn.Conv2d</c> on channels-last
/// activations, through <c>ConvKernels</c> (im2col onto the dense product kernels). Kernel <c>[out, in, kh, kw]</c>
/// (PyTorch layout) and bias in the parameters; training saves the unfolded input and the reordered kernel;
/// inference runs from a packed <c>[kh * kw * in, out]</c> copy with a following batch norm folded in and a following
/// ReLU in the product's epilogue, as <see cref="DenseOp"/> does, and a max pool without padding right after those
/// in the same kernel, sample by sample. L1/L2 apply to the kernel, never the bias.
/// </summary>
internal sealed class ConvOp : OpHandler
{
    /// <summary>Kernel threads a convolution with a fused max pool may use in inference: one sample's scratch each.</summary>
    private const int PooledParts = 4;

    /// <summary>Parts the weight gradient is cut into (and the most threads it uses): two [K, O] scratch blocks each.</summary>
    private const int WeightGradientParts = 4;

    public static readonly ConvOp Instance = new();

    public override string TensorPrefix(LayerSpec layer) => layer.TensorPrefix;

    public override bool HasParameters => true;

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        var conv = (ConvSpec)op.Op;
        int taps = Taps(conv), size = taps * conv.Filters;
        op.Reserve(plan, SlotRegion.Parameters, "Weight", conv.WeightCount, "parameters");
        if (conv.Bias)
            op.Reserve(plan, SlotRegion.Parameters, "Bias", conv.Filters, "parameters");
        if (!IsPointwise(conv))
        {
            op.Reserve(plan, SlotRegion.Saved, "Columns", plan.MaxBatch * Rows(conv) * taps, "saved: input unfolded [batch * out pixels, kh * kw * in]");
            op.Reserve(plan, SlotRegion.Saved, "ColumnGradient", plan.MaxBatch * Rows(conv) * taps, "scratch: gradient of the unfolded input");
        }

        op.Reserve(plan, SlotRegion.Saved, "PermutedWeight", size, "saved: kernel reordered [out, kh, kw, in]");
        op.Reserve(plan, SlotRegion.Saved, "TrainingPackedWeight", size, "scratch: kernel packed [kh * kw * in, out]");
        op.Reserve(plan, SlotRegion.Saved, "TrainingPackedBias", conv.Filters, "scratch: bias packed");
        op.Reserve(plan, SlotRegion.Saved, "WeightGradientScratch", 2 * WeightGradientParts * size, "scratch: weight gradient blocks");
        plan.Dimensions.Add(taps);
        plan.Dimensions.Add(conv.Filters);
        plan.Windows[WindowType(op)] = WindowMembers(conv.InChannels, conv.InHeight, conv.InWidth, conv.KernelH, conv.KernelW, conv.StrideH, conv.StrideW, conv.PadH, conv.PadW, conv.Dilation, conv.OutHeight, conv.OutWidth);
    }

    /// <summary>Folds a following batch norm into the packed kernel and runs a following ReLU in the epilogue, as <see cref="DenseOp"/>.</summary>
    public override void PlanInference(IReadOnlyList<OpLayout> computing, int index, MemoryPlan plan, SortedSet<int> dimensions)
    {
        OpLayout op = computing[index];
        var conv = (ConvSpec)op.Op;
        DenseOp.AbsorbFollowingNormAndReLU(computing, index);
        int next = index + 1 + (op.FoldedNorm is null ? 0 : 1) + (op.FusedReLU ? 1 : 0);
        if (next < computing.Count && computing[next].Op is PoolSpec { Kind: OpKind.MaxPool2D, PadH: 0, PadW: 0 })
        {
            // The pooling reads each sample's convolution from L2 inside the kernel (ConvKernels' pooled overload).
            op.FusedPool = computing[next];
            computing[next].RunsInsideDense = true;
        }

        string folded = op.FoldedNorm is null ? string.Empty : ", batch norm folded in";
        int size = Taps(conv) * conv.Filters;
        string packing = WinogradGeometry(conv) ? "inference: kernel packed [kh * kw * in, out] or Winograd-transformed [16, in, out]" : "inference: kernel packed [kh * kw * in, out]";
        op.Reserve(plan, SlotRegion.Inference, "PackedWeight", InferencePackedLength(conv), packing + folded, alignToCacheLine: true);
        op.Reserve(plan, SlotRegion.Inference, "PackedBias", conv.Filters, "inference: bias" + folded);
        op.Reserve(plan, SlotRegion.Inference, "PackingScratch", size, "inference: packing scratch, kernel reordered");
    }

    public override int InferenceColumns(OpLayout op, int maxBatch)
    {
        // With a fused pool the kernel needs only PooledScratch; the region stays at least the unfolded input, the
        // size NetworkValidator's memory totals count for every convolution.
        var conv = (ConvSpec)op.Op;
        int unfolded = IsPointwise(conv) ? 0 : maxBatch * Rows(conv) * Taps(conv);
        return op.FusedPool is null ? System.Math.Max(unfolded, UnpooledWinogradScratch(conv)) : System.Math.Max(unfolded, PooledScratch(conv));
    }

    /// <summary>
    /// True for the geometry the runtime's Winograd kernel computes (<c>WinogradSizes.Suits</c>, the same code): the
    /// packed weights and the scratch get room for it; the runtime decides from the channels and the SIMD width
    /// whether it runs (ConvKernels.Winograd.cs).
    /// </summary>
    private static bool WinogradGeometry(ConvSpec conv) =>
        WinogradSizes.Suits(conv.KernelH, conv.KernelW, conv.StrideH, conv.StrideW, conv.Dilation, conv.Dilation);

    /// <summary>Floats of the packed inference kernel (<c>ConvKernels.InferencePackedLength</c>, through the same <c>WinogradSizes</c>).</summary>
    private static int InferencePackedLength(ConvSpec conv) =>
        WinogradSizes.PackedWeightLength(Taps(conv), conv.InChannels, conv.Filters, WinogradGeometry(conv));

    /// <summary>Winograd's scratch for one kernel thread, or 0 where the geometry does not allow it.</summary>
    private static int WinogradScratch(ConvSpec conv) =>
        WinogradGeometry(conv)
            ? WinogradSizes.ScratchLength(conv.InChannels, conv.Filters, conv.InHeight, conv.InWidth, conv.PadH, conv.PadW, conv.OutHeight, conv.OutWidth)
            : 0;

    /// <summary>Without a fused pool, Winograd's scratch for <see cref="PooledParts"/> kernel threads (fewer scratch would mean fewer threads).</summary>
    private static int UnpooledWinogradScratch(ConvSpec conv) => PooledParts * WinogradScratch(conv);

    /// <summary>
    /// Mirrors <c>ConvKernels.PooledScratchLength</c> for <see cref="PooledParts"/> parts: per part one sample's
    /// convolution, and the largest of its zero-padded input, its unfolded columns and Winograd's scratch (where the
    /// geometry allows it; the runtime asks for it only where Winograd runs, so this is at least what it needs).
    /// </summary>
    private static int PooledScratch(ConvSpec conv)
    {
        int paddedHeight = System.Math.Max(conv.PadH + conv.InHeight, (conv.OutHeight - 1) * conv.StrideH + (conv.KernelH - 1) * conv.Dilation + 1);
        int paddedWidth = System.Math.Max(conv.PadW + conv.InWidth, (conv.OutWidth - 1) * conv.StrideW + conv.KernelW);
        int perPart = System.Math.Max(System.Math.Max(paddedHeight * paddedWidth * conv.InChannels, Rows(conv) * Taps(conv)), WinogradScratch(conv)) + Rows(conv) * conv.Filters;
        return PooledParts * perPart;
    }

    public override void EmitInitialization(SourceWriter w, OpLayout op)
    {
        // PyTorch's fans for a convolution: fan_in = in * kh * kw, fan_out = out * kh * kw.
        var conv = (ConvSpec)op.Op;
        int window = conv.KernelH * conv.KernelW;
        string init = DenseOp.UsesHeInitialization(op) ? "HeUniform" : "GlorotUniform";
        w.Line($"{Kernels}Initialization.{init}({Weight(op).Span}, ref random, {Int(conv.InChannels * window)}, {Int(conv.Filters * window)}, {Int(conv.WeightCount)});");
    }

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        var conv = (ConvSpec)op.Op;
        string activation = op.FusedReLU ? "ReLU" : "None";
        string columns = IsPointwise(conv) ? "default"
            : WinogradGeometry(conv) ? $"t_inferenceScratch!.AsMemory(InferenceColumnsOffset, global::System.Math.Max(batchSize * {Int(Rows(conv) * Taps(conv))}, {Int(UnpooledWinogradScratch(conv))}))"
            : $"t_inferenceScratch!.AsMemory(InferenceColumnsOffset, batchSize * {Int(Rows(conv) * Taps(conv))})";
        string source = input is SpanArgument span ? $"{span.Span}, {span.Staging}" : input.Memory;
        if (op.FusedPool is OpLayout pool)
        {
            string types = $"<{WindowType(op)}, {Dimension(Taps(conv))}, {Dimension(conv.Filters)}, {WindowType(pool)}>";
            string scratch = $"t_inferenceScratch!.AsMemory(InferenceColumnsOffset, {Int(PooledScratch(conv))})";
            w.Line($"{Kernels}ConvKernels.InferenceForward{types}({output.Memory}, {source}, {scratch}, {PackedWeight(op, SlotRegion.Inference).Memory}, {PackedBias(op, SlotRegion.Inference).Memory}, {Kernels}FusedActivation.{activation}, batchSize); // max pool fused");
            return;
        }

        w.Line($"{Kernels}ConvKernels.InferenceForward{Types(op)}({output.Memory}, {source}, {columns}, {PackedWeight(op, SlotRegion.Inference).Memory}, {PackedBias(op, SlotRegion.Inference).Memory}, {Kernels}FusedActivation.{activation}, batchSize);");
    }

    /// <summary>
    /// In place only by unfolding the whole input first: neither a pointwise product, nor the pooled kernel, nor the
    /// Winograd kernel (both sample by sample) may.
    /// </summary>
    public override bool WorksInPlace(OpLayout op) => !IsPointwise((ConvSpec)op.Op) && op.FusedPool is null && !WinogradGeometry((ConvSpec)op.Op);

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input) =>
        w.Line($"{Kernels}ConvKernels.Forward{Types(op)}({op.Activation.Memory}, {input.Memory}, {Columns(op).Memory}, {Saved(op, "PermutedWeight").Memory}, {PackedWeight(op, SlotRegion.Saved).Memory}, {PackedBias(op, SlotRegion.Saved).Memory}, {Weight(op).Memory}, {Bias(op).Memory}, batchSize);");

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        var conv = (ConvSpec)op.Op;
        Slice biasGradient = op.Has("Bias") ? op.Gradient("Bias", Int(conv.Filters)) : Slice.None;
        Slice columnGradient = IsPointwise(conv) ? Slice.None : op.SavedValues("ColumnGradient", $"batchSize * {Int(Rows(conv) * Taps(conv))}");
        w.Line($"{Kernels}ConvKernels.Backward{Types(op)}({inputGradient.Memory}, {WeightGradient(op).Memory}, {biasGradient.Memory}, {op.Delta.Memory}, {input.Memory}, {Columns(op).Memory}, {Saved(op, "PermutedWeight").Memory}, {columnGradient.Memory}, {op.SavedValues("WeightGradientScratch", Int(2 * WeightGradientParts * Taps(conv) * conv.Filters)).Memory}, batchSize);");
    }

    public override void EmitRegularization(SourceWriter w, OpLayout op) => DenseOp.EmitWeightPenalty(w, op, Weight(op), WeightGradient(op));

    public override void EmitInferencePacking(SourceWriter w, OpLayout op)
    {
        string packed = $"{PackedWeight(op, SlotRegion.Inference).Span}, {PackedBias(op, SlotRegion.Inference).Span}, {op.Inference("PackingScratch", Size(op)).Span}, {Weight(op).Span}, {Bias(op).Span}";
        if (op.FoldedNorm is OpLayout norm)
            w.Line($"{Kernels}ConvKernels.PackForInference{Types(op)}({packed}, {BatchNormOp.FoldingArguments(norm)});");
        else
            w.Line($"{Kernels}ConvKernels.PackForInference{Types(op)}({packed});");
    }

    public override IEnumerable<string> TensorEntries(OpLayout op)
    {
        var conv = (ConvSpec)op.Op;
        yield return TensorEntry(op.TensorPrefix + ".weight", "Weight", op.Constant("Weight"), conv.Filters, conv.InChannels, conv.KernelH, conv.KernelW);
        if (op.Has("Bias"))
            yield return TensorEntry(op.TensorPrefix + ".bias", "Bias", op.Constant("Bias"), conv.Filters);
    }

    public override string OperationSettings(OpSpec op)
    {
        var conv = (ConvSpec)op;
        return $"HasBias = {Bool(conv.Bias)}, {WindowSettings(conv.KernelH, conv.KernelW, conv.StrideH, conv.StrideW, conv.PadH, conv.PadW)}, Dilation = {Int(conv.Dilation)}";
    }

    /// <summary>The <c>OperationInfo</c> initializers every window op shares: window, stride, padding.</summary>
    public static string WindowSettings(int height, int width, int strideH, int strideW, int padH, int padW) =>
        $"KernelHeight = {Int(height)}, KernelWidth = {Int(width)}, StrideHeight = {Int(strideH)}, StrideWidth = {Int(strideW)}, PaddingHeight = {Int(padH)}, PaddingWidth = {Int(padW)}";

    /// <summary>The members of an <c>IWindow2D</c> struct (symmetric padding: top = PyTorch's padding).</summary>
    public static string WindowMembers(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilation, int outHeight, int outWidth) =>
        $"public static int Channels => {Int(channels)}; public static int InHeight => {Int(height)}; public static int InWidth => {Int(width)}; " +
        $"public static int WindowHeight => {Int(kernelH)}; public static int WindowWidth => {Int(kernelW)}; public static int StrideHeight => {Int(strideH)}; public static int StrideWidth => {Int(strideW)}; " +
        $"public static int PaddingTop => {Int(padH)}; public static int PaddingLeft => {Int(padW)}; public static int DilationHeight => {Int(dilation)}; public static int DilationWidth => {Int(dilation)}; " +
        $"public static int OutHeight => {Int(outHeight)}; public static int OutWidth => {Int(outWidth)};";

    /// <summary>The window struct's name, e.g. <c>Block1_Conv2D_Window</c>.</summary>
    public static string WindowType(OpLayout op) => op.Constant("Window");

    /// <summary>The kernel, <c>[out, in, kh, kw]</c>.</summary>
    public static BufferSlice Weight(OpLayout op) => op.Parameter("Weight", Int(((ConvSpec)op.Op).WeightCount));

    public static Slice Bias(OpLayout op) => op.Has("Bias") ? op.Parameter("Bias", Int(((ConvSpec)op.Op).Filters)) : Slice.None;

    private static BufferSlice WeightGradient(OpLayout op) => op.Gradient("Weight", Int(((ConvSpec)op.Op).WeightCount));

    private static Slice Columns(OpLayout op) =>
        op.Has("Columns") ? op.SavedValues("Columns", $"batchSize * {Int(Rows((ConvSpec)op.Op) * Taps((ConvSpec)op.Op))}") : Slice.None;

    private static BufferSlice Saved(OpLayout op, string suffix) => op.SavedValues(suffix, Size(op));

    private static BufferSlice PackedWeight(OpLayout op, SlotRegion region) =>
        region == SlotRegion.Inference ? op.Inference("PackedWeight", Int(InferencePackedLength((ConvSpec)op.Op))) : op.SavedValues("TrainingPackedWeight", Size(op));

    private static BufferSlice PackedBias(OpLayout op, SlotRegion region)
    {
        string length = Int(((ConvSpec)op.Op).Filters);
        return region == SlotRegion.Inference ? op.Inference("PackedBias", length) : op.SavedValues("TrainingPackedBias", length);
    }

    private static string Size(OpLayout op) => Int(Taps((ConvSpec)op.Op) * ((ConvSpec)op.Op).Filters);

    /// <summary>The kernel's type arguments: window, taps, filters, e.g. <c>&lt;Block1_Conv2D_Window, Size9, Size32&gt;</c>.</summary>
    private static string Types(OpLayout op)
    {
        var conv = (ConvSpec)op.Op;
        return $"<{WindowType(op)}, {Dimension(Taps(conv))}, {Dimension(conv.Filters)}>";
    }

    private static int Taps(ConvSpec conv) => conv.KernelH * conv.KernelW * conv.InChannels;

    private static int Rows(ConvSpec conv) => conv.OutHeight * conv.OutWidth;

    /// <summary>Mirrors <c>ConvKernels.IsPointwise</c>: the input is its own columns matrix.</summary>
    private static bool IsPointwise(ConvSpec conv) =>
        conv.KernelH == 1 && conv.KernelW == 1 && conv.StrideH == 1 && conv.StrideW == 1 && conv.PadH == 0 && conv.PadW == 0;
}
