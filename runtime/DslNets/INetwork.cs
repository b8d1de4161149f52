using System;
using System.Collections.Generic;

namespace DslNets;

/// <summary>
/// What every generated network exposes to the runtime (trainer, serialization, export). The generated class
/// implements it; users normally call the generated members directly.
/// </summary>
public interface INetwork
{
    /// <summary>The declaring class's name, as written.</summary>
    string Name { get; }

    /// <summary>
    /// A stable text describing the architecture (sizes, layers, operations and their settings, loss). Two networks
    /// with the same fingerprint have the same parameter layout.
    /// </summary>
    string Fingerprint { get; }

    /// <summary>Number of input features per sample.</summary>
    int InputSize { get; }

    /// <summary>Number of outputs per sample.</summary>
    int OutputSize { get; }

    /// <summary>The largest batch the network accepts.</summary>
    int MaxBatch { get; }

    /// <summary>The training loss.</summary>
    Loss Loss { get; }

    /// <summary>All learnable parameters in one contiguous buffer; <see cref="Tensors"/> describes its layout.</summary>
    Span<float> Parameters { get; }

    /// <summary>The gradient of the last <c>ComputeGradients</c> call, laid out exactly like <see cref="Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>Non-learnable state (batch-norm running statistics), laid out as <see cref="Tensors"/> describes.</summary>
    Span<float> Buffers { get; }

    /// <summary>Every tensor of the network in layout order, with its PyTorch state-dict name and shape.</summary>
    IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The operations in execution order (what <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> computes).</summary>
    IReadOnlyList<OperationInfo> Operations { get; }

    /// <summary>
    /// The state of the generator that draws dropout and noise masks in training. Save and restore it to replay the
    /// same masks (checkpoints do, so a resumed run is bit-identical).
    /// </summary>
    SeededRandom NoiseState { get; set; }

    /// <summary>The mean data loss over the batch of the last training step.</summary>
    float DataLoss { get; }

    /// <summary>The L1/L2 penalty of the last training step (already included in the returned loss).</summary>
    float RegularizationLoss { get; }

    /// <summary>
    /// Inference for one sample (running statistics, no noise). <paramref name="input"/> has
    /// <see cref="InputSize"/> values, <paramref name="output"/> <see cref="OutputSize"/>.
    /// </summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Inference for <paramref name="batchSize"/> samples stored row after row.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

    /// <summary>
    /// As <see cref="Predict(ReadOnlySpan{float}, Span{float})"/>, but <paramref name="output"/> receives the raw
    /// outputs of the last layer (logits), what the loss reads: before the softmax of
    /// <see cref="Loss.SoftmaxCrossEntropy"/> or the sigmoid of <see cref="Loss.BinaryCrossEntropy"/>; for
    /// <see cref="Loss.MeanSquaredError"/> the same values as <c>Predict</c>.
    /// </summary>
    void PredictLogits(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>As <see cref="PredictLogits(ReadOnlySpan{float}, Span{float})"/> for <paramref name="batchSize"/> samples stored row after row.</summary>
    void PredictLogits(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

    /// <summary>
    /// Tells the network that <see cref="Parameters"/> or <see cref="Buffers"/> were written from outside
    /// (a weight load, a hand edit), so anything derived from them is recomputed before the next use.
    /// </summary>
    void OnParametersChanged();
}

/// <summary>A network that trains against targets of type <typeparamref name="TTarget"/>.</summary>
/// <typeparam name="TTarget"><see cref="int"/> class labels for softmax cross-entropy, <see cref="float"/> targets otherwise.</typeparam>
public interface INetwork<TTarget> : INetwork
    where TTarget : unmanaged
{
    /// <summary>Targets per sample: 1 class label, or <see cref="INetwork.OutputSize"/> float targets.</summary>
    int TargetsPerSample { get; }

    /// <summary>
    /// Training-mode forward pass, loss, backward pass and regularization for a batch: fills
    /// <see cref="INetwork.Gradients"/>, updates running statistics and returns data loss + regularization loss.
    /// </summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int batchSize);

    /// <summary><see cref="ComputeGradients"/> followed by one step of <paramref name="optimizer"/>.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int batchSize, IOptimizer optimizer);
}
