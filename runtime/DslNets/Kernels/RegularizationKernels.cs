using System;
using System.Numerics.Tensors;

namespace DslNets.Kernels;

/// <summary>L1 and L2 penalties on a weight matrix: each returns its loss term and adds its gradient.</summary>
public static class RegularizationKernels
{
    /// <summary>L2, Keras convention: returns <c>alpha * sum(w^2)</c>, adds <c>2 * alpha * w</c> to the gradient.</summary>
    public static float L2(Span<float> weightGradient, ReadOnlySpan<float> weight, float alpha)
    {
        TensorPrimitives.MultiplyAdd(weight, 2f * alpha, weightGradient, weightGradient);
        return alpha * TensorPrimitives.SumOfSquares(weight);
    }

    /// <summary>L1: returns <c>alpha * sum(|w|)</c>, adds <c>alpha * sign(w)</c> (sign(0) = 0) to the gradient.</summary>
    public static float L1(Span<float> weightGradient, ReadOnlySpan<float> weight, float alpha)
    {
        for (int i = 0; i < weight.Length; i++)
        {
            float w = weight[i];
            weightGradient[i] += w > 0f ? alpha : w < 0f ? -alpha : 0f;
        }

        return alpha * TensorPrimitives.SumOfMagnitudes(weight);
    }
}
