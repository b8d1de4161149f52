using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace DslNets.Kernels;

/// <summary>
/// Elementwise activations over <c>count</c> values (a batch flattened), forward and backward side by side.
/// Forward works in place when <c>output</c> and <c>input</c> are the same span.
/// </summary>
public static class ActivationKernels
{
    /// <summary><c>y = max(x, 0)</c>.</summary>
    public static void ReLUForward(Span<float> output, ReadOnlySpan<float> input, int count) =>
        TensorPrimitives.Max(input.Slice(0, count), 0f, output.Slice(0, count));

    /// <summary><c>dx = dy</c> where the output is positive, else 0 (the subgradient at 0 is 0, as in PyTorch).</summary>
    public static void ReLUBackward(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> output, int count)
    {
        Span<float> dx = inputGradient.Slice(0, count);
        ReadOnlySpan<float> dy = outputGradient.Slice(0, count), y = output.Slice(0, count);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= count; i += Vector512<float>.Count)
            {
                Vector512<float> positive = Vector512.GreaterThan(Vector512.Create(y.Slice(i, Vector512<float>.Count)), Vector512<float>.Zero);
                (Vector512.Create(dy.Slice(i, Vector512<float>.Count)) & positive).CopyTo(dx.Slice(i, Vector512<float>.Count));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= count; i += Vector256<float>.Count)
            {
                Vector256<float> positive = Vector256.GreaterThan(Vector256.Create(y.Slice(i, Vector256<float>.Count)), Vector256<float>.Zero);
                (Vector256.Create(dy.Slice(i, Vector256<float>.Count)) & positive).CopyTo(dx.Slice(i, Vector256<float>.Count));
            }
        }

        for (; i < count; i++)
            dx[i] = y[i] > 0f ? dy[i] : 0f;
    }

    /// <summary><c>y = x</c> for <c>x &gt; 0</c>, else <c>slope * x</c>.</summary>
    public static void LeakyReLUForward(Span<float> output, ReadOnlySpan<float> input, float slope, int count)
    {
        for (int i = 0; i < count; i++)
        {
            float x = input[i];
            output[i] = x > 0f ? x : slope * x;
        }
    }

    /// <summary><c>dx = dy</c> for <c>x &gt; 0</c>, else <c>slope * dy</c>.</summary>
    public static void LeakyReLUBackward(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, float slope, int count)
    {
        for (int i = 0; i < count; i++)
            inputGradient[i] = input[i] > 0f ? outputGradient[i] : slope * outputGradient[i];
    }

    /// <summary><c>y = tanh(x)</c>.</summary>
    public static void TanhForward(Span<float> output, ReadOnlySpan<float> input, int count) =>
        TensorPrimitives.Tanh(input.Slice(0, count), output.Slice(0, count));

    /// <summary><c>dx = dy * (1 - y^2)</c>.</summary>
    public static void TanhBackward(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> output, int count)
    {
        for (int i = 0; i < count; i++)
        {
            float y = output[i];
            inputGradient[i] = outputGradient[i] * (1f - y * y);
        }
    }

    /// <summary><c>y = 1 / (1 + exp(-x))</c>.</summary>
    public static void SigmoidForward(Span<float> output, ReadOnlySpan<float> input, int count) =>
        TensorPrimitives.Sigmoid(input.Slice(0, count), output.Slice(0, count));

    /// <summary><c>dx = dy * y * (1 - y)</c>.</summary>
    public static void SigmoidBackward(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> output, int count)
    {
        for (int i = 0; i < count; i++)
        {
            float y = output[i];
            inputGradient[i] = outputGradient[i] * y * (1f - y);
        }
    }

    /// <summary>
    /// <c>y = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt 2))</c> (PyTorch <c>nn.GELU()</c>, exact form), computed in
    /// double from <see cref="NormalCdf"/>.
    /// </summary>
    public static void GELUForward(Span<float> output, ReadOnlySpan<float> input, int count)
    {
        ReadOnlySpan<float> x = input.Slice(0, count);
        Span<float> y = output.Slice(0, count);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(v * NormalCdf(v));
        }
    }

    /// <summary><c>dx = dy * (Phi(x) + x * phi(x))</c>, <c>phi(x) = exp(-x^2 / 2) / sqrt(2 pi)</c>; reads the input.</summary>
    public static void GELUBackward(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, int count)
    {
        ReadOnlySpan<float> x = input.Slice(0, count), dy = outputGradient.Slice(0, count);
        Span<float> dx = inputGradient.Slice(0, count);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            dx[i] = (float)(dy[i] * (NormalCdf(v) + (v * Math.Exp(-0.5 * v * v) * InverseSqrtTwoPi)));
        }
    }

    private const double InverseSqrtTwoPi = 0.3989422804014327;

    // Numerical Recipes' erfc fit, t * exp(-a^2 + c0 + c1 t + ... + c9 t^9): c8 down to c0 for Horner's rule (c9 = 0.17087277).
    private static ReadOnlySpan<double> ErfcCoefficients =>
        [-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];

    /// <summary>
    /// The standard normal distribution function, <c>Phi(x) = erfc(-x / sqrt 2) / 2</c>, with erfc from the Chebyshev
    /// fit of Numerical Recipes (fractional error below 1.2e-7 for every argument), so far-negative inputs keep
    /// their relative precision instead of cancelling in <c>1 + erf</c>.
    /// </summary>
    private static double NormalCdf(double x)
    {
        double z = -x * 0.7071067811865476;
        double a = Math.Abs(z);
        double t = 1.0 / (1.0 + (0.5 * a));
        double series = 0.17087277;
        foreach (double coefficient in ErfcCoefficients)
            series = coefficient + (t * series);
        double erfcOfA = t * Math.Exp(-(a * a) + series);
        return 0.5 * (z >= 0 ? erfcOfA : 2.0 - erfcOfA);
    }

    /// <summary>Softmax over each row of <c>[B, F]</c>.</summary>
    public static void SoftmaxForward(Span<float> output, ReadOnlySpan<float> input, int batchSize, int features)
    {
        for (int b = 0; b < batchSize; b++)
            TensorPrimitives.SoftMax(input.Slice(b * features, features), output.Slice(b * features, features));
    }

    /// <summary>Per row: <c>dx = y * (dy - sum(dy * y))</c>.</summary>
    public static void SoftmaxBackward(Span<float> inputGradient, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> output, int batchSize, int features)
    {
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> y = output.Slice(b * features, features);
            ReadOnlySpan<float> dy = outputGradient.Slice(b * features, features);
            Span<float> dx = inputGradient.Slice(b * features, features);
            float dot = TensorPrimitives.Dot(dy, y);
            for (int f = 0; f < features; f++)
                dx[f] = y[f] * (dy[f] - dot);
        }
    }
}
