using System;
using System.Numerics.Tensors;

namespace DslNets.Kernels;

/// <summary>
/// Losses on logits <c>[B, C]</c>: each computes the mean loss over the batch and writes the gradient of that mean
/// with respect to the logits in the same pass.
/// </summary>
public static class LossKernels
{
    /// <summary>
    /// Softmax cross-entropy with integer labels (PyTorch <c>CrossEntropyLoss</c>, reduction mean):
    /// <c>loss = mean_b(logsumexp(z_b) - z_b[label_b])</c>, <c>dz = (softmax(z) - onehot(label)) / B</c>.
    /// </summary>
    public static float SoftmaxCrossEntropy(
        Span<float> logitsGradient, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batchSize, int classes)
    {
        double total = 0;
        float scale = 1f / batchSize;
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> z = logits.Slice(b * classes, classes);
            Span<float> dz = logitsGradient.Slice(b * classes, classes);
            float max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, dz);
            TensorPrimitives.Exp(dz, dz);
            float sum = TensorPrimitives.Sum(dz);
            int label = labels[b];
            total += Math.Log(sum) + max - z[label];
            TensorPrimitives.Multiply(dz, scale / sum, dz);
            dz[label] -= scale;
        }

        return (float)(total / batchSize);
    }

    /// <summary>
    /// Mean squared error over every element (PyTorch <c>MSELoss</c>, reduction mean):
    /// <c>loss = mean((y - t)^2)</c>, <c>dy = 2 (y - t) / (B * C)</c>.
    /// </summary>
    public static float MeanSquaredError(
        Span<float> outputGradient, ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int batchSize, int features)
    {
        int count = batchSize * features;
        Span<float> diff = outputGradient.Slice(0, count);
        TensorPrimitives.Subtract(output.Slice(0, count), targets.Slice(0, count), diff);
        float loss = TensorPrimitives.SumOfSquares(diff) / count;
        TensorPrimitives.Multiply(diff, 2f / count, diff);
        return loss;
    }

    /// <summary>
    /// Binary cross-entropy on logits, over every element (PyTorch <c>BCEWithLogitsLoss</c>, reduction mean), in
    /// the stable form <c>max(z, 0) - z t + log(1 + exp(-|z|))</c>; <c>dz = (sigmoid(z) - t) / (B * C)</c>.
    /// </summary>
    public static float BinaryCrossEntropy(
        Span<float> logitsGradient, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int batchSize, int features)
    {
        int count = batchSize * features;
        double total = 0;
        float scale = 1f / count;
        for (int i = 0; i < count; i++)
        {
            float z = logits[i];
            float t = targets[i];
            total += Math.Max(z, 0f) - z * t + Math.Log(1.0 + Math.Exp(-Math.Abs(z)));
            float p = 1f / (1f + MathF.Exp(-z));
            logitsGradient[i] = (p - t) * scale;
        }

        return (float)(total / count);
    }
}
