using System.Collections.Generic;
using DslNets.Declarations;
using static DslNets.Generator.Code;

namespace DslNets.Generator.Ops;

/// <summary>
/// <c>BatchNorm(Momentum, Epsilon)</c> per feature, or per channel after a convolution (PyTorch <c>BatchNorm2d</c>:
/// the channels-last activations are <c>[batch * pixels, channels]</c> to the same kernels): batch statistics in training (saved mean and reciprocal
/// standard deviation, running statistics updated), running statistics in inference, where a batch norm right after
/// a dense layer or a convolution is folded into its packed weights (<see cref="DenseOp"/>, <see cref="ConvOp"/>). With
/// <c>Sync = true</c> the training kernels are <c>SyncBatchNormKernels</c>, which reduce the statistics over the
/// network's collectives (one all-reduce forward, one backward) and are the plain kernels when it has none; inference
/// is the same.
/// </summary>
internal sealed class BatchNormOp : NormalizationOp
{
    public static readonly BatchNormOp Instance = new();

    public override string TensorPrefix(LayerSpec layer) => layer.TensorPrefix + ".bn";

    public override bool UsesBatchStatistics => true;

    public override void Reserve(OpLayout op, MemoryPlan plan)
    {
        base.Reserve(op, plan);
        int features = ((NormSpec)op.Op).Features;
        op.Reserve(plan, SlotRegion.Buffers, "RunningMean", features, "buffers");
        op.Reserve(plan, SlotRegion.Buffers, "RunningVar", features, "buffers");
        if (IsSynchronized(op))
            op.Reserve(plan, SlotRegion.Saved, "Statistics", StatisticsLength(features), "saved: [count, sum(x - K), sum((x - K)^2)], then [sum dy, sum dy xhat]");
        else
            op.Reserve(plan, SlotRegion.Saved, "Mean", features, "saved: batch mean");
        op.Reserve(plan, SlotRegion.Saved, "Rstd", features, "saved: reciprocal standard deviations");
    }

    /// <summary>
    /// Whether the batch norm normalizes one value per channel per sample (a flat input, or an image of one pixel), so
    /// that a batch of one leaves a single value per channel, which PyTorch refuses in training.
    /// </summary>
    public static bool OneValuePerSample(OpLayout op) => ChannelsLast.Pixels(((NormSpec)op.Op).Shape) == 1;

    /// <summary>Whether the op is a synchronized batch norm (<c>[BatchNorm(Sync = true)]</c>).</summary>
    public static bool IsSynchronized(OpLayout op) => op.Op is NormSpec { Kind: OpKind.BatchNorm, Sync: true };

    public override void EmitInitialization(SourceWriter w, OpLayout op)
    {
        base.EmitInitialization(w, op);
        w.Line($"{RunningVar(op).Span}.Fill(1f);");
    }

    public override void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output) =>
        w.Line($"{Kernels}NormalizationKernels.BatchNormInference({output.Span}, {input.Span}, {Gamma(op).Span}, {Beta(op).Span}, {RunningMean(op).Span}, {RunningVar(op).Span}, {Float(Epsilon(op))}, {Rows(op)}, {Features(op)});");

    public override void EmitForward(SourceWriter w, OpLayout op, Slice input)
    {
        var norm = (NormSpec)op.Op;
        if (norm.Sync)
        {
            w.Line($"{Kernels}SyncBatchNormKernels.TrainingForward({op.Activation.Span}, {Normalized(op).Span}, {Saved(op, "Rstd").Span}, {Statistics(op).Span}, {RunningMean(op).Span}, {RunningVar(op).Span}, {input.Span}, {Gamma(op).Span}, {Beta(op).Span}, {Float(norm.Momentum)}, {Float(norm.Epsilon)}, {Rows(op)}, {Features(op)}, {CollectivesField});");
            return;
        }

        // Memory, not spans: a large batch norm is split by features across the kernel threads.
        w.Line($"{Kernels}NormalizationKernels.BatchNormTrainingForwardOnThreads({op.Activation.Memory}, {Normalized(op).Memory}, {Saved(op, "Mean").Memory}, {Saved(op, "Rstd").Memory}, {RunningMean(op).Memory}, {RunningVar(op).Memory}, {input.Memory}, {Gamma(op).Memory}, {Beta(op).Memory}, {Float(norm.Momentum)}, {Float(norm.Epsilon)}, {Rows(op)}, {Features(op)});");
    }

    public override void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient)
    {
        if (IsSynchronized(op))
        {
            w.Line($"{Kernels}SyncBatchNormKernels.Backward({inputGradient.Span}, {GammaGradient(op).Span}, {BetaGradient(op).Span}, {Statistics(op).Span}, {op.Delta.Span}, {Normalized(op).Span}, {Saved(op, "Rstd").Span}, {Gamma(op).Span}, {Rows(op)}, {Features(op)}, {CollectivesField});");
            return;
        }

        w.Line($"{Kernels}NormalizationKernels.BatchNormBackwardOnThreads({inputGradient.Memory}, {GammaGradient(op).Memory}, {BetaGradient(op).Memory}, {op.Delta.Memory}, {Normalized(op).Memory}, {Saved(op, "Rstd").Memory}, {Gamma(op).Memory}, {Rows(op)}, {Features(op)});");
    }

    /// <summary>A synchronized batch norm's forward all-reduce on a rank without samples (running statistics moved as on every rank).</summary>
    public static void EmitForwardWithoutSamples(SourceWriter w, OpLayout op)
    {
        var norm = (NormSpec)op.Op;
        w.Line($"{Kernels}SyncBatchNormKernels.ForwardWithoutRows({Saved(op, "Rstd").Span}, {Statistics(op).Span}, {RunningMean(op).Span}, {RunningVar(op).Span}, {Float(norm.Momentum)}, {Float(norm.Epsilon)}, {Features(op)}, {CollectivesField});");
    }

    /// <summary>A synchronized batch norm's backward all-reduce on a rank without samples.</summary>
    public static void EmitBackwardWithoutSamples(SourceWriter w, OpLayout op) =>
        w.Line($"{Kernels}SyncBatchNormKernels.BackwardWithoutRows({Statistics(op).Span}, {Features(op)}, {CollectivesField});");

    public override IEnumerable<string> TensorEntries(OpLayout op)
    {
        foreach (string entry in base.TensorEntries(op))
            yield return entry;
        int features = ((NormSpec)op.Op).Features;
        yield return TensorEntry(op.TensorPrefix + ".running_mean", "RunningMean", op.Constant("RunningMean"), features);
        yield return TensorEntry(op.TensorPrefix + ".running_var", "RunningVariance", op.Constant("RunningVar"), features);
    }

    public override string OperationSettings(OpSpec op)
    {
        var norm = (NormSpec)op;
        string settings = $"Momentum = {Float(norm.Momentum)}, Epsilon = {Float(norm.Epsilon)}";
        return norm.Sync ? settings + ", Synchronized = true" : settings;
    }

    /// <summary>What <c>DenseKernels.PackForInference</c> needs to fold this batch norm into the dense layer before it.</summary>
    public static string FoldingArguments(OpLayout op) =>
        $"{Gamma(op).Span}, {Beta(op).Span}, {RunningMean(op).Span}, {RunningVar(op).Span}, {Float(Epsilon(op))}";

    private static BufferSlice RunningMean(OpLayout op) => op.Buffer("RunningMean", Features(op));

    private static BufferSlice RunningVar(OpLayout op) => op.Buffer("RunningVar", Features(op));

    private static BufferSlice Saved(OpLayout op, string suffix) => op.SavedValues(suffix, Features(op));

    private static BufferSlice Statistics(OpLayout op) => op.SavedValues("Statistics", Int(StatisticsLength(((NormSpec)op.Op).Features)));

    /// <summary>Mirror of the runtime's <c>SyncBatchNormKernels.StatisticsLength</c>: <c>[count, C sums, C sums of squares]</c>.</summary>
    private static int StatisticsLength(int features) => 2 * features + 1;
}
