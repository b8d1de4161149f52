using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace DslNets;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and (coupled, L2-style) weight decay, in
/// PyTorch's formulation (<c>torch.optim.SGD</c>, dampening 0):
/// <code>
/// g = g + weightDecay * p                  (when weightDecay &gt; 0)
/// v = momentum * v + g                     (v starts at 0, so the first step sets v = g)
/// p -= lr * v                              (plain momentum)
/// p -= lr * (g + momentum * v)             (Nesterov)
/// p -= lr * g                              (momentum 0)
/// </code>
/// </summary>
public sealed class Sgd : Optimizer
{
    private float[]? _velocity;
    private float[]? _decayedGradients;

    /// <param name="learningRate">Step size, positive.</param>
    /// <param name="momentum">Momentum factor in [0, 1); 0 disables momentum.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs a positive momentum).</param>
    /// <param name="weightDecay">Coupled weight decay added to the gradient (PyTorch <c>weight_decay</c>), in [0, ∞).</param>
    public Sgd(float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
        : base(learningRate)
    {
        if (!(momentum >= 0f && momentum < 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1).");
        if (nesterov && momentum == 0f)
            throw new ArgumentException("Nesterov momentum needs a positive momentum.", nameof(nesterov));
        if (!(weightDecay >= 0f) || float.IsInfinity(weightDecay))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be non-negative and finite.");
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    /// <summary>The momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>The coupled weight decay (added to the gradient before momentum).</summary>
    public float WeightDecay { get; }

    /// <summary>The momentum buffer (empty before the first <see cref="Optimizer.Bind"/> or without momentum).</summary>
    public Span<float> Velocity => _velocity;

    /// <inheritdoc/>
    public override string Description => $"SGD(momentum={Momentum:R}, nesterov={Nesterov}, weight_decay={WeightDecay:R})";

    /// <inheritdoc/>
    protected override float[]?[] StateBuffers => [_velocity];

    /// <inheritdoc/>
    protected override void AllocateState(int parameterCount)
    {
        if (Momentum > 0f)
            _velocity = new float[parameterCount];
        if (WeightDecay > 0f)
            _decayedGradients = new float[parameterCount];
    }

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step) =>
        UpdateRange(parameters, gradients, step, 0);

    private protected override bool UpdatesElementwise => true;

    private protected override void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, long step, int offset)
    {
        float lr = LearningRate;
        int count = parameters.Length;
        if (_decayedGradients is not null)
        {
            // g = g + wd * p
            Span<float> decayed = _decayedGradients.AsSpan(offset, count);
            TensorPrimitives.MultiplyAdd(parameters, WeightDecay, gradients, decayed);
            gradients = decayed;
        }

        if (_velocity is null)
        {
            TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
            return;
        }

        Span<float> velocity = _velocity.AsSpan(offset, count);
        if (Nesterov)
        {
            TensorPrimitives.MultiplyAdd(velocity, Momentum, gradients, velocity);
            // p -= lr * (g + momentum * v), as two fused steps so nothing is allocated.
            TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
            TensorPrimitives.MultiplyAdd(velocity, -lr * Momentum, parameters, parameters);
        }
        else
        {
            MomentumStep(parameters, velocity, gradients, Momentum, -lr);
        }
    }

    /// <summary>
    /// <c>v = momentum * v + g; p = -lr * v + p</c> in one pass: the buffers are larger than L2, and one pass
    /// moves five streams instead of the six of two <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
    /// calls. Same operations in the same order (multiply, then add), so the same values.
    /// </summary>
    private static void MomentumStep(Span<float> parameters, Span<float> velocity, ReadOnlySpan<float> gradients, float momentum, float negativeLearningRate)
    {
        int count = parameters.Length, width = Vector<float>.Count, i = 0;
        velocity = velocity.Slice(0, count);
        gradients = gradients.Slice(0, count);
        Vector<float> m = new(momentum), step = new(negativeLearningRate);
        for (; i + width <= count; i += width)
        {
            Vector<float> v = new Vector<float>(velocity.Slice(i, width)) * m + new Vector<float>(gradients.Slice(i, width));
            v.CopyTo(velocity.Slice(i, width));
            (v * step + new Vector<float>(parameters.Slice(i, width))).CopyTo(parameters.Slice(i, width));
        }

        for (; i < count; i++)
        {
            float v = velocity[i] * momentum + gradients[i];
            velocity[i] = v;
            parameters[i] = v * negativeLearningRate + parameters[i];
        }
    }
}
