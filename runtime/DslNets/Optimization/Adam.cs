using System;
using System.Numerics;

namespace DslNets;

/// <summary>
/// What Adam and AdamW share: the moment estimates <c>m</c> and <c>v</c> with PyTorch's bias-corrected update,
/// their hyper-parameters and the weight decay (which the two apply differently).
/// </summary>
public abstract class AdamOptimizer : Optimizer
{
    private protected AdamOptimizer(float learningRate, float beta1, float beta2, float epsilon, float weightDecay)
        : base(learningRate)
    {
        Moments = new AdamMoments(beta1, beta2, epsilon);
        if (!(weightDecay >= 0f) || float.IsInfinity(weightDecay))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be non-negative and finite.");
        WeightDecay = weightDecay;
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 => Moments.Beta1;

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 => Moments.Beta2;

    /// <summary>Added to the denominator.</summary>
    public float Epsilon => Moments.Epsilon;

    /// <summary>The weight decay coefficient (coupled for <see cref="Adam"/>, decoupled for <see cref="AdamW"/>).</summary>
    public float WeightDecay { get; }

    /// <summary>The first moment estimate <c>m</c> (empty before binding).</summary>
    public ReadOnlySpan<float> FirstMoment => Moments.First;

    /// <summary>The second moment estimate <c>v</c> (empty before binding).</summary>
    public ReadOnlySpan<float> SecondMoment => Moments.Second;

    /// <inheritdoc/>
    public override string Description => $"{GetType().Name}(beta1={Beta1:R}, beta2={Beta2:R}, eps={Epsilon:R}, weight_decay={WeightDecay:R})";

    private protected AdamMoments Moments { get; }

    /// <inheritdoc/>
    protected override float[]?[] StateBuffers => [Moments.First, Moments.Second];

    /// <inheritdoc/>
    protected override void AllocateState(int parameterCount) => Moments.Allocate(parameterCount);

    /// <inheritdoc/>
    protected sealed override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step) =>
        UpdateRange(parameters, gradients, step, 0);

    private protected override bool UpdatesElementwise => true;
}

/// <summary>
/// Adam (Kingma and Ba, 2015) as <c>torch.optim.Adam</c> computes it (amsgrad off), with optional coupled L2 weight
/// decay added to the gradient:
/// <code>
/// g = g + weightDecay * p                           (when weightDecay &gt; 0)
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g * g
/// p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// <c>t</c> is the step number, starting at 1. For decoupled weight decay use <see cref="AdamW"/>.
/// </summary>
public sealed class Adam : AdamOptimizer
{
    /// <param name="learningRate">Step size, positive (PyTorch default 1e-3).</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator, positive.</param>
    /// <param name="weightDecay">Coupled L2 weight decay added to the gradient (PyTorch <c>weight_decay</c>), in [0, ∞).</param>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    private protected override void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, long step, int offset) =>
        Moments.Update(parameters, gradients, LearningRate, step, offset, gradientDecay: WeightDecay, parameterScale: 1f);
}

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019) as <c>torch.optim.AdamW</c> computes it: the weight decay is applied to the
/// parameters directly and never enters the moments or the adaptive denominator:
/// <code>
/// p *= 1 - lr * weightDecay
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g * g
/// p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// </summary>
public sealed class AdamW : AdamOptimizer
{
    /// <param name="learningRate">Step size, positive (PyTorch default 1e-3).</param>
    /// <param name="weightDecay">Decoupled weight decay, in [0, ∞) (PyTorch default 1e-2): each step multiplies the parameters by <c>1 - lr * weightDecay</c>.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator, positive.</param>
    public AdamW(float learningRate = 1e-3f, float weightDecay = 1e-2f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    private protected override void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, long step, int offset) =>
        Moments.Update(parameters, gradients, LearningRate, step, offset, gradientDecay: 0f, parameterScale: WeightDecay > 0f ? 1f - LearningRate * WeightDecay : 1f);
}

/// <summary>The moment estimates and the bias-corrected update Adam and AdamW share.</summary>
internal sealed class AdamMoments
{
    public AdamMoments(float beta1, float beta2, float epsilon)
    {
        if (!(beta1 >= 0f && beta1 < 1f))
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f))
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon > 0f) || float.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive and finite.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public float Beta1 { get; }

    public float Beta2 { get; }

    public float Epsilon { get; }

    public float[]? First { get; private set; }

    public float[]? Second { get; private set; }

    public void Allocate(int parameterCount)
    {
        First = new float[parameterCount];
        Second = new float[parameterCount];
    }

    /// <summary>
    /// The update of parameters <c>[offset, offset + parameters.Length)</c> (the moments are indexed from
    /// <paramref name="offset"/>), in one pass: every element goes through
    /// <code>
    /// p = p * parameterScale                           (AdamW's decoupled decay; 1 otherwise)
    /// g = p * gradientDecay + g                        (Adam's coupled decay, when gradientDecay &gt; 0)
    /// m = m * beta1;  m = g * (1 - beta1) + m
    /// v = v * beta2;  v = (g * g) * (1 - beta2) + v
    /// p = (m / (sqrt(v) / sqrt(1 - beta2^t) + eps)) * -(lr / (1 - beta1^t)) + p
    /// </code>
    /// each a separately rounded multiply, add, divide or square root, as the ten TensorPrimitives passes it
    /// replaces computed them, so the values are the same. Ten passes over buffers larger than L2 took 488 us for
    /// 235 k parameters; TensorPrimitives has no operation with several outputs to fuse them.
    /// </summary>
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate, long step, int offset, float gradientDecay, float parameterScale)
    {
        int count = parameters.Length;
        Span<float> m = First!.AsSpan(offset, count);
        Span<float> v = Second!.AsSpan(offset, count);
        gradients = gradients.Slice(0, count);

        // Bias corrections in double: beta^t for large t underflows gracefully to 0 and the correction to 1.
        double biasCorrection1 = 1.0 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, step);
        float stepSize = (float)(learningRate / biasCorrection1);
        float biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
        float oneMinusBeta1 = 1f - Beta1, oneMinusBeta2 = 1f - Beta2;
        bool coupled = gradientDecay > 0f;

        int width = Vector<float>.Count, i = 0;
        Vector<float> scale = new(parameterScale), decay = new(gradientDecay), beta1 = new(Beta1), beta2 = new(Beta2);
        Vector<float> keep1 = new(oneMinusBeta1), keep2 = new(oneMinusBeta2), correction2 = new(biasCorrection2Sqrt);
        Vector<float> epsilon = new(Epsilon), step1 = new(-stepSize);
        for (; i + width <= count; i += width)
        {
            Vector<float> p = new Vector<float>(parameters.Slice(i, width)) * scale;
            Vector<float> g = new(gradients.Slice(i, width));
            if (coupled)
                g = p * decay + g;
            Vector<float> mi = new Vector<float>(m.Slice(i, width)) * beta1;
            mi = g * keep1 + mi;
            Vector<float> vi = new Vector<float>(v.Slice(i, width)) * beta2;
            vi = g * g * keep2 + vi;
            Vector<float> direction = mi / (Vector.SquareRoot(vi) / correction2 + epsilon);
            mi.CopyTo(m.Slice(i, width));
            vi.CopyTo(v.Slice(i, width));
            (direction * step1 + p).CopyTo(parameters.Slice(i, width));
        }

        for (; i < count; i++)
        {
            float p = parameters[i] * parameterScale;
            float g = gradients[i];
            if (coupled)
                g = p * gradientDecay + g;
            float mi = m[i] * Beta1;
            mi = g * oneMinusBeta1 + mi;
            float vi = v[i] * Beta2;
            vi = g * g * oneMinusBeta2 + vi;
            float direction = mi / (MathF.Sqrt(vi) / biasCorrection2Sqrt + Epsilon);
            m[i] = mi;
            v[i] = vi;
            parameters[i] = direction * -stepSize + p;
        }
    }
}
