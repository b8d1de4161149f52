using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// Every elementwise activation of the catalog (<see cref="Activations"/>): one forward and one backward kernel each,
/// <c>ActivationKernels.{KernelStem}Forward/Backward</c>, with the slope after the input for an activation that has
/// one. Backward reads the op's output, or its input for an activation whose output does not determine the
/// derivative (<see cref="Activation.BackwardReadsInput"/>: LeakyReLU, whose slope may be negative or zero).
/// </summary>
internal sealed class ActivationOp : OpHandler
{
    public static readonly ActivationOp Instance = new();

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) => EmitForward(w, op, input, output);

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input) => EmitForward(w, op, input, op.Activation);

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        var spec = (ActivationSpec)op.Op;
        Activation activation = spec.CatalogEntry;
        Slice read = activation.BackwardReadsInput ? input : op.Activation;
        w.Line($"{Kernels}ActivationKernels.{activation.KernelStem}Backward({inputGradient.Span}, {op.Delta.Span}, {read.Span}, {Slope(spec)}{Count(op)});");
    }

    public override string OperationSettings(OpSpec op) =>
        op is ActivationSpec { Function.HasSlope: true } spec ? $"NegativeSlope = {Float(spec.NegativeSlope)}" : string.Empty;

    private static void EmitForward(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        var spec = (ActivationSpec)op.Op;
        w.Line($"{Kernels}ActivationKernels.{spec.CatalogEntry.KernelStem}Forward({output.Span}, {input.Span}, {Slope(spec)}{Count(op)});");
    }

    /// <summary>The slope argument and its comma for an activation that has one, else nothing.</summary>
    private static string Slope(ActivationSpec spec) => spec.CatalogEntry.HasSlope ? Float(spec.NegativeSlope) + ", " : string.Empty;

    private static string Count(OpLayout op) => "batchSize * " + Int(op.Op.OutFeatures);
}
