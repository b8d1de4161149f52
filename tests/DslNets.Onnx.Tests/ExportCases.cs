using DslNets.Onnx.Tests.Networks;

namespace DslNets.Onnx.Tests;

/// <summary>
/// The test networks, each trained a few steps (so batch-norm running statistics and weights are far from their
/// initial values) before it is exported.
/// </summary>
internal static class ExportCases
{
    public const int TrainingBatch = 64;
    public const int TrainingSteps = 5;

    /// <summary>Every network under test: together they cover every operation kind, every loss, and a graph without computing nodes.</summary>
    public static readonly string[] Names =
    [
        nameof(EveryOperationNet),
        nameof(MultiLabelNet),
        nameof(RegressionNet),
        nameof(TrailingSoftmaxNet),
        nameof(SoftmaxRegressionNet),
        nameof(NoiseOnlyNet),
        nameof(NormalizedDenseNet),
        nameof(EveryImageOperationNet),
        nameof(GlobalPoolNet),
        nameof(ImplicitFlattenNet),
        nameof(WinogradNet),
    ];

    public static INetwork CreateTrained(string name) => name switch
    {
        nameof(EveryOperationNet) => TrainOnLabels(new EveryOperationNet()),
        nameof(MultiLabelNet) => TrainOnTargets(new MultiLabelNet(), low: 0f, high: 1f),
        nameof(RegressionNet) => TrainOnTargets(new RegressionNet(), low: -2f, high: 2f),
        nameof(TrailingSoftmaxNet) => TrainOnLabels(new TrailingSoftmaxNet()),
        nameof(SoftmaxRegressionNet) => TrainOnTargets(new SoftmaxRegressionNet(), low: 0f, high: 1f),
        nameof(EveryImageOperationNet) => TrainOnLabels(new EveryImageOperationNet()),
        nameof(GlobalPoolNet) => TrainOnLabels(new GlobalPoolNet()),
        nameof(ImplicitFlattenNet) => TrainOnTargets(new ImplicitFlattenNet(), low: -1f, high: 1f),
        nameof(WinogradNet) => TrainOnLabels(new WinogradNet()),
        nameof(NoiseOnlyNet) => new NoiseOnlyNet(), // no parameters: nothing to train (optimizers refuse an empty model)
        nameof(NormalizedDenseNet) => TrainOnLabels(new NormalizedDenseNet()),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown test network."),
    };

    /// <summary>
    /// Inputs off-centre and wider than unit variance, so batch norm's running mean and variance move away from
    /// 0 and 1 and an export that ignored them would be caught.
    /// </summary>
    public static float[] Inputs(int batchSize, int inputSize, long seed) =>
        Gaussian(batchSize * inputSize, seed, mean: 0.7f, std: 2f);

    public static byte[] Export(INetwork network, OnnxExportOptions? options = null)
    {
        using var stream = new MemoryStream();
        network.ExportOnnx(stream, options ?? OnnxExportOptions.Default);
        return stream.ToArray();
    }

    private static T TrainOnLabels<T>(T network)
        where T : INetwork<int>
    {
        var optimizer = new Sgd(0.05f, momentum: 0.5f);
        var random = new SeededRandom(7, 1);
        for (int step = 0; step < TrainingSteps; step++)
        {
            int[] labels = new int[TrainingBatch];
            for (int i = 0; i < labels.Length; i++)
                labels[i] = random.NextInt32(network.OutputSize);
            network.TrainStep(Inputs(TrainingBatch, network.InputSize, 100 + step), labels, TrainingBatch, optimizer);
        }

        return network;
    }

    private static T TrainOnTargets<T>(T network, float low, float high)
        where T : INetwork<float>
    {
        var optimizer = new Sgd(0.05f, momentum: 0.5f);
        var random = new SeededRandom(7, 2);
        for (int step = 0; step < TrainingSteps; step++)
        {
            float[] targets = new float[TrainingBatch * network.OutputSize];
            for (int i = 0; i < targets.Length; i++)
                targets[i] = random.NextSingle(low, high);
            network.TrainStep(Inputs(TrainingBatch, network.InputSize, 200 + step), targets, TrainingBatch, optimizer);
        }

        return network;
    }

    private static float[] Gaussian(int count, long seed, float mean, float std)
    {
        var random = new SeededRandom(seed, 3);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = mean + std * random.NextGaussian();
        return values;
    }
}
