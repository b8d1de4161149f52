using System;

namespace DslNets;

/// <summary>Argument checks and one-time state allocation shared by the optimizers.</summary>
internal static class OptimizerState
{
    /// <summary>Allocates <paramref name="state"/> once for <paramref name="parameterCount"/> values.</summary>
    public static void Bind(ref float[]? state, int parameterCount, bool needed)
    {
        if (parameterCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount, "The parameter count must be positive.");
        if (!needed)
            return;
        if (state is null)
        {
            state = new float[parameterCount];
        }
        else if (state.Length != parameterCount)
        {
            throw new ArgumentException(
                $"This optimizer is bound to {state.Length} parameters and cannot step a buffer of {parameterCount}; create one optimizer per network.",
                nameof(parameterCount));
        }
    }

    public static void CheckStep(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException($"Expected gradients.Length == parameters.Length = {parameters.Length}, got {gradients.Length}.", nameof(gradients));
    }
}
