using DslNets;
using DslNets.Testing;

namespace DslNets.Tests;

/// <summary>Batch norm, dropout and softmax: every difference between training and inference a debugger wants to see.</summary>
[Network(InputSize = 4, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 31)]
public partial class DebugNet
{
    [Dense(6, Bias = false), BatchNorm, ReLU, Dropout(0.3)]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// The hooks for comparing a network with PyTorch layer by layer: <c>PredictLogits</c> (inference without the
/// output link) and <c>TrainingForward</c> (the training-mode forward pass without a gradient step).
/// </summary>
public class DebuggingHookTests
{
    private const int Batch = 5;

    [Fact]
    public void PredictLogits_AreWhatPredictTurnsIntoProbabilities()
    {
        var network = new DebugNet();
        network.TrainStep(TestData.Gaussian(8 * 4, seed: 1), TestData.Labels(8, 3, seed: 1), 8, new Sgd(0.1f)); // running statistics away from 0 and 1
        float[] inputs = TestData.Gaussian(Batch * 4, seed: 2);
        float[] logits = new float[Batch * 3];
        float[] probabilities = new float[Batch * 3];

        network.PredictLogits(inputs, logits, Batch);
        network.Predict(inputs, probabilities, Batch);

        for (int b = 0; b < Batch; b++)
        {
            double[] exp = [.. logits.AsSpan(b * 3, 3).ToArray().Select(z => Math.Exp(z))];
            for (int c = 0; c < 3; c++)
                Assert.Equal(exp[c] / exp.Sum(), probabilities[b * 3 + c], 1e-6);
        }

        Assert.NotEqual(probabilities, logits);
        float[] single = new float[3];
        network.PredictLogits(inputs.AsSpan(0, 4), single);
        Assert.Equal(logits[..3], single);
    }

    [Fact]
    public void TrainingForward_IsTheForwardPassOfComputeGradients_WithoutChangingWeightsOrGradients()
    {
        float[] inputs = TestData.Gaussian(Batch * 4, seed: 3);
        int[] labels = TestData.Labels(Batch, 3, seed: 3);
        var forward = new DebugNet();
        var trained = new DebugNet();
        float[] parameters = forward.Parameters.ToArray();
        float[] logits = new float[Batch * 3];

        forward.TrainingForward(inputs, logits, Batch);
        trained.ComputeGradients(inputs, labels, Batch);

        // Same batch statistics, same running-statistics update, same dropout masks: the loss of these logits is
        // the data loss ComputeGradients reported.
        double loss = 0;
        for (int b = 0; b < Batch; b++)
        {
            double[] z = [.. logits.AsSpan(b * 3, 3).ToArray().Select(v => (double)v)];
            loss += Math.Log(z.Sum(Math.Exp)) - z[labels[b]];
        }

        Assert.Equal(trained.DataLoss, loss / Batch, 1e-5);
        Assert.Equal(trained.Buffers.ToArray(), forward.Buffers.ToArray());
        Assert.Equal(State(trained.NoiseState), State(forward.NoiseState));
        Assert.Equal(parameters, forward.Parameters.ToArray());
        Assert.All(forward.Gradients.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void TrainingForward_DrawsNewDropoutMasks_WhilePredictLogitsIsDeterministic()
    {
        var network = new DebugNet();
        float[] inputs = TestData.Gaussian(Batch * 4, seed: 4);
        float[] first = new float[Batch * 3], second = new float[Batch * 3];

        network.TrainingForward(inputs, first, Batch);
        network.TrainingForward(inputs, second, Batch);
        Assert.NotEqual(first, second);

        network.PredictLogits(inputs, first, Batch);
        network.PredictLogits(inputs, second, Batch);
        Assert.Equal(first, second);
    }

    [Fact]
    public void TrainingForward_BadArguments_ThrowNamingThem_AndChangeNothing()
    {
        var network = new DebugNet();
        float[] before = TestData.Snapshot(network);

        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => network.TrainingForward(new float[Batch * 4], new float[Batch * 3 - 1], Batch)).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => network.TrainingForward(new float[3], new float[3], 1)).ParamName);
        Assert.Contains("batch normalization needs batchSize >= 2", Assert.ThrowsAny<ArgumentException>(() => network.TrainingForward(new float[4], new float[3], 1)).Message);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => network.PredictLogits(new float[4], new float[2])).ParamName);
        Assert.Equal(before, TestData.Snapshot(network));
    }

    [Fact]
    public void TrainingForwardAndPredictLogits_AllocateNothing()
    {
        var network = new DebugNet();
        float[] inputs = TestData.Gaussian(Batch * 4, seed: 5);
        float[] outputs = new float[Batch * 3];
        network.TrainingForward(inputs, outputs, Batch);
        network.PredictLogits(inputs, outputs, Batch);

        Assert.Equal(0, Allocations.InWindow(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                network.TrainingForward(inputs, outputs, Batch);
                network.PredictLogits(inputs, outputs, Batch);
            }
        }));
    }

    private static uint[] State(SeededRandom random)
    {
        var state = new uint[SeededRandom.StateLength];
        random.WriteState(state);
        return state;
    }
}
