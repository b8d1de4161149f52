namespace DslNets.Testing;

/// <summary>
/// A real network whose <see cref="INetwork.Tensors"/> list is replaced (a tensor dropped, or named twice), to test what
/// <c>Save</c> and <c>ExportOnnx</c> do with a tensor list that does not match the network. Linked into the test
/// projects that need it.
/// </summary>
internal sealed class TensorListOverride(INetwork inner, IReadOnlyList<TensorInfo> tensors) : INetwork
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

    public IReadOnlyList<TensorInfo> Tensors => tensors;

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

    public void PredictLogits(ReadOnlySpan<float> input, Span<float> output) => inner.PredictLogits(input, output);

    public void PredictLogits(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => inner.PredictLogits(inputs, outputs, batchSize);

    public void OnParametersChanged() => inner.OnParametersChanged();
}
