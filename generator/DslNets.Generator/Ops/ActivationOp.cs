using System;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// The elementwise activations ReLU, LeakyReLU(slope), Tanh and Sigmoid: one forward and one backward kernel each
/// in <c>ActivationKernels</c>. Backward reads the op's output, except LeakyReLU, which reads its input (the slope
/// may be negative or zero, so the output does not tell the sign).
/// </summary>
internal sealed class ActivationOp : OpHandler
{
    public static readonly ActivationOp Instance = new();

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) => EmitForward(w, op, input, output);

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input) => EmitForward(w, op, input, op.Activation);

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        var activation = (ActivationSpec)op.Op;
        if (activation.Kind == OpKind.LeakyReLU)
            w.Line($"{Kernels}ActivationKernels.LeakyReLUBackward({inputGradient.Span}, {op.Delta.Span}, {input.Span}, {Float(activation.NegativeSlope)}, {Count(op)});");
        else
            w.Line($"{Kernels}ActivationKernels.{KernelStem(activation.Kind)}Backward({inputGradient.Span}, {op.Delta.Span}, {op.Activation.Span}, {Count(op)});");
    }

    public override string OperationSettings(OpSpec op) =>
        op.Kind == OpKind.LeakyReLU ? $"NegativeSlope = {Float(((ActivationSpec)op).NegativeSlope)}" : string.Empty;

    private static void EmitForward(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        var activation = (ActivationSpec)op.Op;
        if (activation.Kind == OpKind.LeakyReLU)
            w.Line($"{Kernels}ActivationKernels.LeakyReLUForward({output.Span}, {input.Span}, {Float(activation.NegativeSlope)}, {Count(op)});");
        else
            w.Line($"{Kernels}ActivationKernels.{KernelStem(activation.Kind)}Forward({output.Span}, {input.Span}, {Count(op)});");
    }

    /// <summary>The kernel pair of each activation, named here rather than derived from the enum.</summary>
    private static string KernelStem(OpKind kind) => kind switch
    {
        OpKind.ReLU => "ReLU",
        OpKind.Tanh => "Tanh",
        OpKind.Sigmoid => "Sigmoid",
        OpKind.LeakyReLU => "LeakyReLU",
        _ => throw new NotSupportedException($"ActivationOp has no kernel for the operation kind '{kind}'."),
    };

    private static string Count(OpLayout op) => "batchSize * " + Int(op.Op.OutFeatures);
}
