using System.Text.Json;
using DslNets.Serialization;
using DslNets.Training;

namespace DslNets.Reference.Tests;

/// <summary>
/// Each reference network loads PyTorch's state dict and must reproduce, to <see cref="Tolerance"/>, what PyTorch
/// computed from it: evaluation outputs, data and regularization loss, every gradient, the running statistics after
/// a step, and ten optimizer steps with a learning-rate schedule. Noise layers train with the same masks on both
/// sides: the fixture stores the generator state, the test sets <see cref="INetwork.NoiseState"/> to it and checks
/// that the runtime's mask kernels draw exactly the masks PyTorch multiplied by.
/// </summary>
public sealed class ReferenceTests
{
    public static TheoryData<string> Networks => new(ReferenceCases.Networks);

    public static TheoryData<string, int> BatchCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string network in ReferenceCases.Networks)
        {
            foreach (int batchSize in Fixture.Open(network).BatchSizes)
                data.Add(network, batchSize);
        }

        return data;
    }

    public static TheoryData<string, string> TraceCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string network in ReferenceCases.Networks)
        {
            foreach (JsonElement optimizer in Fixture.Open(network).MetadataJson("optimizers").EnumerateArray())
                data.Add(network, optimizer.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Fact]
    public void Fixtures_AreExactlyTheReferenceNetworks()
    {
        string[] expected = ReferenceCases.Networks
            .SelectMany(n => new[] { n + ".expected.safetensors", n + ".weights.safetensors" })
            .Order(StringComparer.Ordinal).ToArray();
        string[] found = System.IO.Directory.GetFiles(Fixture.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(expected, found);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Architecture_IsTheOneTheReferenceScriptDeclares(string name)
    {
        Fixture fixture = Fixture.Open(name);
        INetwork network = ReferenceCases.Create(name);
        JsonElement architecture = fixture.MetadataJson("architecture");
        Assert.Equal(architecture.GetProperty("input_size").GetInt32(), network.InputSize);
        Assert.Equal(architecture.GetProperty("max_batch").GetInt32(), network.MaxBatch);
        Assert.Equal(architecture.GetProperty("loss").GetString(), network.Loss.ToString());

        JsonElement[] operations = architecture.GetProperty("operations").EnumerateArray().ToArray();
        Assert.Equal(operations.Length, network.Operations.Count);
        for (int i = 0; i < operations.Length; i++)
        {
            JsonElement expected = operations[i];
            OperationInfo actual = network.Operations[i];
            string where = $"{name} operation {i} ({actual.Layer} {actual.Kind})";
            Assert.True(expected.GetProperty("layer").GetString() == actual.Layer, $"{where}: layer {expected.GetProperty("layer")} in the script");
            Assert.True(expected.GetProperty("kind").GetString() == actual.Kind.ToString(), $"{where}: kind {expected.GetProperty("kind")} in the script");
            Assert.True(expected.GetProperty("in").GetInt32() == actual.InFeatures, $"{where}: {expected.GetProperty("in")} inputs in the script");
            Assert.True(expected.GetProperty("out").GetInt32() == actual.OutFeatures, $"{where}: {expected.GetProperty("out")} outputs in the script");
            if (expected.TryGetProperty("bias", out JsonElement bias))
                Assert.True(bias.GetBoolean() == actual.HasBias, $"{where}: bias {bias} in the script");
            string norm = expected.TryGetProperty("norm", out JsonElement n) ? n.GetString()! : nameof(DenseNorm.None);
            Assert.True(norm == actual.Norm.ToString(), $"{where}: norm {norm} in the script, {actual.Norm} here");
            if (expected.TryGetProperty("value", out JsonElement value))
            {
                // The script's one "value" is the setting each kind names: slope, drop probability or Uout's beta.
                float setting = actual.Kind switch
                {
                    OperationKind.LeakyReLU => actual.NegativeSlope,
                    OperationKind.Uout => actual.Beta,
                    _ => actual.DropProbability,
                };
                Assert.True(value.GetSingle() == setting, $"{where}: value {value} in the script, {setting} here");
            }
            if (expected.TryGetProperty("momentum", out JsonElement momentum))
                Assert.True(momentum.GetSingle() == actual.Momentum, $"{where}: momentum {momentum} in the script, {actual.Momentum} here");
            if (expected.TryGetProperty("epsilon", out JsonElement epsilon))
                Assert.True(epsilon.GetSingle() == actual.Epsilon, $"{where}: epsilon {epsilon} in the script, {actual.Epsilon} here");
            if (expected.TryGetProperty("kernel", out JsonElement kernel))
            {
                Assert.True(kernel.GetInt32() == actual.KernelHeight && kernel.GetInt32() == actual.KernelWidth, $"{where}: kernel {kernel} in the script");
                Assert.True(expected.GetProperty("stride").GetInt32() == actual.StrideHeight, $"{where}: stride {expected.GetProperty("stride")} in the script");
                Assert.True(expected.GetProperty("padding").GetInt32() == actual.PaddingHeight, $"{where}: padding {expected.GetProperty("padding")} in the script");
            }

            if (expected.TryGetProperty("dilation", out JsonElement dilation))
                Assert.True(dilation.GetInt32() == actual.Dilation, $"{where}: dilation {dilation} in the script");
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Load_TakesThePyTorchStateDictAsIs(string name)
    {
        Fixture fixture = Fixture.Open(name);
        INetwork network = ReferenceCases.Load(fixture);
        SafetensorsFile stateDict;
        using (FileStream stream = File.OpenRead(fixture.WeightsPath))
            stateDict = SafetensorsFile.Read(stream);

        foreach (TensorInfo tensor in network.Tensors)
            Assert.Equal(stateDict.Tensors[tensor.Name].ToSingles(), ReferenceCases.Values(network, tensor).ToArray());
        // Everything else in PyTorch's state dict is its batch counter, which Load ignores.
        string[] extra = stateDict.Tensors.Keys.Except(network.Tensors.Select(t => t.Name)).ToArray();
        Assert.All(extra, n => Assert.EndsWith(".num_batches_tracked", n, StringComparison.Ordinal));
        Assert.Equal(network.Operations.Count(o => o.Kind == OperationKind.BatchNorm), extra.Length);
    }

    [Theory]
    [MemberData(nameof(BatchCases))]
    public void Predict_MatchesPyTorchInEvaluation(string name, int batchSize)
    {
        Fixture fixture = Fixture.Open(name);
        INetwork network = ReferenceCases.Load(fixture);
        float[] outputs = new float[batchSize * network.OutputSize];
        network.Predict(fixture.Floats($"b{batchSize}/inputs"), outputs, batchSize);
        Tolerance.AssertClose($"{name} b{batchSize} Predict", fixture.Floats($"b{batchSize}/eval_output"), outputs);

        // The single-sample overload runs the same computation.
        float[] first = new float[network.OutputSize];
        network.Predict(fixture.Floats($"b{batchSize}/inputs").AsSpan(0, network.InputSize), first);
        Tolerance.AssertClose($"{name} b{batchSize} Predict(sample 0)", fixture.Floats($"b{batchSize}/eval_output").AsSpan(0, network.OutputSize), first);
    }

    /// <summary>
    /// <c>PredictLogits</c> is Predict without the loss's link: the logits before softmax cross-entropy's softmax
    /// (FusedSoftmaxClassifier's trailing Softmax, BatchNormClassifier, DeepBatchNormTagger) and before binary
    /// cross-entropy's sigmoid (MultiLabelClassifier); for mean squared error it is what Predict returns.
    /// </summary>
    [Theory]
    [MemberData(nameof(BatchCases))]
    public void PredictLogits_MatchesPyTorchInEvaluation(string name, int batchSize)
    {
        Fixture fixture = Fixture.Open(name);
        INetwork network = ReferenceCases.Load(fixture);
        float[] logits = new float[batchSize * network.OutputSize];
        ((IForwardPasses)network).PredictLogits(fixture.Floats($"b{batchSize}/inputs"), logits, batchSize);
        Tolerance.AssertClose($"{name} b{batchSize} PredictLogits", fixture.Floats($"b{batchSize}/eval_logits"), logits);
    }

    /// <summary>
    /// <c>TrainingForward</c> against PyTorch's <c>model.train()</c> forward pass under <c>torch.no_grad()</c>, with the
    /// fixture's noise masks. Its side effects are PyTorch's: batch norm normalizes with the batch statistics and
    /// moves the running mean and (unbiased) running variance by its momentum, so after the call the buffers must
    /// equal the fixture's running statistics after that forward pass (DslNets keeps no <c>num_batches_tracked</c>
    /// counter; PyTorch's only matters for <c>momentum=None</c>, which DslNets does not offer). The noise generator
    /// advances exactly as a training step's forward pass does. Parameters and gradients do not change.
    /// </summary>
    [Theory]
    [MemberData(nameof(BatchCases))]
    public void TrainingForward_MatchesPyTorchInTraining(string name, int batchSize)
    {
        Fixture fixture = Fixture.Open(name);
        INetwork network = ReferenceCases.Load(fixture);
        string prefix = $"b{batchSize}/";
        bool noisy = fixture.Has(prefix + "noise_state");
        if (noisy)
            network.NoiseState = SameMasks(network, fixture, prefix, batchSize);
        float[] parameters = network.Parameters.ToArray();
        float[] gradients = network.Gradients.ToArray();
        float[] buffers = network.Buffers.ToArray();

        float[] outputs = new float[batchSize * network.OutputSize];
        ((IForwardPasses)network).TrainingForward(fixture.Floats(prefix + "inputs"), outputs, batchSize);

        var failures = new List<string>();
        Collect(failures, $"{name} {prefix}TrainingForward", fixture.Floats(prefix + "train_output"), outputs);
        foreach (TensorInfo tensor in network.Tensors.Where(t => !t.IsParameter))
            Collect(failures, $"{name} {prefix}{tensor.Name} after TrainingForward", fixture.Floats(prefix + "after/" + tensor.Name), ReferenceCases.Values(network, tensor));
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        Assert.Equal(parameters, network.Parameters.ToArray());
        Assert.Equal(gradients, network.Gradients.ToArray());
        // The fixture's running statistics differ from the initial ones, so the comparison above is the update itself.
        bool hasBatchNorm = network.Operations.Any(o => o.Kind == OperationKind.BatchNorm);
        Assert.Equal(hasBatchNorm, !buffers.SequenceEqual(network.Buffers.ToArray()));

        if (noisy)
        {
            // A training step from the same state leaves the generator where TrainingForward left it.
            INetwork stepped = ReferenceCases.Load(fixture);
            stepped.NoiseState = SeededRandom.FromState(fixture.UInts(prefix + "noise_state"));
            ReferenceCases.Train(stepped, fixture, prefix, -1, batchSize, optimizer: null);
            Assert.Equal(State(stepped.NoiseState), State(network.NoiseState));
            Assert.NotEqual(fixture.UInts(prefix + "noise_state"), State(network.NoiseState));
        }
    }

    private static uint[] State(SeededRandom random)
    {
        uint[] state = new uint[SeededRandom.StateLength];
        random.WriteState(state);
        return state;
    }

    [Theory]
    [MemberData(nameof(BatchCases))]
    public void ComputeGradients_MatchesPyTorch(string name, int batchSize)
    {
        Fixture fixture = Fixture.Open(name);
        INetwork network = ReferenceCases.Load(fixture);
        string prefix = $"b{batchSize}/";
        if (fixture.Has(prefix + "noise_state"))
            network.NoiseState = SameMasks(network, fixture, prefix, batchSize);

        float loss = ReferenceCases.Train(network, fixture, prefix, -1, batchSize, optimizer: null);

        var failures = new List<string>();
        float dataLoss = fixture.Scalar(prefix + "data_loss");
        float regularizationLoss = fixture.Scalar(prefix + "regularization_loss");
        Collect(failures, $"{name} {prefix}data_loss", [dataLoss], [network.DataLoss]);
        Collect(failures, $"{name} {prefix}regularization_loss", [regularizationLoss], [network.RegularizationLoss]);
        Collect(failures, $"{name} {prefix}returned loss", [dataLoss + regularizationLoss], [loss]);
        foreach (TensorInfo tensor in network.Tensors)
        {
            if (tensor.IsParameter)
                Collect(failures, $"{name} {prefix}grad/{tensor.Name}", fixture.Floats(prefix + "grad/" + tensor.Name), ReferenceCases.Gradient(network, tensor));
            else
                Collect(failures, $"{name} {prefix}{tensor.Name} after the step", fixture.Floats(prefix + "after/" + tensor.Name), ReferenceCases.Values(network, tensor));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(TraceCases))]
    public void TenSteps_MatchPyTorch(string name, string optimizerName)
    {
        Fixture fixture = Fixture.Open(name);
        INetwork network = ReferenceCases.Load(fixture);
        JsonElement spec = fixture.MetadataJson("optimizers").EnumerateArray().Single(o => o.GetProperty("name").GetString() == optimizerName);
        (Optimizer optimizer, LearningRateSchedule schedule) = ReferenceCases.CreateOptimizer(spec);
        float baseLearningRate = optimizer.LearningRate;
        if (fixture.Has("trace/noise_state"))
            network.NoiseState = SeededRandom.FromState(fixture.UInts("trace/noise_state"));
        int batchSize = (int)fixture.Tensor("trace/inputs").Shape[1];
        string prefix = $"trace/{optimizerName}/";
        float[] rates = fixture.Floats(prefix + "learning_rate");
        float[] losses = fixture.Floats(prefix + "loss");

        for (int t = 0; t < rates.Length; t++)
        {
            var failures = new List<string>();
            schedule.Apply(optimizer, baseLearningRate, t);
            Collect(failures, $"{name} {optimizerName} step {t} learning rate", [rates[t]], [optimizer.LearningRate]);
            float loss = ReferenceCases.Train(network, fixture, "trace/", t, batchSize, optimizer);
            Collect(failures, $"{name} {optimizerName} step {t} loss", [losses[t]], [loss]);
            foreach (TensorInfo tensor in network.Tensors)
                Collect(failures, $"{name} {optimizerName} after step {t}: {tensor.Name}", fixture.Floats(prefix + tensor.Name, t), ReferenceCases.Values(network, tensor));
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }

        float[] outputs = new float[batchSize * network.OutputSize];
        network.Predict(fixture.Floats("trace/inputs", 0), outputs, batchSize);
        Tolerance.AssertClose($"{name} {optimizerName} Predict after {rates.Length} steps", fixture.Floats(prefix + "eval_output"), outputs);
    }

    /// <summary>
    /// The generator state the fixture's masks were drawn from, after checking that the runtime's mask kernels draw
    /// exactly those masks from it (so the network and PyTorch multiply by the same values).
    /// </summary>
    private static SeededRandom SameMasks(INetwork network, Fixture fixture, string prefix, int batchSize)
    {
        SeededRandom state = SeededRandom.FromState(fixture.UInts(prefix + "noise_state"));
        List<float[]> masks = ReferenceCases.NoiseMasks(network, state, batchSize);
        Assert.NotEmpty(masks);
        for (int i = 0; i < masks.Count; i++)
            Assert.Equal(fixture.Floats($"{prefix}mask/{i}"), masks[i]);
        Assert.False(fixture.Has($"{prefix}mask/{masks.Count}"), "PyTorch drew more masks than the network has noise layers.");
        return state;
    }

    private static void Collect(List<string> failures, string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (Tolerance.Check(what, expected, actual) is { } failure)
            failures.Add(failure);
    }
}
