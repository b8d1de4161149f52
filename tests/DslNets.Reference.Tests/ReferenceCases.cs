using System.Text.Json;
using DslNets.Kernels;
using DslNets.Training;

namespace DslNets.Reference.Tests;

/// <summary>Builds the networks of <see cref="ReferenceNetworks"/> by name and feeds them the fixtures' batches.</summary>
internal static class ReferenceCases
{
    // Every network the fixtures describe, in the order of NETWORKS in make_fixtures.py.
    private static readonly (string Name, Func<INetwork> Create)[] s_networks =
    [
        (nameof(BatchNormClassifier), () => new BatchNormClassifier()),
        (nameof(LayerNormRegressor), () => new LayerNormRegressor()),
        (nameof(MultiLabelClassifier), () => new MultiLabelClassifier()),
        (nameof(SoftmaxRegressor), () => new SoftmaxRegressor()),
        (nameof(FusedSoftmaxClassifier), () => new FusedSoftmaxClassifier()),
        (nameof(NoisyRegressor), () => new NoisyRegressor()),
        (nameof(DeepBatchNormTagger), () => new DeepBatchNormTagger()),
        (nameof(WeightNormClassifier), () => new WeightNormClassifier()),
        (nameof(CosineRegressor), () => new CosineRegressor()),
        (nameof(ConvClassifier), () => new ConvClassifier()),
        (nameof(ConvTagger), () => new ConvTagger()),
    ];

    public static IEnumerable<string> Networks => s_networks.Select(n => n.Name);

    public static INetwork Create(string network) =>
        s_networks.SingleOrDefault(n => n.Name == network).Create?.Invoke()
            ?? throw new ArgumentOutOfRangeException(nameof(network), network, "Not a reference network.");

    /// <summary>A new network with the fixture's PyTorch state dict loaded through <c>Load</c>.</summary>
    public static INetwork Load(Fixture fixture)
    {
        INetwork network = Create(fixture.Network);
        using FileStream stream = File.OpenRead(fixture.WeightsPath);
        network.Load(stream);
        return network;
    }

    /// <summary>
    /// <c>ComputeGradients</c> (no optimizer) or <c>TrainStep</c> on the fixture's inputs and targets; <paramref name="step"/>
    /// selects one batch of a stacked trace, -1 takes the whole tensor.
    /// </summary>
    public static float Train(INetwork network, Fixture fixture, string prefix, int step, int batchSize, IOptimizer? optimizer)
    {
        float[] inputs = step < 0 ? fixture.Floats(prefix + "inputs") : fixture.Floats(prefix + "inputs", step);
        switch (network)
        {
            case INetwork<int> classifier:
                int[] labels = fixture.Labels(prefix + "targets", step);
                return optimizer is null
                    ? classifier.ComputeGradients(inputs, labels, batchSize)
                    : classifier.TrainStep(inputs, labels, batchSize, optimizer);
            case INetwork<float> regressor:
                float[] targets = step < 0 ? fixture.Floats(prefix + "targets") : fixture.Floats(prefix + "targets", step);
                return optimizer is null
                    ? regressor.ComputeGradients(inputs, targets, batchSize)
                    : regressor.TrainStep(inputs, targets, batchSize, optimizer);
            default:
                throw new ArgumentException($"{network.Name} trains neither on labels nor on float targets.", nameof(network));
        }
    }

    /// <summary>The values of <paramref name="tensor"/> in the network's parameter or buffer span.</summary>
    public static ReadOnlySpan<float> Values(INetwork network, TensorInfo tensor) =>
        (tensor.IsParameter ? network.Parameters : network.Buffers).Slice(tensor.Offset, tensor.Length);

    /// <summary>The same values in the gradient span.</summary>
    public static ReadOnlySpan<float> Gradient(INetwork network, TensorInfo tensor) =>
        network.Gradients.Slice(tensor.Offset, tensor.Length);

    /// <summary>
    /// The noise masks a training pass of <paramref name="batchSize"/> samples draws from <paramref name="state"/>, in
    /// execution order, through the runtime's own mask kernels (what the generated code calls).
    /// </summary>
    public static List<float[]> NoiseMasks(INetwork network, SeededRandom state, int batchSize)
    {
        var masks = new List<float[]>();
        foreach (OperationInfo operation in network.Operations)
        {
            // Spatial dropout draws one entry per sample and channel.
            int count = batchSize * (operation.Kind == OperationKind.SpatialDropout ? operation.InputShape[0] : operation.InFeatures);
            float[] mask = new float[count];
            switch (operation.Kind)
            {
                case OperationKind.Dropout or OperationKind.SpatialDropout:
                    NoiseKernels.DropoutMask(mask, ref state, operation.DropProbability, count);
                    break;
                case OperationKind.GaussianDropout:
                    NoiseKernels.GaussianDropoutMask(mask, ref state, operation.DropProbability, count);
                    break;
                case OperationKind.Uout:
                    NoiseKernels.UoutMask(mask, ref state, operation.Beta, count);
                    break;
                default:
                    continue;
            }

            masks.Add(mask);
        }

        return masks;
    }

    /// <summary>The optimizer a trace describes (make_fixtures.py OPTIMIZERS), with its learning-rate schedule.</summary>
    public static (Optimizer Optimizer, LearningRateSchedule Schedule) CreateOptimizer(JsonElement spec)
    {
        float lr = spec.GetProperty("lr").GetSingle();
        float weightDecay = spec.GetProperty("weight_decay").GetSingle();
        Optimizer optimizer = spec.GetProperty("kind").GetString() switch
        {
            "SGD" => new Sgd(lr, spec.GetProperty("momentum").GetSingle(), spec.GetProperty("nesterov").GetBoolean(), weightDecay),
            "Adam" => new Adam(lr, spec.GetProperty("beta1").GetSingle(), spec.GetProperty("beta2").GetSingle(), spec.GetProperty("eps").GetSingle(), weightDecay),
            "AdamW" => new AdamW(lr, weightDecay, spec.GetProperty("beta1").GetSingle(), spec.GetProperty("beta2").GetSingle(), spec.GetProperty("eps").GetSingle()),
            string other => throw new InvalidDataException($"Unknown optimizer kind '{other}' in the fixture."),
            null => throw new InvalidDataException("An optimizer without a kind in the fixture."),
        };
        return (optimizer, CreateSchedule(spec.GetProperty("schedule")));
    }

    /// <summary>The DslNets schedule for a PyTorch <c>lr_scheduler</c> description.</summary>
    public static LearningRateSchedule CreateSchedule(JsonElement spec) => spec.GetProperty("kind").GetString() switch
    {
        "StepLR" => LearningRateSchedule.Step(spec.GetProperty("step_size").GetInt32(), spec.GetProperty("gamma").GetSingle()),
        "CosineAnnealingLR" => LearningRateSchedule.Cosine(spec.GetProperty("t_max").GetInt32()),
        // DslNets' Cosine after its period, written in PyTorch as a LambdaLR clamped to the period.
        "ClampedCosine" => LearningRateSchedule.Cosine(spec.GetProperty("t_max").GetInt32(), spec.GetProperty("eta_min").GetSingle()),
        "LinearLR" => LearningRateSchedule.Linear(
            spec.GetProperty("start_factor").GetSingle(), spec.GetProperty("end_factor").GetSingle(), spec.GetProperty("total_iters").GetInt32()),
        "SequentialLR" => CreateSchedule(spec.GetProperty("first"))
            .Then(CreateSchedule(spec.GetProperty("second")), spec.GetProperty("milestone").GetInt32()),
        string other => throw new InvalidDataException($"Unknown schedule kind '{other}' in the fixture."),
        null => throw new InvalidDataException("A schedule without a kind in the fixture."),
    };
}
