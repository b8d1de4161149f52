using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary><c>LayerNorm(Epsilon)</c>: per sample over its features, the same in training and inference.</summary>
internal sealed class LayerNormOp : NormalizationOp
{
    public static readonly LayerNormOp Instance = new();

    public override string TensorPrefix(LayerSpec layer) => layer.TensorPrefix + ".ln";

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        base.Reserve(op, plan);
        op.Reserve(plan, SlotRegion.Saved, "Rstd", plan.MaxBatch, "saved: reciprocal standard deviations");
    }

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) =>
        w.Line($"{Kernels}NormalizationKernels.LayerNormForward({output.Span}, default, default, {input.Span}, {Gamma(op).Span}, {Beta(op).Span}, {Float(Epsilon(op))}, batchSize, {Features(op)});");

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input) =>
        w.Line($"{Kernels}NormalizationKernels.LayerNormForward({op.Activation.Span}, {Normalized(op).Span}, {Rstd(op).Span}, {input.Span}, {Gamma(op).Span}, {Beta(op).Span}, {Float(Epsilon(op))}, batchSize, {Features(op)});");

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient) =>
        w.Line($"{Kernels}NormalizationKernels.LayerNormBackward({inputGradient.Span}, {GammaGradient(op).Span}, {BetaGradient(op).Span}, {op.Delta.Span}, {Normalized(op).Span}, {Rstd(op).Span}, {Gamma(op).Span}, batchSize, {Features(op)});");

    public override string OperationSettings(OpSpec op) => $"Epsilon = {Float(((NormSpec)op).Epsilon)}";

    /// <summary>One reciprocal standard deviation per sample, <c>[batchSize]</c>.</summary>
    private static BufferSlice Rstd(OpLayout op) => op.SavedValues("Rstd", "batchSize");
}
