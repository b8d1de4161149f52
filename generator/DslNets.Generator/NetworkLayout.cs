using System.Collections.Generic;
using System.Linq;
using DslNets.Declarations;
using DslNets.Generator.Ops;

namespace DslNets.Generator;

/// <summary>
/// The whole network's memory plan: parameter, buffer, activation, saved-value and inference offsets, computed once
/// from the spec. Each op's handler reserves its own slots; this class only walks the ops in order.
/// </summary>
internal sealed class NetworkLayout
{
    private NetworkLayout(NetworkSpec spec) => Spec = spec;

    public NetworkSpec Spec { get; }

    public List<OpLayout> Ops { get; } = new();

    public int ParameterCount { get; private set; }

    public int BufferCount { get; private set; }

    /// <summary>Activations for training, <c>MaxBatch * sum of widths</c>; the deltas have the same layout.</summary>
    public int ActivationCount { get; private set; }

    public int SavedCount { get; private set; }

    /// <summary>Packed inference copies of every dense layer (<c>[in, out]</c> weights and a bias each).</summary>
    public int InferenceCount { get; private set; }

    /// <summary>Every distinct kernel size, ascending: one <c>IDimension</c> type each.</summary>
    public SortedSet<int> Dimensions { get; private set; } = new();

    /// <summary>The <c>IWindow2D</c> types of the convolutions and pools, by name: each one's member declarations.</summary>
    public SortedDictionary<string, string> Windows { get; private set; } = new();

    /// <summary>
    /// True when some operation cannot compute in place in inference: a layer whose later operation is one copies
    /// its output into the spare scratch first.
    /// </summary>
    public bool NeedsSpareScratch { get; private set; }

    /// <summary>Floats of per-thread inference scratch an operation needs (the unfolded input of a convolution), the largest.</summary>
    public int InferenceColumns { get; private set; }

    /// <summary>The widest row any operation produces (inference scratch is two of these per sample).</summary>
    public int MaxWidth { get; private set; }

    /// <summary>
    /// True when a trailing <c>Softmax</c> is folded into softmax cross-entropy: training stops before it and the
    /// loss receives the logits; inference applies the softmax once as the output link.
    /// </summary>
    public bool SoftmaxFusedIntoLoss { get; private set; }

    /// <summary>
    /// Whether an operation normalizes with this process's batch statistics in training (a batch of one is an error
    /// when <see cref="BatchStatisticsNeedTwoSamples"/>); synchronized batch norms check the global batch themselves and are in <see cref="SyncBatchNorms"/>.
    /// </summary>
    public bool UsesBatchStatistics { get; private set; }

    /// <summary>
    /// Whether a batch norm with this process's statistics sees one value per channel per sample (after a dense layer,
    /// or an image of one pixel): a batch of one is then an error, as in PyTorch, which refuses only a per-channel
    /// count of 1 (<c>BatchNorm2d</c> trains a batch of one image of more than one pixel).
    /// </summary>
    public bool BatchStatisticsNeedTwoSamples { get; private set; }

    /// <summary>The same for a synchronized batch norm, which then needs two samples only on one process.</summary>
    public bool SyncStatisticsNeedTwoSamples { get; private set; }

    /// <summary>The synchronized batch norms (<c>[BatchNorm(Sync = true)]</c>) in execution order.</summary>
    public List<OpLayout> SyncBatchNorms { get; } = new();

    /// <summary>Whether a training forward pass moves running statistics.</summary>
    public bool UpdatesRunningStatistics => UsesBatchStatistics || SyncBatchNorms.Count > 0;

    /// <summary>
    /// The last operation that runs in training: its output slot holds the logits the loss reads, its delta slot
    /// receives the loss gradient. Null when no operation runs in training (a lone Softmax fused into the loss).
    /// </summary>
    public OpLayout? LastTrainingOp { get; private set; }

    /// <summary>
    /// Where the loss gradient goes when <see cref="LastTrainingOp"/> is null (the logits are then the inputs);
    /// -1 otherwise.
    /// </summary>
    public int InputLossGradient { get; private set; } = -1;

    /// <summary>The operations of one layer, in order.</summary>
    public IEnumerable<OpLayout> OpsOf(LayerSpec layer) => Ops.Where(o => o.Layer == layer);

    public static NetworkLayout Create(NetworkSpec spec)
    {
        var layout = new NetworkLayout(spec);
        var plan = new MemoryPlan(spec.MaxBatch);
        int maxWidth = 1;
        if (ChannelsLast.Reorders(spec.InputShape))
            ChannelsLast.AddDimensions(spec.InputShape, plan);

        LayerSpec lastLayer = spec.Layers[spec.Layers.Count - 1];
        OpSpec lastOp = lastLayer.Ops[lastLayer.Ops.Count - 1];
        layout.SoftmaxFusedIntoLoss = lastOp.Kind == OpKind.Softmax && spec.Loss == LossKind.SoftmaxCrossEntropy;

        foreach (LayerSpec layer in spec.Layers)
        {
            foreach (OpSpec op in layer.Ops)
            {
                OpHandler handler = OpHandler.For(op, layer);
                var opLayout = new OpLayout(layer, op, handler);
                maxWidth = System.Math.Max(maxWidth, op.OutFeatures);
                handler.Reserve(opLayout, plan);
                if (BatchNormOp.IsSynchronized(opLayout))
                {
                    layout.SyncBatchNorms.Add(opLayout);
                    layout.SyncStatisticsNeedTwoSamples |= BatchNormOp.OneValuePerSample(opLayout);
                }
                else if (handler.UsesBatchStatistics)
                {
                    layout.UsesBatchStatistics = true;
                    layout.BatchStatisticsNeedTwoSamples |= BatchNormOp.OneValuePerSample(opLayout);
                }

                bool fusedSoftmax = layout.SoftmaxFusedIntoLoss && ReferenceEquals(op, lastOp);
                if (!fusedSoftmax)
                    opLayout.Reserve(plan, SlotRegion.Activations, "Out", spec.MaxBatch * op.OutFeatures, "activations and deltas");

                layout.Ops.Add(opLayout);
            }
        }

        foreach (LayerSpec layer in spec.Layers)
        {
            // Noise is the identity in inference: the handlers plan the inference of the ops that compute.
            List<OpLayout> computing = layout.OpsOf(layer).Where(o => !o.Op.IsNoise).ToList();
            for (int i = 0; i < computing.Count; i++)
                computing[i].Handler.PlanInference(computing, i, plan, plan.Dimensions);
        }

        foreach (LayerSpec layer in spec.Layers)
        {
            // Every inference op after the first of its layer reads the layer's output buffer; one that cannot work in
            // place reads a copy in the spare scratch.
            List<OpLayout> running = layout.OpsOf(layer).Where(o => o.Handler.RunsInInference(o)).ToList();
            for (int i = 1; i < running.Count; i++)
                layout.NeedsSpareScratch |= !running[i].Handler.WorksInPlace(running[i]);
        }

        foreach (OpLayout op in layout.Ops)
            layout.InferenceColumns = System.Math.Max(layout.InferenceColumns, op.Handler.InferenceColumns(op, spec.MaxBatch));

        layout.LastTrainingOp = layout.Ops.LastOrDefault(o => o.RunsInTraining);
        if (layout.LastTrainingOp is null)
            layout.InputLossGradient = plan.Take(SlotRegion.Activations, spec.MaxBatch * spec.InputSize);

        layout.ParameterCount = plan.ParameterCount;
        layout.BufferCount = plan.BufferCount;
        layout.ActivationCount = plan.ActivationCount;
        layout.SavedCount = plan.SavedCount;
        layout.InferenceCount = plan.InferenceCount;
        layout.MaxWidth = maxWidth;
        layout.Dimensions = plan.Dimensions;
        layout.Windows = plan.Windows;
        return layout;
    }
}

/// <summary>The running end of each array while the ops reserve their slots.</summary>
internal sealed class MemoryPlan
{
    private readonly int[] _ends = new int[5];

    public MemoryPlan(int maxBatch) => MaxBatch = maxBatch;

    public int MaxBatch { get; }

    /// <summary>The sizes the kernels are specialized to (one <c>IDimension</c> type each).</summary>
    public SortedSet<int> Dimensions { get; } = new();

    /// <summary>The window types of the convolutions and pools, by name.</summary>
    public SortedDictionary<string, string> Windows { get; } = new(System.StringComparer.Ordinal);

    public int ParameterCount => _ends[(int)SlotRegion.Parameters];

    public int BufferCount => _ends[(int)SlotRegion.Buffers];

    public int ActivationCount => _ends[(int)SlotRegion.Activations];

    public int SavedCount => _ends[(int)SlotRegion.Saved];

    public int InferenceCount => _ends[(int)SlotRegion.Inference];

    /// <summary>
    /// Takes <paramref name="length"/> floats at the end of <paramref name="region"/> and returns their offset; with
    /// <paramref name="alignToCacheLine"/> they start on a cache line (16 floats) of the 64-byte aligned buffer.
    /// </summary>
    public int Take(SlotRegion region, int length, bool alignToCacheLine = false)
    {
        ref int end = ref _ends[(int)region];
        if (alignToCacheLine)
            end = (end + 15) / 16 * 16;
        int offset = end;
        end += length;
        return offset;
    }
}
