using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>Flatten</c>: <c>[C, H, W]</c> to <c>[C * H * W]</c> in PyTorch's order. The activations before it are channels
/// last (<see cref="ChannelsLast"/>), so it transposes them to channels first (backward transposes the gradient
/// back); where both orders agree (one channel, or one pixel) it is a copy in training and nothing in inference.
/// </summary>
internal sealed class FlattenOp : OpHandler
{
    public static readonly FlattenOp Instance = new();

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        if (ChannelsLast.Reorders(op.Op.Input))
            ChannelsLast.AddDimensions(op.Op.Input, plan);
    }

    public override bool RunsInInference(OpLayout op) => ChannelsLast.Reorders(op.Op.Input);

    public override bool WorksInPlace(OpLayout op) => false;

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) => EmitForward(w, op, input, output);

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input) => EmitForward(w, op, input, op.Activation);

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        Shape shape = op.Op.Input;
        if (ChannelsLast.Reorders(shape))
            w.Line($"{Kernels}LayoutKernels.ToChannelsLast{ChannelsLast.PixelsAndChannels(shape)}({inputGradient.Span}, {op.Delta.Span}, batchSize);");
        else
            w.Line($"{op.Delta.Span}.CopyTo({inputGradient.Span});");
    }

    private static void EmitForward(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        Shape shape = op.Op.Input;
        if (ChannelsLast.Reorders(shape))
            w.Line($"{Kernels}LayoutKernels.ToChannelsFirst{ChannelsLast.PixelsAndChannels(shape)}({output.Span}, {input.Span}, batchSize);");
        else
            w.Line($"{input.Span}.Slice(0, batchSize * {Int(op.Op.InFeatures)}).CopyTo({output.Span});");
    }
}
