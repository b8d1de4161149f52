using System;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// Dropout(p), GaussianDropout(p) and Uout(beta): training draws a multiplicative mask, saves it and applies it
/// (backward applies the same mask to the gradient); inference is the identity, so no inference line exists.
/// </summary>
internal sealed class NoiseOp : OpHandler
{
    public static readonly NoiseOp Instance = new();

    public override void Reserve(OpLayout op, MemoryPlan plan) =>
        op.Reserve(plan, SlotRegion.Saved, "Saved", plan.MaxBatch * op.Op.OutFeatures, "saved: noise mask");

    public override bool RunsInInference(OpLayout op) => false;

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) =>
        throw new InvalidOperationException($"{op.Name} is the identity in inference; nothing is emitted for it.");

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        var noise = (NoiseSpec)op.Op;
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

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient) =>
        w.Line($"{Kernels}NoiseKernels.ApplyMask({inputGradient.Span}, {op.Delta.Span}, {Mask(op).Span}, {Count(op)});");

    public override string OperationSettings(OpSpec op)
    {
        var noise = (NoiseSpec)op;
        return noise.Kind == OpKind.Uout ? $"Beta = {Float(noise.Beta)}" : $"DropProbability = {Float(noise.DropProbability)}";
    }

    /// <summary>The mask drawn in training, <c>[batchSize, features]</c>.</summary>
    private static BufferSlice Mask(OpLayout op) => op.SavedValues("Saved", Count(op));

    private static string Count(OpLayout op) => "batchSize * " + Int(op.Op.OutFeatures);
}
