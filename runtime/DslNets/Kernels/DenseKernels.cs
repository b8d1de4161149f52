using System;
using System.Numerics.Tensors;

namespace DslNets.Kernels;

/// <summary>
/// Fully connected layer kernels, llm.c style: forward and backward side by side, outputs first, sizes last.
/// Shapes: input <c>[B, I]</c>, weight <c>[O, I]</c> (row-major, PyTorch layout), bias <c>[O]</c>, output <c>[B, O]</c>.
/// The overloads with runtime sizes here are the plain reference; generated networks call the shape-specialized
/// overloads (<c>Forward&lt;TIn, TOut&gt;</c>, in <c>DenseKernels.Specialized.cs</c>).
/// </summary>
public static partial class DenseKernels
{
    /// <summary><c>output[b, o] = bias[o] + sum_i input[b, i] * weight[o, i]</c>. An empty bias means no bias.</summary>
    public static void Forward(
        Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int batchSize, int inFeatures, int outFeatures)
    {
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * inFeatures, inFeatures);
            Span<float> y = output.Slice(b * outFeatures, outFeatures);
            for (int o = 0; o < outFeatures; o++)
            {
                float sum = TensorPrimitives.Dot(x, weight.Slice(o * inFeatures, inFeatures));
                y[o] = bias.IsEmpty ? sum : sum + bias[o];
            }
        }
    }

    /// <summary>
    /// Gradients of <see cref="Forward"/>: <c>dWeight = dOutput^T * input</c>, <c>dBias = sum_b dOutput</c> (both
    /// overwritten), and <c>dInput = dOutput * weight</c> unless <paramref name="inputGradient"/> is empty (the
    /// first layer needs no input gradient).
    /// </summary>
    public static void Backward(
        Span<float> inputGradient, Span<float> weightGradient, Span<float> biasGradient,
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        int batchSize, int inFeatures, int outFeatures)
    {
        // dWeight[o, :] = sum_b dOutput[b, o] * input[b, :]
        weightGradient.Slice(0, outFeatures * inFeatures).Clear();
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * inFeatures, inFeatures);
            ReadOnlySpan<float> dy = outputGradient.Slice(b * outFeatures, outFeatures);
            for (int o = 0; o < outFeatures; o++)
            {
                Span<float> dw = weightGradient.Slice(o * inFeatures, inFeatures);
                TensorPrimitives.MultiplyAdd(x, dy[o], dw, dw);
            }
        }

        if (!biasGradient.IsEmpty)
        {
            biasGradient.Slice(0, outFeatures).Clear();
            for (int b = 0; b < batchSize; b++)
                TensorPrimitives.Add(biasGradient, outputGradient.Slice(b * outFeatures, outFeatures), biasGradient);
        }

        if (inputGradient.IsEmpty)
            return;

        // dInput[b, :] = sum_o dOutput[b, o] * weight[o, :]
        for (int b = 0; b < batchSize; b++)
        {
            Span<float> dx = inputGradient.Slice(b * inFeatures, inFeatures);
            ReadOnlySpan<float> dy = outputGradient.Slice(b * outFeatures, outFeatures);
            dx.Clear();
            for (int o = 0; o < outFeatures; o++)
                TensorPrimitives.MultiplyAdd(weight.Slice(o * inFeatures, inFeatures), dy[o], dx, dx);
        }
    }
}
