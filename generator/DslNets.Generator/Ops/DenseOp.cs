using System.Collections.Generic;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>Dense(units, Bias)</c>: <c>y = x W^T + b</c>. Weight <c>[out, in]</c> (PyTorch layout) and bias in the
/// parameters; inference runs from a packed <c>[in, out]</c> copy with a following batch norm folded in and a
/// following ReLU in the kernel's epilogue. The only op with L1/L2 (weights only, never the bias).
/// Weight and cosine normalization (<see cref="WeightNormDenseOp"/>, <see cref="CosineDenseOp"/>) derive from it:
/// they compute the matrix the product reads (<see cref="ProductWeight"/>) from their own parameters.
/// </summary>
internal class DenseOp : OpHandler
{
    public static readonly DenseOp Instance = new();

    protected DenseOp()
    {
    }

    public override string TensorPrefix(LayerSpec layer) => layer.TensorPrefix;

    public override bool HasParameters => true;

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        var dense = (DenseSpec)op.Op;
        op.Reserve(plan, SlotRegion.Parameters, "Weight", dense.InFeatures * dense.Units, "parameters");
        if (dense.Bias)
            op.Reserve(plan, SlotRegion.Parameters, "Bias", dense.Units, "parameters");
        if (FlattensChannelsLast(op))
        {
            // PyTorch flattens [C, H, W] channel by channel; the activations before are channels last.
            ChannelsLast.AddDimensions(dense.Input, plan);
            op.Reserve(plan, SlotRegion.Saved, "Flattened", plan.MaxBatch * dense.InFeatures, "saved: input in PyTorch's flatten order");
            op.Reserve(plan, SlotRegion.Saved, "FlattenedGradient", plan.MaxBatch * dense.InFeatures, "scratch: input gradient in PyTorch's flatten order");
        }
    }

    /// <summary>
    /// Inference runs each dense layer from a packed copy: a batch norm right after it (noise in between is the
    /// identity in inference) is folded into the copy, and a ReLU right after those runs in the kernel's epilogue.
    /// </summary>
    public override void PlanInference(IReadOnlyList<OpLayout> computing, int index, MemoryPlan plan, SortedSet<int> dimensions)
    {
        OpLayout op = computing[index];
        int inFeatures = op.Op.InFeatures, outFeatures = op.Op.OutFeatures;
        dimensions.Add(inFeatures);
        dimensions.Add(outFeatures);

        AbsorbFollowingNormAndReLU(computing, index);
        string folded = op.FoldedNorm is null ? string.Empty : ", batch norm folded in";
        op.Reserve(plan, SlotRegion.Inference, "PackedWeight", inFeatures * outFeatures, "inference: weight packed [in, out]" + folded, alignToCacheLine: true);
        op.Reserve(plan, SlotRegion.Inference, "PackedBias", outFeatures, "inference: bias" + folded);
        if (FlattensChannelsLast(op))
            op.Reserve(plan, SlotRegion.Inference, "PackedWeightChannelsFirst", inFeatures * outFeatures, "inference: packing scratch, rows in PyTorch's flatten order");
    }

    /// <summary>
    /// A batch norm right after the weight op at <paramref name="index"/> (a dense layer or a convolution) is folded
    /// into its packed copy, and a ReLU right after those runs in the product's epilogue: both then run inside it.
    /// </summary>
    public static void AbsorbFollowingNormAndReLU(IReadOnlyList<OpLayout> computing, int index)
    {
        OpLayout op = computing[index];
        int next = index + 1;
        if (next < computing.Count && computing[next].Op.Kind == OpKind.BatchNorm)
        {
            op.FoldedNorm = computing[next];
            computing[next].RunsInsideDense = true;
            next++;
        }

        if (next < computing.Count && computing[next].Op is ActivationSpec spec && spec.Function == Activations.ReLU)
        {
            op.FusedReLU = true;
            computing[next].RunsInsideDense = true;
        }
    }

    /// <summary>The product reads every input of a sample while it writes the outputs: never in place.</summary>
    public override bool WorksInPlace(OpLayout op) => false;

    public override void EmitInitialization(SourceWriter w, OpLayout op)
    {
        DenseSpec dense = (DenseSpec)op.Op;
        string init = UsesHeInitialization(op) ? "HeUniform" : "GlorotUniform";
        w.Line($"{Kernels}Initialization.{init}({Weight(op).Span}, ref random, {dense.InFeatures}, {dense.Units});");
    }

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        // The first layer reads the caller's span; the kernel copies it into staging only when it splits the batch.
        string source = Source(input);
        string activation = op.FusedReLU ? "ReLU" : "None";
        w.Line($"{Kernels}DenseKernels.InferenceForward{Dimensions(op)}({output.Memory}, {source}, {PackedWeight(op).Memory}, {PackedBias(op).Memory}, {Kernels}FusedActivation.{activation}, batchSize);");
    }

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        if (FlattensChannelsLast(op))
        {
            w.Line($"{Kernels}LayoutKernels.ToChannelsFirst{ChannelsLast.PixelsAndChannels(op.Op.Input)}({Flattened(op, "Flattened").Span}, {input.Span}, batchSize);");
            input = Flattened(op, "Flattened");
        }

        w.Line($"{Kernels}DenseKernels.Forward{Dimensions(op)}({op.Activation.Memory}, {Source(input)}, {ProductWeight(op).Memory}, {Bias(op).Memory}, batchSize);");
    }

    /// <summary>
    /// The network's first product reads the caller's span where it lies (forward and weight gradient) unless the
    /// products split the batch across threads, which need a copy; the kernel decides once per step.
    /// </summary>
    public override string? StageTrainingInput(OpLayout op, string inputs, string staging) =>
        FlattensChannelsLast(op) ? null : $"{Kernels}DenseKernels.StageInput{Dimensions(op)}({inputs}, {staging}, batchSize)";

    /// <summary>
    /// The product's input as the dense kernels take it: a Memory, or for the network's first layer the caller's span
    /// and its staging (<see cref="SpanArgument"/>).
    /// </summary>
    protected static string Source(Slice input) => input is SpanArgument span ? $"{span.Span}, {span.Staging}" : input.Memory;

    /// <summary>The product's backward: input gradient, <see cref="ProductWeightGradient"/> and the bias gradient.</summary>
    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        Slice biasGradient = op.Has("Bias") ? op.Gradient("Bias", Int(op.Op.OutFeatures)) : Slice.None;
        if (!FlattensChannelsLast(op))
        {
            w.Line($"{Kernels}DenseKernels.Backward{Dimensions(op)}({inputGradient.Memory}, {ProductWeightGradient(op).Memory}, {biasGradient.Memory}, {op.Delta.Memory}, {Source(input)}, {ProductWeight(op).Memory}, batchSize);");
            return;
        }

        // The input gradient comes out in PyTorch's flatten order and goes back to channels last; the network's
        // first layer receives an empty input gradient and needs neither.
        BufferSlice flattenedGradient = Flattened(op, "FlattenedGradient");
        string? wanted = inputGradient is MemoryArgument argument ? $"!{argument.Name}.IsEmpty" : null;
        string denseInputGradient = wanted is null ? flattenedGradient.Memory : $"{wanted} ? {flattenedGradient.Memory} : default";
        w.Line($"{Kernels}DenseKernels.Backward{Dimensions(op)}({denseInputGradient}, {ProductWeightGradient(op).Memory}, {biasGradient.Memory}, {op.Delta.Memory}, {Flattened(op, "Flattened").Memory}, {ProductWeight(op).Memory}, batchSize);");
        string reorder = $"{Kernels}LayoutKernels.ToChannelsLast{ChannelsLast.PixelsAndChannels(op.Op.Input)}({inputGradient.Span}, {flattenedGradient.Span}, batchSize);";
        if (wanted is null)
        {
            w.Line(reorder);
        }
        else
        {
            w.Line($"if ({wanted})");
            w.Line("    " + reorder);
        }
    }

    public override void EmitRegularization(SourceWriter w, OpLayout op) => EmitWeightPenalty(w, op, Weight(op), WeightGradient(op));

    /// <summary>The layer's L1/L2 on one weight tensor (a dense matrix or a convolution kernel), never on a bias.</summary>
    public static void EmitWeightPenalty(SourceWriter w, OpLayout op, BufferSlice weight, BufferSlice weightGradient)
    {
        if (op.Layer.L1 > 0)
            w.Line($"loss += {Kernels}RegularizationKernels.L1({weightGradient.Span}, {weight.Span}, {Float(op.Layer.L1)});");
        if (op.Layer.L2 > 0)
            w.Line($"loss += {Kernels}RegularizationKernels.L2({weightGradient.Span}, {weight.Span}, {Float(op.Layer.L2)});");
    }

    /// <summary>
    /// Packs the weights transposed to <c>[in, out]</c>; after channels-last activations (an implicit flatten) the
    /// packed rows are then reordered to the channels-last feature order, so inference reads the activations as they lie.
    /// </summary>
    public override void EmitInferencePacking(SourceWriter w, OpLayout op)
    {
        bool flattens = FlattensChannelsLast(op);
        BufferSlice target = flattens ? op.Inference("PackedWeightChannelsFirst", $"{op.Op.InFeatures} * {op.Op.OutFeatures}") : PackedWeight(op);
        string packed = $"{target.Span}, {PackedBias(op).Span}, {ProductWeight(op).Span}, {Bias(op).Span}";
        if (op.FoldedNorm is OpLayout norm)
            w.Line($"{Kernels}DenseKernels.PackForInference{Dimensions(op)}({packed}, {BatchNormOp.FoldingArguments(norm)});");
        else
            w.Line($"{Kernels}DenseKernels.PackForInference{Dimensions(op)}({packed});");
        if (flattens)
            w.Line($"{Kernels}LayoutKernels.ToChannelsLastRows{ChannelsLast.PixelsAndChannels(op.Op.Input)}({PackedWeight(op).Span}, {target.Span}, {Int(op.Op.OutFeatures)});");
    }

    /// <summary>True when the input is <c>[C, H, W]</c> stored channels last, which PyTorch would flatten in another order.</summary>
    private static bool FlattensChannelsLast(OpLayout op) => ChannelsLast.Reorders(op.Op.Input);

    private static BufferSlice Flattened(OpLayout op, string suffix) => op.SavedValues(suffix, $"batchSize * {Int(op.Op.InFeatures)}");

    public override IEnumerable<string> TensorEntries(OpLayout op)
    {
        yield return TensorEntry(op.TensorPrefix + ".weight", "Weight", op.Constant("Weight"), op.Op.OutFeatures, op.Op.InFeatures);
        if (op.Has("Bias"))
            yield return TensorEntry(op.TensorPrefix + ".bias", "Bias", op.Constant("Bias"), op.Op.OutFeatures);
    }

    public override string OperationSettings(OpSpec op) => $"HasBias = {Bool(((DenseSpec)op).Bias)}";

    /// <summary>
    /// The <c>[out, in]</c> matrix the product reads in training and packing: the weight itself here; the matrix a
    /// normalization computes from its parameters in the derived ops.
    /// </summary>
    protected virtual BufferSlice ProductWeight(OpLayout op) => Weight(op);

    /// <summary>Where the product's backward writes the gradient of <see cref="ProductWeight"/>.</summary>
    protected virtual BufferSlice ProductWeightGradient(OpLayout op) => WeightGradient(op);

    /// <summary>The weight, <c>[out, in]</c> (with weight normalization: its direction <c>v</c>).</summary>
    public static BufferSlice Weight(OpLayout op) => op.Parameter("Weight", WeightLength(op));

    /// <summary>The bias, <c>[out]</c>, or none for <c>Dense(Bias = false)</c>.</summary>
    public static Slice Bias(OpLayout op) => op.Has("Bias") ? op.Parameter("Bias", Int(op.Op.OutFeatures)) : Slice.None;

    protected static BufferSlice WeightGradient(OpLayout op) => op.Gradient("Weight", WeightLength(op));

    /// <summary><c>out * in</c>, the length of every <c>[out, in]</c> matrix of the op.</summary>
    protected static string WeightLength(OpLayout op) => $"{op.Op.OutFeatures} * {op.Op.InFeatures}";

    protected static BufferSlice PackedWeight(OpLayout op) => op.Inference("PackedWeight", $"{op.Op.InFeatures} * {op.Op.OutFeatures}");

    protected static BufferSlice PackedBias(OpLayout op) => op.Inference("PackedBias", Int(op.Op.OutFeatures));

    /// <summary>The kernel's size type arguments, e.g. <c>&lt;Size784, Size256&gt;</c>.</summary>
    protected static string Dimensions(OpLayout op) => $"<{Dimension(op.Op.InFeatures)}, {Dimension(op.Op.OutFeatures)}>";

    /// <summary>He for the ReLU family (the next activation in the same layer, <see cref="Activation.HeInitialization"/>), Glorot otherwise.</summary>
    public static bool UsesHeInitialization(OpLayout dense)
    {
        IReadOnlyList<OpSpec> ops = dense.Layer.Ops;
        int start = 0;
        while (!ReferenceEquals(ops[start], dense.Op))
            start++;
        for (int i = start + 1; i < ops.Count; i++)
        {
            if (ops[i] is ActivationSpec activation)
                return activation.Function is { HeInitialization: true };
            if (ops[i].Kind is OpKind.Dense or OpKind.Conv2D)
                break;
        }

        return false;
    }
}
