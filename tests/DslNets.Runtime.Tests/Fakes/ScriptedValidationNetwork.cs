namespace DslNets.Runtime.Tests.Fakes;

/// <summary>
/// A network whose validation loss follows a script, for early-stopping tests. Its one parameter counts training
/// steps (the gradient is always -1, so <c>Sgd(1)</c> adds 1 per step) and its one buffer counts them too; after
/// epoch <c>e</c> (1-based) <see cref="Predict(ReadOnlySpan{float}, Span{float}, int)"/> gives class 0 the
/// probability <c>exp(-curve[e - 1])</c> (<see cref="PredictLogits(ReadOnlySpan{float}, Span{float}, int)"/> its
/// logarithm), so the validation loss on class-0 labels is exactly <c>curve[e - 1]</c> up to float rounding.
/// </summary>
internal sealed class ScriptedValidationNetwork(float[] curve, int stepsPerEpoch) : INetwork<int>
{
    private readonly float[] _parameters = new float[1];
    private readonly float[] _gradients = new float[1];
    private readonly float[] _buffers = new float[1];

    public string Name => nameof(ScriptedValidationNetwork);

    public string Fingerprint => "Scripted";

    public int InputSize => 1;

    public int OutputSize => 2;

    public int MaxBatch => 4;

    public Loss Loss => Loss.SoftmaxCrossEntropy;

    public int TargetsPerSample => 1;

    public Span<float> Parameters => _parameters;

    public Span<float> Gradients => _gradients;

    public Span<float> Buffers => _buffers;

    public IReadOnlyList<TensorInfo> Tensors { get; } =
    [
        new TensorInfo("counter.weight", TensorRole.Weight, 0, 1, 0),
        new TensorInfo("counter.bn.running_mean", TensorRole.RunningMean, 0, 1, 0),
    ];

    public IReadOnlyList<OperationInfo> Operations { get; } = [];

    /// <summary>This fake draws no noise; the state is only stored and returned.</summary>
    public SeededRandom NoiseState { get; set; } = new(0, 1);

    public float DataLoss => 1f;

    public float RegularizationLoss => 0f;

    public void Predict(ReadOnlySpan<float> input, Span<float> output) => Predict(input, output, 1);

    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        int epoch = (int)MathF.Round(_parameters[0]) / stepsPerEpoch;
        float p = MathF.Exp(-curve[epoch - 1]);
        for (int b = 0; b < batchSize; b++)
        {
            outputs[2 * b] = p;
            outputs[2 * b + 1] = 1f - p;
        }
    }

    /// <summary>The log-probabilities of <see cref="Predict(ReadOnlySpan{float}, Span{float}, int)"/>: logits whose softmax is that prediction.</summary>
    public void PredictLogits(ReadOnlySpan<float> input, Span<float> output) => PredictLogits(input, output, 1);

    public void PredictLogits(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        Predict(inputs, outputs, batchSize);
        for (int i = 0; i < 2 * batchSize; i++)
            outputs[i] = MathF.Log(outputs[i]);
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, int batchSize)
    {
        _gradients[0] = -1f;
        _buffers[0] += 1f;
        return 1f;
    }

    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, int batchSize, IOptimizer optimizer)
    {
        NetworkArguments.CheckOptimizer(optimizer, 1);
        float loss = ComputeGradients(inputs, targets, batchSize);
        optimizer.Step(_parameters, _gradients);
        return loss;
    }

    public void OnParametersChanged()
    {
    }
}
