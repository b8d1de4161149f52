using System;
using System.Numerics.Tensors;

namespace DslNets;

/// <summary>
/// Stochastic gradient descent with optional momentum and Nesterov momentum, in PyTorch's formulation:
/// <c>v = momentum * v + g</c>; <c>p -= lr * v</c> (or <c>p -= lr * (g + momentum * v)</c> with Nesterov).
/// </summary>
public sealed class Sgd : IOptimizer
{
    private float[]? _velocity;

    /// <param name="learningRate">Step size, positive.</param>
    /// <param name="momentum">Momentum factor in [0, 1); 0 disables momentum.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs a positive momentum).</param>
    public Sgd(float learningRate, float momentum = 0f, bool nesterov = false)
    {
        if (!(learningRate > 0f) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        if (!(momentum >= 0f && momentum < 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1).");
        if (nesterov && momentum == 0f)
            throw new ArgumentException("Nesterov momentum needs a positive momentum.", nameof(nesterov));
        LearningRate = learningRate;
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>The momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>The momentum buffer (empty before the first <see cref="Bind"/> or without momentum).</summary>
    public Span<float> Velocity => _velocity;

    /// <inheritdoc/>
    public void Bind(int parameterCount)
    {
        OptimizerState.Bind(ref _velocity, parameterCount, Momentum > 0f);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        OptimizerState.CheckStep(parameters, gradients);
        Bind(parameters.Length);
        if (_velocity is null)
        {
            TensorPrimitives.MultiplyAdd(gradients, -LearningRate, parameters, parameters);
            return;
        }

        Span<float> velocity = _velocity;
        TensorPrimitives.MultiplyAdd(velocity, Momentum, gradients, velocity);
        if (Nesterov)
        {
            // p -= lr * (g + momentum * v), as two fused steps so nothing is allocated.
            TensorPrimitives.MultiplyAdd(gradients, -LearningRate, parameters, parameters);
            TensorPrimitives.MultiplyAdd(velocity, -LearningRate * Momentum, parameters, parameters);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(velocity, -LearningRate, parameters, parameters);
        }
    }
}
