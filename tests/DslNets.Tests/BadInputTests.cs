using DslNets.Tests.Networks;

namespace DslNets.Tests;

/// <summary>Bad calls throw a clear exception before anything is written: the model stays as it was.</summary>
public class BadInputTests
{
    private static readonly float[] Inputs = TestData.Uniform(4 * 6, 1);
    private static readonly int[] Labels = [0, 1, 2, 3];

    public static TheoryData<string, string, string> TrainingCalls => new()
    {
        { "inputs too short", "inputs", "Expected inputs.Length == 24 (4 x 6), got 23." },
        { "inputs too long", "inputs", "Expected inputs.Length == 24 (4 x 6), got 30." },
        { "labels too short", "labels", "Expected labels.Length == 4 (4 x 1), got 3." },
        { "label too large", "labels", "labels[2] = 4 is not a class index: expected a value in [0, 4)." },
        { "label negative", "labels", "labels[0] = -1 is not a class index: expected a value in [0, 4)." },
        { "batch zero", "batchSize", "batchSize must be between 1 and MaxBatch = 32." },
        { "batch over max", "batchSize", "batchSize must be between 1 and MaxBatch = 32." },
        { "batch norm with one sample", "batchSize", "batch normalization needs batchSize >= 2 (got 1)" },
    };

    [Theory]
    [MemberData(nameof(TrainingCalls))]
    public void TrainStep_WithBadArguments_Throws_AndLeavesModelAndOptimizerUnchanged(string call, string parameter, string message)
    {
        var network = new EveryLayerNet();
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        network.TrainStep(Inputs, Labels, 4, optimizer);
        float[] before = TestData.Snapshot(network);
        float[] velocity = optimizer.Velocity.ToArray();
        SeededRandom noise = network.NoiseState;

        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => BadCall(call, (x, y, n) => network.TrainStep(x, y, n, optimizer)));

        Assert.Equal(parameter, exception.ParamName);
        Assert.Contains(message, exception.Message);
        Assert.Equal(before, TestData.Snapshot(network));
        Assert.Equal(velocity, optimizer.Velocity.ToArray());
        Assert.Equal(noise, network.NoiseState);
    }

    [Theory]
    [MemberData(nameof(TrainingCalls))]
    public void ComputeGradients_WithBadArguments_Throws_AndLeavesModelUnchanged(string call, string parameter, string message)
    {
        var network = new EveryLayerNet();
        network.ComputeGradients(Inputs, Labels, 4);
        float[] before = TestData.Snapshot(network);

        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => BadCall(call, (x, y, n) => network.ComputeGradients(x, y, n)));

        Assert.Equal(parameter, exception.ParamName);
        Assert.Contains(message, exception.Message);
        Assert.Equal(before, TestData.Snapshot(network));
    }

    [Fact]
    public void TrainStep_WithOptimizerBoundToAnotherNetwork_Throws_AndLeavesModelUnchanged()
    {
        var other = new XorNet();
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        other.TrainStep([0, 0, 1, 1], [0, 0], 2, optimizer);
        var network = new EveryLayerNet();
        float[] before = TestData.Snapshot(network);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => network.TrainStep(Inputs, Labels, 4, optimizer));

        Assert.Contains($"bound to {XorNet.ParameterCount} parameters", exception.Message);
        Assert.Equal(before, TestData.Snapshot(network));
    }

    [Fact]
    public void TrainStep_WithNullOptimizer_Throws_AndLeavesModelUnchanged()
    {
        var network = new EveryLayerNet();
        float[] before = TestData.Snapshot(network);

        ArgumentNullException exception = Assert.Throws<ArgumentNullException>(() => network.TrainStep(Inputs, Labels, 4, null!));

        Assert.Equal("optimizer", exception.ParamName);
        Assert.Equal(before, TestData.Snapshot(network));
    }

    [Theory]
    [InlineData(5, 4, "input", "Expected input.Length == 6 (1 x 6), got 5.")]
    [InlineData(6, 3, "output", "Expected output.Length == 4 (1 x 4), got 3.")]
    public void PredictSingle_WithWrongSpanLength_Throws(int inputLength, int outputLength, string parameter, string message)
    {
        var network = new EveryLayerNet();
        ArgumentException exception = Assert.Throws<ArgumentException>(() => network.Predict(new float[inputLength], new float[outputLength]));
        Assert.Equal(parameter, exception.ParamName);
        Assert.Equal(message + $" (Parameter '{parameter}')", exception.Message);
    }

    [Theory]
    [InlineData(0, 0, 0, "batchSize", "batchSize must be between 1 and MaxBatch = 32.")]
    [InlineData(33, 33 * 6, 33 * 4, "batchSize", "batchSize must be between 1 and MaxBatch = 32.")]
    [InlineData(2, 13, 8, "inputs", "Expected inputs.Length == 12 (2 x 6), got 13.")]
    [InlineData(2, 12, 9, "outputs", "Expected outputs.Length == 8 (2 x 4), got 9.")]
    public void PredictBatch_WithBadArguments_Throws(int batchSize, int inputLength, int outputLength, string parameter, string message)
    {
        var network = new EveryLayerNet();
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => network.Predict(new float[inputLength], new float[outputLength], batchSize));
        Assert.Equal(parameter, exception.ParamName);
        Assert.Contains(message, exception.Message);
    }

    [Fact]
    public void FloatTargets_WithWrongLength_Throw_NamingTargets()
    {
        var network = new TanhNet();
        float[] before = TestData.Snapshot(network);
        ArgumentException exception = Assert.Throws<ArgumentException>(() => network.ComputeGradients(new float[8], new float[5], 2));
        Assert.Equal("targets", exception.ParamName);
        Assert.Contains("Expected targets.Length == 6 (2 x 3), got 5.", exception.Message);
        Assert.Equal(before, TestData.Snapshot(network));
    }

    private static void BadCall(string call, Func<float[], int[], int, float> train)
    {
        _ = call switch
        {
            "inputs too short" => train(Inputs[..23], Labels, 4),
            "inputs too long" => train([.. Inputs, 0, 0, 0, 0, 0, 0], Labels, 4),
            "labels too short" => train(Inputs, Labels[..3], 4),
            "label too large" => train(Inputs, [0, 1, 4, 3], 4),
            "label negative" => train(Inputs, [-1, 1, 2, 3], 4),
            "batch zero" => train([], [], 0),
            "batch over max" => train(new float[33 * 6], new int[33], 33),
            "batch norm with one sample" => train(Inputs[..6], Labels[..1], 1),
            _ => throw new ArgumentOutOfRangeException(nameof(call)),
        };
    }
}
