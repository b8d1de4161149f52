using System;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>MaxPool2D</c>, <c>AvgPool2D</c> (PyTorch <c>MaxPool2d</c>/<c>AvgPool2d</c>, <c>count_include_pad=True</c>)
/// and <c>GlobalAvgPool2D</c> (<c>AdaptiveAvgPool2d(1)</c>) over channels-last activations, through
/// <c>PoolKernels</c>. No parameters; max pooling saves where each maximum came from (one int per output) for its
/// backward scatter. Without padding the inference kernels may work in place.
/// </summary>
internal sealed class PoolOp : OpHandler
{
    public static readonly PoolOp Instance = new();

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        var pool = (PoolSpec)op.Op;
        if (pool.Kind == OpKind.GlobalAvgPool2D)
        {
            ChannelsLast.AddDimensions(pool.Input, plan);
            return;
        }

        if (pool.Kind == OpKind.MaxPool2D)
            op.Reserve(plan, SlotRegion.Saved, "Positions", plan.MaxBatch * pool.OutFeatures, "saved: input index of each maximum (int)");
        plan.Windows[ConvOp.WindowType(op)] = ConvOp.WindowMembers(
            pool.Channels, pool.InHeight, pool.InWidth, pool.SizeH, pool.SizeW, pool.StrideH, pool.StrideW, pool.PadH, pool.PadW, 1, pool.OutHeight, pool.OutWidth);
    }

    public override bool WorksInPlace(OpLayout op)
    {
        var pool = (PoolSpec)op.Op;
        return pool.PadH == 0 && pool.PadW == 0;
    }

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) => EmitForward(w, op, input, output);

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        if (op.Op.Kind == OpKind.MaxPool2D)
            w.Line($"{Kernels}PoolKernels.MaxPoolForward<{ConvOp.WindowType(op)}>({op.Activation.Span}, {Positions(op)}, {input.Span}, batchSize);");
        else
            EmitForward(w, op, input, op.Activation);
    }

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        var pool = (PoolSpec)op.Op;
        string line = pool.Kind switch
        {
            OpKind.MaxPool2D => $"PoolKernels.MaxPoolBackward<{ConvOp.WindowType(op)}>({inputGradient.Span}, {op.Delta.Span}, {Positions(op)}, batchSize);",
            OpKind.AvgPool2D => $"PoolKernels.AvgPoolBackward<{ConvOp.WindowType(op)}>({inputGradient.Span}, {op.Delta.Span}, batchSize);",
            OpKind.GlobalAvgPool2D => $"PoolKernels.GlobalAvgPoolBackward{ChannelsLast.PixelsAndChannels(pool.Input)}({inputGradient.Span}, {op.Delta.Span}, batchSize);",
            _ => throw new NotSupportedException($"PoolOp has no kernel for the operation kind '{pool.Kind}'."),
        };
        w.Line(Kernels + line);
    }

    public override string OperationSettings(OpSpec op)
    {
        var pool = (PoolSpec)op;
        return ConvOp.WindowSettings(pool.SizeH, pool.SizeW, pool.StrideH, pool.StrideW, pool.PadH, pool.PadW);
    }

    /// <summary>The saved positions of the maxima as a <c>Span&lt;int&gt;</c> over the saved floats.</summary>
    private static string Positions(OpLayout op) =>
        $"global::System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>({op.SavedValues("Positions", "batchSize * " + Int(op.Op.OutFeatures)).Span})";

    private static void EmitForward(SourceWriter w, OpLayout op, Slice input, Slice output)
    {
        var pool = (PoolSpec)op.Op;
        string line = pool.Kind switch
        {
            OpKind.MaxPool2D => $"PoolKernels.MaxPoolForward<{ConvOp.WindowType(op)}>({output.Span}, {input.Span}, batchSize);",
            OpKind.AvgPool2D => $"PoolKernels.AvgPoolForward<{ConvOp.WindowType(op)}>({output.Span}, {input.Span}, batchSize);",
            OpKind.GlobalAvgPool2D => $"PoolKernels.GlobalAvgPoolForward{ChannelsLast.PixelsAndChannels(pool.Input)}({output.Span}, {input.Span}, batchSize);",
            _ => throw new NotSupportedException($"PoolOp has no kernel for the operation kind '{pool.Kind}'."),
        };
        w.Line(Kernels + line);
    }
}
