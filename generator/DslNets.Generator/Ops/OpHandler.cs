using System;
using System.Collections.Generic;
using DslNets.Declarations;

namespace DslNets.Generator.Ops;

/// <summary>
/// Everything the generator knows about one family of operations: the slots it reserves, its initialization,
/// inference, training forward and backward lines, regularization, inference packing, tensor entries and
/// operation entry. <see cref="NetworkEmitter"/> only wires the ops together in order and asks each op's handler.
/// A new op kind gets a file in this folder and a line in <see cref="For"/>; a kind without one is an exception
/// here, never a kernel name guessed into the user's code.
/// </summary>
internal abstract class OpHandler
{
    /// <summary>The handler of <paramref name="op"/>'s kind.</summary>
    /// <exception cref="NotSupportedException">No handler knows the kind.</exception>
    public static OpHandler For(OpSpec op, LayerSpec layer) => op.Kind switch
    {
        OpKind.Dense => (op is DenseSpec dense ? dense.Norm : DenseNormKind.None) switch
        {
            DenseNormKind.None => DenseOp.Instance,
            DenseNormKind.Weight => WeightNormDenseOp.Instance,
            DenseNormKind.Cosine or DenseNormKind.ScaledCosine => CosineDenseOp.Instance,
            DenseNormKind norm => throw new NotSupportedException($"The generator has no handler for Dense(Norm = {norm}) in layer {layer.PropertyName}."),
        },
        OpKind.BatchNorm => BatchNormOp.Instance,
        OpKind.LayerNorm => LayerNormOp.Instance,
        OpKind.Activation => ActivationOp.Instance,
        OpKind.Softmax => SoftmaxOp.Instance,
        OpKind.Dropout or OpKind.GaussianDropout or OpKind.Uout or OpKind.SpatialDropout => NoiseOp.Instance,
        OpKind.Conv2D => ConvOp.Instance,
        OpKind.MaxPool2D or OpKind.AvgPool2D or OpKind.GlobalAvgPool2D => PoolOp.Instance,
        OpKind.Flatten => FlattenOp.Instance,
        _ => throw new NotSupportedException(
            $"The generator has no handler for the operation kind '{op.Kind}' in layer {layer.PropertyName}: add a file under " +
            "generator/DslNets.Generator/Ops/ and register it in OpHandler.For (docs/extending.md)."),
    };

    /// <summary>The state-dict prefix of the op's tensors, e.g. <c>hidden1.bn</c>; empty when it has none.</summary>
    public virtual string TensorPrefix(LayerSpec layer) => string.Empty;

    /// <summary>Whether the op has learnable parameters (its backward runs even at the very start of the network).</summary>
    public virtual bool HasParameters => false;

    /// <summary>Whether training normalizes with batch statistics, so a batch of one is an error.</summary>
    public virtual bool UsesBatchStatistics => false;

    /// <summary>Reserves the op's parameters, buffers and saved values (the training output is reserved by the layout).</summary>
    public virtual void Reserve(OpLayout op, MemoryPlan plan)
    {
    }

    /// <summary>
    /// Plans inference for the op at <paramref name="index"/> of a layer's computing ops (noise removed): packed
    /// copies, and the following ops it absorbs.
    /// </summary>
    public virtual void PlanInference(IReadOnlyList<OpLayout> computing, int index, MemoryPlan plan, SortedSet<int> dimensions)
    {
    }

    /// <summary>Constructor lines: initial values of the op's parameters and buffers.</summary>
    public virtual void EmitInitialization(SourceWriter w, OpLayout op)
    {
    }

    /// <summary>Whether inference computes this op on its own (false for noise, a fused softmax, an op run inside a dense kernel).</summary>
    public virtual bool RunsInInference(OpLayout op) => !op.RunsInsideDense;

    /// <summary>
    /// Whether the inference lines may read and write the same memory (a later op of a layer works in place on the
    /// layer's output). When false and the op is not the first of its layer, the emitter copies the output into the
    /// spare scratch and hands that over as the input.
    /// </summary>
    public virtual bool WorksInPlace(OpLayout op) => true;

    /// <summary>Floats of per-thread scratch the inference lines need at <paramref name="maxBatch"/> (<c>InferenceColumns</c>).</summary>
    public virtual int InferenceColumns(OpLayout op, int maxBatch) => 0;

    /// <summary>Inference lines: read <paramref name="input"/>, write <paramref name="output"/> (<c>[batchSize, OutFeatures]</c>); they may alias.</summary>
    public abstract void EmitInference(SourceWriter w, OpLayout op, Slice input, Slice output);

    /// <summary>
    /// As the first training op of the network: the expression that stages the caller's <paramref name="inputs"/>
    /// span into <paramref name="staging"/> (a <c>ReadOnlyMemory&lt;float&gt;</c>, empty when it was not copied), or
    /// null when the op reads its input as a Memory and the network copies the batch as before. An op that returns
    /// an expression receives its training input, forward and backward, as a <see cref="SpanArgument"/> whose
    /// staging is that memory.
    /// </summary>
    public virtual string? StageTrainingInput(OpLayout op, string inputs, string staging) => null;

    /// <summary>Training forward lines: read <paramref name="input"/>, write <see cref="OpLayout.Activation"/>, save what backward needs.</summary>
    public abstract void EmitForward(SourceWriter w, OpLayout op, Slice input);

    /// <summary>Backward lines: from <see cref="OpLayout.Delta"/>, write <paramref name="inputGradient"/> and add parameter gradients.</summary>
    public abstract void EmitBackward(SourceWriter w, OpLayout op, Slice input, Slice inputGradient);

    /// <summary>Lines of <c>Regularize()</c> that add the op's L1/L2 penalty to <c>loss</c> and its gradient.</summary>
    public virtual void EmitRegularization(SourceWriter w, OpLayout op)
    {
    }

    /// <summary>Lines of <c>PackInference()</c> that rebuild the op's packed inference copy from its parameters.</summary>
    public virtual void EmitInferencePacking(SourceWriter w, OpLayout op)
    {
    }

    /// <summary>The op's entries of the <c>TensorInfo</c> table.</summary>
    public virtual IEnumerable<string> TensorEntries(OpLayout op)
    {
        yield break;
    }

    /// <summary>The op's settings as <c>OperationInfo</c> initializers, e.g. <c>Epsilon = 1E-05f</c>; empty without settings.</summary>
    public virtual string OperationSettings(OpSpec op) => string.Empty;

    /// <summary>A <c>TensorInfo</c> table entry with the tensor's shape in PyTorch order.</summary>
    protected static string TensorEntry(string name, string role, string offsetConstant, params int[] shape) =>
        $"new(\"{name}\", {Code.Runtime}TensorRole.{role}, {offsetConstant}, {string.Join(", ", Array.ConvertAll(shape, Code.Int))}),";
}
