using DslNets.Kernels;

namespace DslNets.Runtime.Tests.Fakes;

/// <summary>
/// A hand-written softmax regression standing in for a generated network: <c>linear.weight [C, I]</c> and
/// <c>linear.bias [C]</c> as parameters, and BN-like running statistics of the logits
/// (<c>linear.bn.running_mean</c>, <c>linear.bn.running_var</c>, momentum 0.1, unbiased variance) as buffers, so
/// every runtime path that treats Parameters and Buffers differently is exercised. The running statistics do not
/// affect predictions. Training adds Gaussian noise (std 0.01 unless told otherwise) to the logits from <see cref="NoiseState"/>, standing
/// in for dropout, so a checkpoint that forgot the noise state would not resume identically.
/// </summary>
internal sealed class LinearSoftmaxNetwork : INetwork<int>
{
    private const float Momentum = 0.1f;

    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _buffers;
    private readonly float[] _logits;
    private readonly float[] _logitsGradient;
    private readonly float _noiseStandardDeviation;
    private SeededRandom _noise;

    public LinearSoftmaxNetwork(int inputSize, int classes, int maxBatch, long seed = 1, float noiseStandardDeviation = 0.01f)
    {
        _noiseStandardDeviation = noiseStandardDeviation;
        InputSize = inputSize;
        OutputSize = classes;
        MaxBatch = maxBatch;
        ParameterCount = classes * inputSize + classes;
        _parameters = new float[ParameterCount];
        _gradients = new float[ParameterCount];
        _buffers = new float[2 * classes];
        _buffers.AsSpan(classes).Fill(1f);
        _logits = new float[maxBatch * classes];
        _logitsGradient = new float[maxBatch * classes];
        _noise = new SeededRandom(seed, stream: 1);
        var random = new SeededRandom(seed);
        Initialization.GlorotUniform(_parameters.AsSpan(0, classes * inputSize), ref random, inputSize, classes);
        Tensors =
        [
            new TensorInfo("linear.weight", TensorRole.Weight, 0, classes, inputSize),
            new TensorInfo("linear.bias", TensorRole.Bias, classes * inputSize, classes, 0),
            new TensorInfo("linear.bn.running_mean", TensorRole.RunningMean, 0, classes, 0),
            new TensorInfo("linear.bn.running_var", TensorRole.RunningVariance, classes, classes, 0),
        ];
        Operations = [new OperationInfo("Linear", "linear", OperationKind.Dense, inputSize, classes) { HasBias = true }];
    }

    public int ParameterCount { get; }

    /// <summary>How often <see cref="OnParametersChanged"/> was called.</summary>
    public int ParametersChangedCount { get; private set; }

    public string Name => nameof(LinearSoftmaxNetwork);

    public string Fingerprint => $"LinearSoftmax(in={InputSize}, classes={OutputSize}); loss=SoftmaxCrossEntropy";

    public int InputSize { get; }

    public int OutputSize { get; }

    public int MaxBatch { get; }

    public Loss Loss => Loss.SoftmaxCrossEntropy;

    public int TargetsPerSample => 1;

    public Span<float> Parameters => _parameters;

    public Span<float> Gradients => _gradients;

    public Span<float> Buffers => _buffers;

    public IReadOnlyList<TensorInfo> Tensors { get; }

    public IReadOnlyList<OperationInfo> Operations { get; }

    public SeededRandom NoiseState
    {
        get => _noise;
        set => _noise = value;
    }

    public float DataLoss { get; private set; }

    public float RegularizationLoss => 0f;

    private ReadOnlySpan<float> Weight => _parameters.AsSpan(0, OutputSize * InputSize);

    private ReadOnlySpan<float> Bias => _parameters.AsSpan(OutputSize * InputSize, OutputSize);

    public void Predict(ReadOnlySpan<float> input, Span<float> output) => Predict(input, output, 1);

    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        NetworkArguments.CheckBatchSize(batchSize, MaxBatch);
        NetworkArguments.CheckLength(inputs.Length, batchSize, InputSize, nameof(inputs));
        NetworkArguments.CheckLength(outputs.Length, batchSize, OutputSize, nameof(outputs));
        PredictLogits(inputs, outputs, batchSize);
        ActivationKernels.SoftmaxForward(outputs, outputs, batchSize, OutputSize);
    }

    public void PredictLogits(ReadOnlySpan<float> input, Span<float> output) => PredictLogits(input, output, 1);

    public void PredictLogits(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        NetworkArguments.CheckBatchSize(batchSize, MaxBatch);
        NetworkArguments.CheckLength(inputs.Length, batchSize, InputSize, nameof(inputs));
        NetworkArguments.CheckLength(outputs.Length, batchSize, OutputSize, nameof(outputs));
        DenseKernels.Forward(outputs, inputs, Weight, Bias, batchSize, InputSize, OutputSize);
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, int batchSize)
    {
        NetworkArguments.CheckBatchSize(batchSize, MaxBatch);
        NetworkArguments.CheckLength(inputs.Length, batchSize, InputSize, nameof(inputs));
        NetworkArguments.CheckLength(targets.Length, batchSize, 1, nameof(targets));
        NetworkArguments.CheckLabels(targets, OutputSize, nameof(targets));
        int classes = OutputSize;
        Span<float> logits = _logits.AsSpan(0, batchSize * classes);
        Span<float> logitsGradient = _logitsGradient.AsSpan(0, batchSize * classes);
        DenseKernels.Forward(logits, inputs, Weight, Bias, batchSize, InputSize, classes);
        if (_noiseStandardDeviation > 0f)
        {
            for (int i = 0; i < logits.Length; i++)
                logits[i] += _noiseStandardDeviation * _noise.NextGaussian();
        }
        float loss = LossKernels.SoftmaxCrossEntropy(logitsGradient, logits, targets, batchSize, classes);
        DenseKernels.Backward(
            Span<float>.Empty, _gradients.AsSpan(0, classes * InputSize), _gradients.AsSpan(classes * InputSize, classes),
            logitsGradient, inputs, Weight, batchSize, InputSize, classes);

        // running = (1 - momentum) * running + momentum * batch statistic, unbiased variance.
        for (int c = 0; c < classes; c++)
        {
            float mean = 0f;
            for (int b = 0; b < batchSize; b++)
                mean += logits[b * classes + c];
            mean /= batchSize;
            float variance = 0f;
            for (int b = 0; b < batchSize; b++)
                variance += (logits[b * classes + c] - mean) * (logits[b * classes + c] - mean);
            _buffers[c] = (1f - Momentum) * _buffers[c] + Momentum * mean;
            if (batchSize > 1)
                _buffers[classes + c] = (1f - Momentum) * _buffers[classes + c] + Momentum * variance / (batchSize - 1);
        }

        DataLoss = loss;
        return loss;
    }

    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, int batchSize, IOptimizer optimizer)
    {
        NetworkArguments.CheckOptimizer(optimizer, ParameterCount);
        float loss = ComputeGradients(inputs, targets, batchSize);
        optimizer.Step(_parameters, _gradients);
        return loss;
    }

    public void OnParametersChanged() => ParametersChangedCount++;
}
