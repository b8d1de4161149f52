using System.Collections.Generic;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>LayerNorm(Epsilon)</c>: per sample over its features, the same in training and inference. Over a
/// <c>[C, H, W]</c> sample it normalizes over all of it, as PyTorch's <c>LayerNorm([C, H, W])</c>, with a gain and a
/// shift per value in PyTorch's order: the mean and variance do not depend on the order, and the gain and shift are
/// reordered to the channels-last activations (a copy of C * H * W values per step, and the gradients back).
/// </summary>
internal sealed class LayerNormOp : NormalizationOp
{
    public static readonly LayerNormOp Instance = new();

    public override string TensorPrefix(LayerSpec layer) => layer.TensorPrefix + ".ln";

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        base.Reserve(op, plan);
        op.Reserve(plan, SlotRegion.Saved, "Rstd", plan.MaxBatch, "saved: reciprocal standard deviations");
        if (!Reorders(op))
            return;
        int features = ((NormSpec)op.Op).Features;
        ChannelsLast.AddDimensions(op.Op.Input, plan);
        op.Reserve(plan, SlotRegion.Saved, "GammaLast", features, "saved: gain in channels-last order");
        op.Reserve(plan, SlotRegion.Saved, "BetaLast", features, "saved: shift in channels-last order");
        op.Reserve(plan, SlotRegion.Saved, "GammaGradientLast", features, "scratch: gain gradient in channels-last order");
        op.Reserve(plan, SlotRegion.Saved, "BetaGradientLast", features, "scratch: shift gradient in channels-last order");
    }

    public override void PlanInference(IReadOnlyList<OpLayout> computing, int index, MemoryPlan plan, SortedSet<int> dimensions)
    {
        OpLayout op = computing[index];
        if (!Reorders(op))
            return;
        int features = ((NormSpec)op.Op).Features;
        op.Reserve(plan, SlotRegion.Inference, "InferenceGammaLast", features, "inference: gain in channels-last order");
        op.Reserve(plan, SlotRegion.Inference, "InferenceBetaLast", features, "inference: shift in channels-last order");
    }

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        (Slice gamma, Slice beta) = Reorders(op) ? (op.Inference("InferenceGammaLast", Features(op)), op.Inference("InferenceBetaLast", Features(op))) : ((Slice)Gamma(op), (Slice)Beta(op));
        w.Line($"{Kernels}NormalizationKernels.LayerNormForward({output.Span}, default, default, {input.Span}, {gamma.Span}, {beta.Span}, {Float(Epsilon(op))}, batchSize, {Features(op)});");
    }

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        Slice gamma = Gamma(op), beta = Beta(op);
        if (Reorders(op))
        {
            gamma = op.SavedValues("GammaLast", Features(op));
            beta = op.SavedValues("BetaLast", Features(op));
            w.Line($"{Kernels}LayoutKernels.ToChannelsLast{ChannelsLast.PixelsAndChannels(op.Op.Input)}({gamma.Span}, {Gamma(op).Span}, 1);");
            w.Line($"{Kernels}LayoutKernels.ToChannelsLast{ChannelsLast.PixelsAndChannels(op.Op.Input)}({beta.Span}, {Beta(op).Span}, 1);");
        }

        w.Line($"{Kernels}NormalizationKernels.LayerNormForward({op.Activation.Span}, {Normalized(op).Span}, {Rstd(op).Span}, {input.Span}, {gamma.Span}, {beta.Span}, {Float(Epsilon(op))}, batchSize, {Features(op)});");
    }

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        if (!Reorders(op))
        {
            w.Line($"{Kernels}NormalizationKernels.LayerNormBackward({inputGradient.Span}, {GammaGradient(op).Span}, {BetaGradient(op).Span}, {op.Delta.Span}, {Normalized(op).Span}, {Rstd(op).Span}, {Gamma(op).Span}, batchSize, {Features(op)});");
            return;
        }

        BufferSlice gammaGradient = op.SavedValues("GammaGradientLast", Features(op)), betaGradient = op.SavedValues("BetaGradientLast", Features(op));
        w.Line($"{Kernels}NormalizationKernels.LayerNormBackward({inputGradient.Span}, {gammaGradient.Span}, {betaGradient.Span}, {op.Delta.Span}, {Normalized(op).Span}, {Rstd(op).Span}, {op.SavedValues("GammaLast", Features(op)).Span}, batchSize, {Features(op)});");
        w.Line($"{Kernels}LayoutKernels.ToChannelsFirst{ChannelsLast.PixelsAndChannels(op.Op.Input)}({GammaGradient(op).Span}, {gammaGradient.Span}, 1);");
        w.Line($"{Kernels}LayoutKernels.ToChannelsFirst{ChannelsLast.PixelsAndChannels(op.Op.Input)}({BetaGradient(op).Span}, {betaGradient.Span}, 1);");
    }

    public override void EmitInferencePacking(SourceWriter w, OpLayout op)
    {
        if (!Reorders(op))
            return;
        w.Line($"{Kernels}LayoutKernels.ToChannelsLast{ChannelsLast.PixelsAndChannels(op.Op.Input)}({op.Inference("InferenceGammaLast", Features(op)).Span}, {Gamma(op).Span}, 1);");
        w.Line($"{Kernels}LayoutKernels.ToChannelsLast{ChannelsLast.PixelsAndChannels(op.Op.Input)}({op.Inference("InferenceBetaLast", Features(op)).Span}, {Beta(op).Span}, 1);");
    }

    public override string OperationSettings(OpSpec op) => $"Epsilon = {Float(((NormSpec)op).Epsilon)}";

    /// <summary>One reciprocal standard deviation per sample, <c>[batchSize]</c>.</summary>
    private static BufferSlice Rstd(OpLayout op) => op.SavedValues("Rstd", "batchSize");

    private static bool Reorders(OpLayout op) => ChannelsLast.Reorders(op.Op.Input);
}
