using System.Collections.Generic;
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
        int features = op.Op.OutFeatures;
        op.AddSlot("Gamma", plan.Parameters(features), SlotRegion.Parameters, "parameters");
        op.AddSlot("Beta", plan.Parameters(features), SlotRegion.Parameters, "parameters");
        op.AddSlot("Saved", plan.Saved(plan.MaxBatch * features), SlotRegion.Saved, "saved: normalized values");
    }

    public override void EmitInitialization(SourceWriter w, OpLayout op) => w.Line($"{Gamma(op).Span}.Fill(1f);");

    public override IEnumerable<string> TensorEntries(OpLayout op)
    {
        yield return TensorEntry(op.TensorPrefix + ".weight", "NormalizationGain", op.Constant("Gamma"), op.Op.OutFeatures, 0);
        yield return TensorEntry(op.TensorPrefix + ".bias", "NormalizationShift", op.Constant("Beta"), op.Op.OutFeatures, 0);
    }

    public static BufferSlice Gamma(OpLayout op) => op.Parameter("Gamma", Features(op));

    public static BufferSlice Beta(OpLayout op) => op.Parameter("Beta", Features(op));

    protected static BufferSlice GammaGradient(OpLayout op) => op.Gradient("Gamma", Features(op));

    protected static BufferSlice BetaGradient(OpLayout op) => op.Gradient("Beta", Features(op));

    /// <summary>The normalized values, <c>[batchSize, features]</c>.</summary>
    protected static BufferSlice Normalized(OpLayout op) => op.SavedValues("Saved", "batchSize * " + Features(op));

    protected static string Features(OpLayout op) => Int(op.Op.OutFeatures);

    protected static double Epsilon(OpLayout op) => ((NormSpec)op.Op).Epsilon;
}
