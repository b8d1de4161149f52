using System.Collections.Generic;
using System.Linq;
using DslNets.Declarations;

namespace DslNets.Generator;

/// <summary>
/// Where every tensor, activation and saved value of one operation sits, computed once from the spec. Offsets of
/// -1 mean "none". All names the emitter writes for this operation start with <see cref="Name"/>.
/// </summary>
internal sealed class OpLayout
{
    public OpLayout(LayerSpec layer, OpSpec op, string name, string tensorPrefix)
    {
        Layer = layer;
        Op = op;
        Name = name;
        TensorPrefix = tensorPrefix;
    }

    public LayerSpec Layer { get; }

    public OpSpec Op { get; }

    /// <summary>Constant-name stem, e.g. <c>Hidden1_Dense</c>.</summary>
    public string Name { get; }

    /// <summary>State-dict prefix of this operation's tensors (<c>hidden1</c>, <c>hidden1.bn</c>); empty without tensors.</summary>
    public string TensorPrefix { get; }

    public int Weight { get; set; } = -1;

    public int Bias { get; set; } = -1;

    public int Gamma { get; set; } = -1;

    public int Beta { get; set; } = -1;

    public int RunningMean { get; set; } = -1;

    public int RunningVar { get; set; } = -1;

    /// <summary>Training output slot in the activations (and, same offset, the deltas); -1 when not run in training.</summary>
    public int Out { get; set; } = -1;

    /// <summary>Saved values for backward: normalized values or noise mask, <c>[MaxBatch, features]</c>.</summary>
    public int Saved { get; set; } = -1;

    /// <summary>Saved per-feature batch mean (BatchNorm).</summary>
    public int Mean { get; set; } = -1;

    /// <summary>Saved reciprocal standard deviations: <c>[features]</c> (BatchNorm) or <c>[MaxBatch]</c> (LayerNorm).</summary>
    public int Rstd { get; set; } = -1;

    public bool RunsInTraining => Out >= 0;

    /// <summary>Dense only: the packed inference weight <c>[in, out]</c> in the inference buffer (normalization folded in).</summary>
    public int PackedWeight { get; set; } = -1;

    /// <summary>Dense only: the packed inference bias <c>[out]</c> in the inference buffer.</summary>
    public int PackedBias { get; set; } = -1;

    /// <summary>Dense only: the batch norm that follows it in inference and is folded into its packed weights.</summary>
    public OpLayout? FoldedNorm { get; set; }

    /// <summary>Dense only: the ReLU that follows it (after a folded batch norm) and runs in its epilogue.</summary>
    public bool FusedReLU { get; set; }

    /// <summary>True for a batch norm or ReLU that inference computes inside the preceding dense kernel.</summary>
    public bool RunsInsideDense { get; set; }
}

/// <summary>The whole network's memory plan: parameter, buffer, activation and saved-value offsets.</summary>
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

    /// <summary>Every distinct dense size, ascending: one <c>IDimension</c> type each.</summary>
    public List<int> Dimensions { get; } = new();

    /// <summary>The widest row any operation produces (inference scratch is two of these per sample).</summary>
    public int MaxWidth { get; private set; }

    /// <summary>
    /// True when a trailing <c>Softmax</c> is folded into softmax cross-entropy: training stops before it and the
    /// loss receives the logits; inference applies the softmax once as the output link.
    /// </summary>
    public bool SoftmaxFusedIntoLoss { get; private set; }

    public bool HasBatchNorm { get; private set; }

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

    public static NetworkLayout Create(NetworkSpec spec)
    {
        var layout = new NetworkLayout(spec);
        int maxBatch = spec.MaxBatch;
        int parameters = 0, buffers = 0, activations = 0, saved = 0, maxWidth = 1;

        LayerSpec lastLayer = spec.Layers[spec.Layers.Count - 1];
        OpSpec lastOp = lastLayer.Ops[lastLayer.Ops.Count - 1];
        layout.SoftmaxFusedIntoLoss = lastOp.Kind == OpKind.Softmax && spec.Loss == LossKind.SoftmaxCrossEntropy;

        foreach (LayerSpec layer in spec.Layers)
        {
            foreach (OpSpec op in layer.Ops)
            {
                string prefix = op.Kind switch
                {
                    OpKind.Dense => layer.TensorPrefix,
                    OpKind.BatchNorm => layer.TensorPrefix + ".bn",
                    OpKind.LayerNorm => layer.TensorPrefix + ".ln",
                    _ => string.Empty,
                };
                var opLayout = new OpLayout(layer, op, layer.PropertyName + "_" + op.Kind, prefix);
                int features = op.OutFeatures;
                maxWidth = System.Math.Max(maxWidth, features);
                switch (op.Kind)
                {
                    case OpKind.Dense:
                        opLayout.Weight = parameters;
                        parameters += op.InFeatures * op.OutFeatures;
                        if (((DenseSpec)op).Bias)
                        {
                            opLayout.Bias = parameters;
                            parameters += features;
                        }

                        break;
                    case OpKind.BatchNorm or OpKind.LayerNorm:
                        opLayout.Gamma = parameters;
                        opLayout.Beta = parameters + features;
                        parameters += 2 * features;
                        opLayout.Saved = saved;
                        saved += maxBatch * features;
                        if (op.Kind == OpKind.BatchNorm)
                        {
                            layout.HasBatchNorm = true;
                            opLayout.RunningMean = buffers;
                            opLayout.RunningVar = buffers + features;
                            buffers += 2 * features;
                            opLayout.Mean = saved;
                            opLayout.Rstd = saved + features;
                            saved += 2 * features;
                        }
                        else
                        {
                            opLayout.Rstd = saved;
                            saved += maxBatch;
                        }

                        break;
                    case OpKind.Dropout or OpKind.GaussianDropout or OpKind.Uout:
                        opLayout.Saved = saved;
                        saved += maxBatch * features;
                        break;
                }

                bool fusedSoftmax = layout.SoftmaxFusedIntoLoss && ReferenceEquals(op, lastOp);
                if (!fusedSoftmax)
                {
                    opLayout.Out = activations;
                    activations += maxBatch * features;
                }

                layout.Ops.Add(opLayout);
            }
        }

        layout.PlanInference();
        layout.ParameterCount = parameters;
        layout.BufferCount = buffers;
        layout.LastTrainingOp = layout.Ops.LastOrDefault(o => o.RunsInTraining);
        if (layout.LastTrainingOp is null)
        {
            layout.InputLossGradient = activations;
            activations += maxBatch * spec.InputSize;
        }

        layout.ActivationCount = activations;
        layout.SavedCount = saved;
        layout.MaxWidth = maxWidth;
        return layout;
    }

    /// <summary>
    /// Inference runs each dense layer from a packed copy: a batch norm right after it (noise in between is the
    /// identity in inference) is folded into the copy, and a ReLU right after those runs in the kernel's epilogue.
    /// </summary>
    private void PlanInference()
    {
        int packed = 0;
        var dimensions = new SortedSet<int>();
        foreach (LayerSpec layer in Spec.Layers)
        {
            var ops = new List<OpLayout>();
            foreach (OpLayout op in Ops)
            {
                if (op.Layer == layer && !op.Op.IsNoise)
                    ops.Add(op);
            }

            for (int i = 0; i < ops.Count; i++)
            {
                OpLayout dense = ops[i];
                if (dense.Op.Kind != OpKind.Dense)
                    continue;
                dimensions.Add(dense.Op.InFeatures);
                dimensions.Add(dense.Op.OutFeatures);
                // Each packed matrix starts on a cache line (16 floats) of the 64-byte aligned inference buffer.
                packed = (packed + 15) / 16 * 16;
                dense.PackedWeight = packed;
                packed += dense.Op.InFeatures * dense.Op.OutFeatures;
                dense.PackedBias = packed;
                packed += dense.Op.OutFeatures;

                int next = i + 1;
                if (next < ops.Count && ops[next].Op.Kind == OpKind.BatchNorm)
                {
                    dense.FoldedNorm = ops[next];
                    ops[next].RunsInsideDense = true;
                    next++;
                }

                if (next < ops.Count && ops[next].Op.Kind == OpKind.ReLU)
                {
                    dense.FusedReLU = true;
                    ops[next].RunsInsideDense = true;
                }
            }
        }

        InferenceCount = packed;
        Dimensions.AddRange(dimensions);
    }
}
