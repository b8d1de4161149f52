using System.Collections.Generic;
using DslNets.Declarations;
using DslNets.Generator.Ops;

namespace DslNets.Generator;

/// <summary>Which array of the generated network a slot lives in, in the order the constants are listed.</summary>
internal enum SlotRegion
{
    Parameters,
    Buffers,
    Activations,
    Saved,
    Inference,
}

/// <summary>One named run of floats of an operation: the constant <c>{op}_{Suffix} = Offset</c> in <see cref="Region"/>.</summary>
/// <param name="Length">Floats at <c>MaxBatch</c>.</param>
internal sealed record Slot(string Suffix, int Offset, int Length, SlotRegion Region, string Comment);

/// <summary>
/// Where every tensor, activation and saved value of one operation sits, computed once from the spec by the op's
/// <see cref="OpHandler"/>. All names the emitter writes for this operation start with <see cref="Name"/>.
/// </summary>
internal sealed class OpLayout
{
    private readonly List<Slot> _slots = new();

    public OpLayout(LayerSpec layer, OpSpec op, OpHandler handler)
    {
        Layer = layer;
        Op = op;
        Handler = handler;
        Name = layer.PropertyName + "_" + op.Name;
        TensorPrefix = handler.TensorPrefix(layer);
    }

    public LayerSpec Layer { get; }

    public OpSpec Op { get; }

    /// <summary>The file that knows this kind of operation.</summary>
    public OpHandler Handler { get; }

    /// <summary>Constant-name stem, e.g. <c>Hidden1_Dense</c>.</summary>
    public string Name { get; }

    /// <summary>State-dict prefix of this operation's tensors (<c>hidden1</c>, <c>hidden1.bn</c>); empty without tensors.</summary>
    public string TensorPrefix { get; }

    /// <summary>The operation's offsets in the order they were reserved.</summary>
    public IReadOnlyList<Slot> Slots => _slots;

    /// <summary>Training output slot in the activations (and, same offset, the deltas); false for a softmax fused into the loss.</summary>
    public bool RunsInTraining => Has("Out");

    /// <summary>Dense only: the batch norm that follows it in inference and is folded into its packed weights.</summary>
    public OpLayout? FoldedNorm { get; set; }

    /// <summary>Dense only: the ReLU that follows it (after a folded batch norm) and runs in its epilogue.</summary>
    public bool FusedReLU { get; set; }

    /// <summary>Conv only: the max pool that follows it (after a folded batch norm and ReLU) and runs inside its inference kernel.</summary>
    public OpLayout? FusedPool { get; set; }

    /// <summary>True for a batch norm, ReLU or (after a convolution) max pool that inference computes inside the preceding weight op's kernel.</summary>
    public bool RunsInsideDense { get; set; }

    /// <summary>Takes <paramref name="length"/> floats of <paramref name="region"/> from the plan as the slot <paramref name="suffix"/>.</summary>
    public void Reserve(MemoryPlan plan, SlotRegion region, string suffix, int length, string comment, bool alignToCacheLine = false) =>
        _slots.Add(new Slot(suffix, plan.Take(region, length, alignToCacheLine), length, region, comment));

    /// <summary>Floats this op holds in <paramref name="region"/>.</summary>
    public int Length(SlotRegion region)
    {
        int length = 0;
        foreach (Slot slot in _slots)
        {
            if (slot.Region == region)
                length += slot.Length;
        }

        return length;
    }

    public bool Has(string suffix) => _slots.Exists(s => s.Suffix == suffix);

    /// <summary>The constant naming a slot, e.g. <c>Hidden1_Dense_Weight</c>.</summary>
    public string Constant(string suffix) => Name + "_" + suffix;

    /// <summary>A slot of <see cref="SlotRegion.Parameters"/> (or its twin in the gradients).</summary>
    public BufferSlice Parameter(string suffix, string length) => new("_parameters", Constant(suffix), length);

    public BufferSlice Gradient(string suffix, string length) => new("_gradients", Constant(suffix), length);

    public BufferSlice Buffer(string suffix, string length) => new("_buffers", Constant(suffix), length);

    public BufferSlice SavedValues(string suffix, string length) => new("_saved", Constant(suffix), length);

    public BufferSlice Inference(string suffix, string length) => new("_inference", Constant(suffix), length);

    /// <summary>The training output, <c>[batchSize, OutFeatures]</c>.</summary>
    public BufferSlice Activation => new("_activations", Constant("Out"), "batchSize * " + Code.Int(Op.OutFeatures));

    /// <summary>The gradient of the loss with respect to the training output.</summary>
    public BufferSlice Delta => new("_deltas", Constant("Out"), "batchSize * " + Code.Int(Op.OutFeatures));
}
