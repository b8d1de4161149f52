using System.Collections.Generic;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>Dense(units, Norm = DenseNorm.Cosine | ScaledCosine)</c>, cosine normalization (Luo et al. 2017):
/// <c>y[b, o] = s * cos(w[o, :], x[b, :]) + bias[o]</c>, each norm <c>sqrt(|.|^2 + eps)</c>. Training normalizes
/// the samples and the weight rows (the scale <c>s</c>, a learned <c>[1]</c> parameter or 1, folded into the rows)
/// into saved buffers and runs the plain dense product on them; backward takes the product's gradients back
/// through both normalizations. Inference packs the scaled unit rows (a following batch norm folded in), runs the
/// dense kernel without bias and then divides each sample by its norm, adds the bias and applies a fused ReLU.
/// L1/L2 penalize <c>w</c>, never the scale.
/// </summary>
internal sealed class CosineDenseOp : DenseOp
{
    public static new readonly CosineDenseOp Instance = new();

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        base.Reserve(op, plan);
        int inFeatures = op.Op.InFeatures, outFeatures = op.Op.OutFeatures, samples = plan.MaxBatch * inFeatures;
        if (IsScaled(op))
            op.Reserve(plan, SlotRegion.Parameters, "Scale", 1, "parameters: cosine scale s");
        op.Reserve(plan, SlotRegion.Saved, "InputInverseNorm", plan.MaxBatch, "saved: 1 / |x| per sample");
        op.Reserve(plan, SlotRegion.Saved, "NormalizedInput", samples, "saved: x / |x|");
        op.Reserve(plan, SlotRegion.Saved, "NormalizedInputGradient", samples, "scratch: its gradient");
        op.Reserve(plan, SlotRegion.Saved, "WeightInverseNorm", outFeatures, "saved: 1 / |w| per output row");
        op.Reserve(plan, SlotRegion.Saved, "NormalizedWeight", inFeatures * outFeatures, "saved: s * w / |w|, the matrix the product reads");
        op.Reserve(plan, SlotRegion.Saved, "NormalizedWeightGradient", inFeatures * outFeatures, "scratch: its gradient");
    }

    public override void PlanInference(IReadOnlyList<OpLayout> computing, int index, MemoryPlan plan, SortedSet<int> dimensions)
    {
        base.PlanInference(computing, index, plan, dimensions);
        // The packed product runs without bias: the bias comes after the division by |x|.
        computing[index].Reserve(plan, SlotRegion.Inference, "ZeroBias", computing[index].Op.OutFeatures, "inference: zeros, the product's bias");
    }

    public override void EmitInitialization(SourceWriter w, OpLayout op)
    {
        base.EmitInitialization(w, op);
        if (IsScaled(op))
            w.Line($"_parameters[{op.Constant("Scale")}] = 1f;");
    }

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        string source = Source(input);
        string zeroBias = op.Inference("ZeroBias", Int(op.Op.OutFeatures)).Memory;
        w.Line($"{Kernels}DenseKernels.InferenceForward{Dimensions(op)}({output.Memory}, {source}, {PackedWeight(op).Memory}, {zeroBias}, {Kernels}FusedActivation.None, batchSize);");
        string activation = op.FusedReLU ? "ReLU" : "None";
        w.Line($"{Kernels}RowNormalizationKernels.CosineInference({output.Span}, {input.Span}, {PackedBias(op).Span}, {Kernels}FusedActivation.{activation}, batchSize, {op.Op.InFeatures}, {op.Op.OutFeatures});");
    }

    /// <summary>The product reads the normalized copy of the input, never the input itself: the network copies the batch.</summary>
    public override string? StageTrainingInput(OpLayout op, string inputs, string staging) => null;

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        w.Line($"{Kernels}RowNormalizationKernels.Forward({NormalizedInput(op).Span}, {InputInverseNorm(op).Span}, {input.Span}, default, {Epsilon}, batchSize, {op.Op.InFeatures});");
        EmitNormalizedWeight(w, op);
        base.EmitForward(w, op, NormalizedInput(op));
    }

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        bool needsInputGradient = inputGradient != Slice.None;
        Slice normalizedInputGradient = needsInputGradient ? op.SavedValues("NormalizedInputGradient", Samples(op)) : Slice.None;
        base.EmitBackward(w, op, NormalizedInput(op), normalizedInputGradient);
        Slice scaleGradient = IsScaled(op) ? op.Gradient("Scale", "1") : Slice.None;
        w.Line($"{Kernels}RowNormalizationKernels.Backward({WeightGradient(op).Span}, {scaleGradient.Span}, {ProductWeightGradient(op).Span}, {Weight(op).Span}, {WeightInverseNorm(op).Span}, {Scale(op).Span}, {op.Op.OutFeatures}, {op.Op.InFeatures});");
        if (needsInputGradient)
            w.Line($"{Kernels}RowNormalizationKernels.Backward({inputGradient.Span}, default, {normalizedInputGradient.Span}, {input.Span}, {InputInverseNorm(op).Span}, default, batchSize, {op.Op.InFeatures});");
    }

    public override void EmitInferencePacking(SourceWriter w, OpLayout op)
    {
        EmitNormalizedWeight(w, op);
        base.EmitInferencePacking(w, op);
    }

    public override IEnumerable<string> TensorEntries(OpLayout op)
    {
        foreach (string entry in base.TensorEntries(op))
            yield return entry;
        if (IsScaled(op))
            yield return TensorEntry(op.TensorPrefix + ".scale", "NormalizationGain", op.Constant("Scale"), 1);
    }

    public override string OperationSettings(OpSpec op) =>
        base.OperationSettings(op) + $", Norm = {Runtime}DenseNorm.{((DenseSpec)op).Norm}";

    protected override BufferSlice ProductWeight(OpLayout op) => op.SavedValues("NormalizedWeight", WeightLength(op));

    protected override BufferSlice ProductWeightGradient(OpLayout op) => op.SavedValues("NormalizedWeightGradient", WeightLength(op));

    private const string Epsilon = Kernels + "RowNormalizationKernels.CosineEpsilon";

    private static bool IsScaled(OpLayout op) => ((DenseSpec)op.Op).Norm == DenseNormKind.ScaledCosine;

    /// <summary><c>s * w / |w|</c> per row (<c>s</c> = 1 without a learned scale).</summary>
    private void EmitNormalizedWeight(SourceWriter w, OpLayout op) =>
        w.Line($"{Kernels}RowNormalizationKernels.Forward({ProductWeight(op).Span}, {WeightInverseNorm(op).Span}, {Weight(op).Span}, {Scale(op).Span}, {Epsilon}, {op.Op.OutFeatures}, {op.Op.InFeatures});");

    private static string Samples(OpLayout op) => "batchSize * " + Int(op.Op.InFeatures);

    private static BufferSlice NormalizedInput(OpLayout op) => op.SavedValues("NormalizedInput", Samples(op));

    private static BufferSlice InputInverseNorm(OpLayout op) => op.SavedValues("InputInverseNorm", "batchSize");

    private static BufferSlice WeightInverseNorm(OpLayout op) => op.SavedValues("WeightInverseNorm", Int(op.Op.OutFeatures));

    private static Slice Scale(OpLayout op) => IsScaled(op) ? op.Parameter("Scale", "1") : Slice.None;
}
