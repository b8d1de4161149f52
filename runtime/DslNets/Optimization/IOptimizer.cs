using System;

namespace DslNets;

/// <summary>
/// Updates a parameter buffer from its gradient. State (momentum, moments) is allocated once, when the optimizer
/// is first bound to a buffer size; stepping allocates nothing.
/// </summary>
public interface IOptimizer
{
    /// <summary>The current learning rate (schedules set it between steps).</summary>
    float LearningRate { get; set; }

    /// <summary>
    /// Prepares the optimizer for a buffer of <paramref name="parameterCount"/> values: allocates its state on the
    /// first call and throws <see cref="ArgumentException"/> when it is already bound to another size. Networks
    /// call it before they touch anything, so a mismatched optimizer leaves the model unchanged.
    /// </summary>
    void Bind(int parameterCount);

    /// <summary>Applies one update to <paramref name="parameters"/> using <paramref name="gradients"/>.</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>
    /// <see cref="Step(Span{float}, ReadOnlySpan{float})"/> over whole arrays, which (unlike spans) helper threads can
    /// reach: the built-in optimizers split the update across <see cref="Threading.KernelThreads.Count"/> threads for
    /// large buffers, with the same values as one thread. Generated networks call it.
    /// </summary>
    void StepArrays(float[] parameters, float[] gradients) => Step(parameters.AsSpan(), gradients);
}
