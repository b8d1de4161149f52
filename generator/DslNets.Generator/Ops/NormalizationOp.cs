using System.Collections.Generic;
using System.Linq;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// What batch and layer normalization share: a gain (gamma, PyTorch <c>weight</c>, starts at 1) and a shift (beta,
/// <c>bias</c>) of <c>[features]</c>, and the normalized values saved for backward.
/// </summary>
internal abstract class NormalizationOp : OpHandler
{
    public override bool HasParameters => true;

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        var norm = (NormSpec)op.Op;
        op.Reserve(plan, SlotRegion.Parameters, "Gamma", norm.Features, "parameters");
        op.Reserve(plan, SlotRegion.Parameters, "Beta", norm.Features, "parameters");
        op.Reserve(plan, SlotRegion.Saved, "Saved", plan.MaxBatch * norm.OutFeatures, "saved: normalized values");
    }

    public override void EmitInitialization(SourceWriter w, OpLayout op) => w.Line($"{Gamma(op).Span}.Fill(1f);");

    /// <summary>
    /// Gain and shift with PyTorch's shapes: <c>[features]</c> (per channel for a batch norm), the whole sample shape
    /// for a layer norm over <c>[C, H, W]</c> (<c>LayerNorm([C, H, W]).weight</c> is <c>[C, H, W]</c>).
    /// </summary>
    public override IEnumerable<string> TensorEntries(OpLayout op)
    {
        var norm = (NormSpec)op.Op;
        int[] shape = norm.Kind == OpKind.LayerNorm ? norm.Shape.Dimensions.ToArray() : new[] { norm.Features };
        yield return TensorEntry(op.TensorPrefix + ".weight", "NormalizationGain", op.Constant("Gamma"), shape);
        yield return TensorEntry(op.TensorPrefix + ".bias", "NormalizationShift", op.Constant("Beta"), shape);
    }

    public static BufferSlice Gamma(OpLayout op) => op.Parameter("Gamma", Features(op));

    public static BufferSlice Beta(OpLayout op) => op.Parameter("Beta", Features(op));

    protected static BufferSlice GammaGradient(OpLayout op) => op.Gradient("Gamma", Features(op));

    protected static BufferSlice BetaGradient(OpLayout op) => op.Gradient("Beta", Features(op));

    /// <summary>The normalized values, <c>[batchSize, features]</c>.</summary>
    protected static BufferSlice Normalized(OpLayout op) => op.SavedValues("Saved", "batchSize * " + Int(op.Op.OutFeatures));

    /// <summary>
    /// Rows of the <c>[rows, features]</c> matrix the normalization kernels see: the batch, times the pixels for a
    /// batch norm over <c>[C, H, W]</c> (channels last, each pixel is a row of C channels: PyTorch <c>BatchNorm2d</c>
    /// normalizes each channel over the batch, height and width).
    /// </summary>
    protected static string Rows(OpLayout op)
    {
        var norm = (NormSpec)op.Op;
        int pixels = norm.Kind == OpKind.BatchNorm ? ChannelsLast.Pixels(norm.Shape) : 1;
        return pixels == 1 ? "batchSize" : $"batchSize * {Int(pixels)}";
    }

    /// <summary>The length of gamma, beta and the running statistics.</summary>
    protected static string Features(OpLayout op) => Int(((NormSpec)op.Op).Features);

    protected static double Epsilon(OpLayout op) => ((NormSpec)op.Op).Epsilon;
}
