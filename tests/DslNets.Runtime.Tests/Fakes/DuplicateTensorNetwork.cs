namespace DslNets.Runtime.Tests;

/// <summary>Another network whose tensor list names its first tensor twice, so <c>Save</c> fails after it started.</summary>
internal sealed class DuplicateTensorNetwork(INetwork inner) : INetwork
{
    public string Name => inner.Name;

    public string Fingerprint => inner.Fingerprint;

    public int InputSize => inner.InputSize;

    public int OutputSize => inner.OutputSize;

    public int MaxBatch => inner.MaxBatch;

    public Loss Loss => inner.Loss;

    public Span<float> Parameters => inner.Parameters;

    public Span<float> Gradients => inner.Gradients;

    public Span<float> Buffers => inner.Buffers;

    public IReadOnlyList<TensorInfo> Tensors { get; } = [.. inner.Tensors, inner.Tensors[0]];

    public IReadOnlyList<OperationInfo> Operations => inner.Operations;

    public SeededRandom NoiseState
    {
        get => inner.NoiseState;
        set => inner.NoiseState = value;
    }

    public float DataLoss => inner.DataLoss;

    public float RegularizationLoss => inner.RegularizationLoss;

    public void Predict(ReadOnlySpan<float> input, Span<float> output) => inner.Predict(input, output);

    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => inner.Predict(inputs, outputs, batchSize);

    public void OnParametersChanged() => inner.OnParametersChanged();
}
