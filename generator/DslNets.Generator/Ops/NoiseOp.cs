using System;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// Dropout(p), GaussianDropout(p), Uout(beta) and SpatialDropout(p): training draws a multiplicative mask, saves it
/// and applies it (backward applies the same mask to the gradient); inference is the identity, so no inference line
/// exists. The elementwise kinds work on any shape (a mask entry per value, whatever the layout); SpatialDropout
/// (PyTorch <c>Dropout2d</c>) draws one dropout entry per sample and channel and applies it to every pixel of the
/// channel.
/// </summary>
internal sealed class NoiseOp : OpHandler
{
    public static readonly NoiseOp Instance = new();

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        if (op.Op.Kind == OpKind.SpatialDropout)
        {
            ChannelsLast.AddDimensions(op.Op.Input, plan);
            op.Reserve(plan, SlotRegion.Saved, "Saved", plan.MaxBatch * ChannelsLast.Channels(op.Op.Input), "saved: noise mask, one per channel");
            return;
        }

        op.Reserve(plan, SlotRegion.Saved, "Saved", plan.MaxBatch * op.Op.OutFeatures, "saved: noise mask");
    }

    public override bool RunsInInference(OpLayout op) => false;

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) =>
        throw new InvalidOperationException($"{op.Name} is the identity in inference; nothing is emitted for it.");

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        var noise = (NoiseSpec)op.Op;
        if (noise.Kind == OpKind.SpatialDropout)
        {
            w.Line($"{Kernels}NoiseKernels.DropoutMask({Mask(op).Span}, ref _noise, {Float(noise.DropProbability)}, {Count(op)});");
            w.Line($"{Kernels}NoiseKernels.ApplyChannelMask{ChannelsLast.PixelsAndChannels(noise.Input)}({op.Activation.Span}, {input.Span}, {Mask(op).Span}, batchSize);");
            return;
        }

        (string mask, double rate) = noise.Kind switch
        {
            OpKind.Dropout => ("DropoutMask", noise.DropProbability),
            OpKind.GaussianDropout => ("GaussianDropoutMask", noise.DropProbability),
            OpKind.Uout => ("UoutMask", noise.Beta),
            _ => throw new NotSupportedException($"NoiseOp has no mask kernel for the operation kind '{noise.Kind}'."),
        };
        w.Line($"{Kernels}NoiseKernels.{mask}({Mask(op).Span}, ref _noise, {Float(rate)}, {Count(op)});");
        w.Line($"{Kernels}NoiseKernels.ApplyMask({op.Activation.Span}, {input.Span}, {Mask(op).Span}, {Count(op)});");
    }

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        if (op.Op.Kind == OpKind.SpatialDropout)
            w.Line($"{Kernels}NoiseKernels.ApplyChannelMask{ChannelsLast.PixelsAndChannels(op.Op.Input)}({inputGradient.Span}, {op.Delta.Span}, {Mask(op).Span}, batchSize);");
        else
            w.Line($"{Kernels}NoiseKernels.ApplyMask({inputGradient.Span}, {op.Delta.Span}, {Mask(op).Span}, {Count(op)});");
    }

    public override string OperationSettings(OpSpec op)
    {
        var noise = (NoiseSpec)op;
        return noise.Kind == OpKind.Uout ? $"Beta = {Float(noise.Beta)}" : $"DropProbability = {Float(noise.DropProbability)}";
    }

    /// <summary>The mask drawn in training, <c>[batchSize, features]</c> (<c>[batchSize, channels]</c> for SpatialDropout).</summary>
    private static BufferSlice Mask(OpLayout op) => op.SavedValues("Saved", Count(op));

    /// <summary>Mask entries per batch: one per value, or one per channel for SpatialDropout.</summary>
    private static string Count(OpLayout op) =>
        "batchSize * " + Int(op.Op.Kind == OpKind.SpatialDropout ? ChannelsLast.Channels(op.Op.Input) : op.Op.OutFeatures);
}
