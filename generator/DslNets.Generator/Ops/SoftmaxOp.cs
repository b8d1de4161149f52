using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// Softmax over each sample's features. Last in the network with softmax cross-entropy, it is fused into the loss:
/// training stops before it (no output slot) and inference applies it once as the output link.
/// </summary>
internal sealed class SoftmaxOp : OpHandler
{
    public static readonly SoftmaxOp Instance = new();

    public override bool RunsInInference(OpLayout op) => op.RunsInTraining;

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) =>
        w.Line($"{Kernels}ActivationKernels.SoftmaxForward({output.Span}, {input.Span}, batchSize, {Int(op.Op.OutFeatures)});");

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input) => EmitInference(w, op, input, op.Activation);

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient) =>
        w.Line($"{Kernels}ActivationKernels.SoftmaxBackward({inputGradient.Span}, {op.Delta.Span}, {op.Activation.Span}, batchSize, {Int(op.Op.OutFeatures)});");
}
