using System.Collections.Generic;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>Dense(units, Norm = DenseNorm.Weight)</c>, weight normalization (Salimans &amp; Kingma 2016): the product reads
/// <c>w[o, :] = g[o] * v[o, :] / ||v[o, :]||</c>, computed at each training forward into a saved matrix; backward
/// turns that matrix's gradient into the gradients of <c>v</c> (the <c>Weight</c> slot, PyTorch <c>weight_v</c>) and
/// <c>g</c> (<c>Gain</c>, <c>weight_g</c> <c>[out, 1]</c>). L1/L2 penalize <c>v</c>. Inference packs <c>w</c>, so it
/// runs exactly as a plain dense layer, a following batch norm and ReLU folded in as usual.
/// </summary>
internal sealed class WeightNormDenseOp : DenseOp
{
    public static new readonly WeightNormDenseOp Instance = new();

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        base.Reserve(op, plan);
        int outFeatures = op.Op.OutFeatures, weights = op.Op.InFeatures * outFeatures;
        op.Reserve(plan, SlotRegion.Parameters, "Gain", outFeatures, "parameters: weight norm gain g (weight_g)");
        op.Reserve(plan, SlotRegion.Saved, "InverseNorm", outFeatures, "saved: 1 / ||v|| per output row");
        op.Reserve(plan, SlotRegion.Saved, "NormalizedWeight", weights, "saved: g * v / ||v||, the matrix the product reads");
        op.Reserve(plan, SlotRegion.Saved, "NormalizedWeightGradient", weights, "scratch: its gradient, before it reaches v and g");
    }

    public override void EmitInitialization(SourceWriter w, OpLayout op)
    {
        // v starts as a plain dense weight and g = ||v|| (PyTorch's weight_norm), so the layer starts as the plain one.
        base.EmitInitialization(w, op);
        w.Line($"{Kernels}RowNormalizationKernels.RowNorms({Gain(op).Span}, {Weight(op).Span}, {op.Op.OutFeatures}, {op.Op.InFeatures});");
    }

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        EmitNormalizedWeight(w, op);
        base.EmitForward(w, op, input);
    }

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        base.EmitBackward(w, op, input, inputGradient);
        w.Line($"{Kernels}RowNormalizationKernels.Backward({WeightGradient(op).Span}, {op.Gradient("Gain", Int(op.Op.OutFeatures)).Span}, {ProductWeightGradient(op).Span}, {Weight(op).Span}, {InverseNorm(op).Span}, {Gain(op).Span}, {op.Op.OutFeatures}, {op.Op.InFeatures});");
    }

    public override void EmitInferencePacking(SourceWriter w, OpLayout op)
    {
        // The saved matrix is recomputed from v and g: after Load or a write to Parameters it is stale.
        EmitNormalizedWeight(w, op);
        base.EmitInferencePacking(w, op);
    }

    public override IEnumerable<string> TensorEntries(OpLayout op)
    {
        // PyTorch's torch.nn.utils.weight_norm(nn.Linear(...), dim=0) state dict: bias, weight_g [out, 1], weight_v [out, in].
        if (op.Has("Bias"))
            yield return TensorEntry(op.TensorPrefix + ".bias", "Bias", op.Constant("Bias"), op.Op.OutFeatures);
        yield return TensorEntry(op.TensorPrefix + ".weight_g", "NormalizationGain", op.Constant("Gain"), op.Op.OutFeatures, 1);
        yield return TensorEntry(op.TensorPrefix + ".weight_v", "Weight", op.Constant("Weight"), op.Op.OutFeatures, op.Op.InFeatures);
    }

    public override string OperationSettings(OpSpec op) => base.OperationSettings(op) + $", Norm = {Runtime}DenseNorm.Weight";

    protected override BufferSlice ProductWeight(OpLayout op) => op.SavedValues("NormalizedWeight", WeightLength(op));

    protected override BufferSlice ProductWeightGradient(OpLayout op) => op.SavedValues("NormalizedWeightGradient", WeightLength(op));

    /// <summary><c>w = g * v / ||v||</c> per row, without epsilon as in PyTorch.</summary>
    private static void EmitNormalizedWeight(SourceWriter w, OpLayout op) =>
        w.Line($"{Kernels}RowNormalizationKernels.Forward({op.SavedValues("NormalizedWeight", WeightLength(op)).Span}, {InverseNorm(op).Span}, {Weight(op).Span}, {Gain(op).Span}, 0f, {op.Op.OutFeatures}, {op.Op.InFeatures});");

    private static BufferSlice Gain(OpLayout op) => op.Parameter("Gain", Int(op.Op.OutFeatures));

    private static BufferSlice InverseNorm(OpLayout op) => op.SavedValues("InverseNorm", Int(op.Op.OutFeatures));
}
