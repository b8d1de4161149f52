using DslNets;
using DslNets.Serialization;

[Network(InputSize = 4, MaxBatch = 32, Loss = Loss.SoftmaxCrossEntropy, Seed = 1)]
public partial class TinyClassifier
{
    [Dense(16, Bias = false), BatchNorm, ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

public static class RoundTrip
{
    // PyTorch -> DslNets: load PyTorch's state dict and predict the first 8 samples as PyTorch did.
    public static float LoadFromPyTorch(TinyClassifier model, string directory)
    {
        using (var file = File.OpenRead(Path.Combine(directory, "torch.safetensors")))
            model.Load(file); // PyTorch's names and shapes; its num_batches_tracked is ignored
        var data = ReadTensors(Path.Combine(directory, "data.safetensors"));
        float[] probabilities = new float[8 * TinyClassifier.OutputSize];
        model.Predict(data["x"].AsSpan(0, 8 * TinyClassifier.InputSize), probabilities, 8);
        return probabilities.Zip(data["probabilities"]).Max(p => MathF.Abs(p.First - p.Second)); // largest difference
    }

    // DslNets -> PyTorch: train one more epoch here, save the weights and what DslNets predicts for PyTorch to check.
    public static void TrainAndSave(TinyClassifier model, string directory)
    {
        var data = ReadTensors(Path.Combine(directory, "data.safetensors"));
        int[] labels = Array.ConvertAll(data["y"], y => (int)y);
        var optimizer = new Adam(1e-2f);
        for (int i = 0; i + 32 <= labels.Length; i += 32)
            model.TrainStep(data["x"].AsSpan(i * 4, 32 * 4), labels.AsSpan(i, 32), 32, optimizer);

        using (var file = File.Create(Path.Combine(directory, "dslnets.safetensors")))
            model.Save(file);
        float[] probabilities = new float[8 * 3];
        model.Predict(data["x"].AsSpan(0, 8 * 4), probabilities, 8);
        var predictions = new Dictionary<string, SafetensorsTensor> { ["probabilities"] = SafetensorsTensor.FromSingles(probabilities, 8, 3) };
        using (var file = File.Create(Path.Combine(directory, "dslnets-predictions.safetensors")))
            new SafetensorsFile(predictions).Write(file);
    }

    private static Dictionary<string, float[]> ReadTensors(string path)
    {
        using var file = File.OpenRead(path);
        return SafetensorsFile.Read(file).Tensors.ToDictionary(t => t.Key, t => t.Value.ToSingles());
    }
}
