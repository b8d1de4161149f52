using DslNets.Data;
using DslNets.Tests.Networks;
using DslNets.Training;

namespace DslNets.Tests;

/// <summary>A batch norm straight on a two-channel image: one sample holds nine values per channel.</summary>
[Network(InputShape = new[] { 2, 3, 3 }, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 9)]
public partial class ImageBatchNormNet
{
    [BatchNorm(Momentum = 0.25)]
    public partial DenseLayer Norm { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>A per-channel batch norm after a convolution and a per-feature one after a dense layer.</summary>
[Network(InputShape = new[] { 1, 4, 4 }, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 10)]
public partial class ConvAndDenseBatchNormNet
{
    [Conv2D(2, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU]
    public partial ConvLayer Conv { get; }

    [Dense(4, Bias = false), BatchNorm, ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>A convolution whose kernel covers its whole input: the batch norm after it sees one pixel per sample.</summary>
[Network(InputShape = new[] { 1, 3, 3 }, MaxBatch = 8, Loss = Loss.SoftmaxCrossEntropy, Seed = 11)]
public partial class OnePixelBatchNormNet
{
    [Conv2D(2, 3, Bias = false), BatchNorm, ReLU, Flatten]
    public partial ConvLayer Conv { get; }

    [Dense(3)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Training with a batch of one sample, as PyTorch allows it: <c>BatchNorm2d</c> refuses only one value per channel
/// (<c>N * H * W == 1</c>), so one image of more than one pixel trains, with the running variance's unbiased divisor
/// <c>N * H * W - 1</c>; a batch norm after a dense layer (or on one pixel) still needs two samples.
/// </summary>
public class BatchNormBatchOfOneTests
{
    [Fact]
    public void ImageBatchNorm_TrainsOneSample_WithPyTorchsRunningStatistics()
    {
        var network = new ImageBatchNormNet();
        float[] input = TestData.Uniform(ImageBatchNormNet.InputSize, 71);
        float[] logits = new float[ImageBatchNormNet.OutputSize];

        network.TrainingForward(input, logits, batchSize: 1);

        // PyTorch: running = (1 - momentum) * running + momentum * batch, the variance over the channel's N*H*W = 9
        // values with the divisor 9 - 1; the running statistics start at mean 0 and variance 1.
        for (int c = 0; c < 2; c++)
        {
            double[] values = input.AsSpan(c * 9, 9).ToArray().Select(v => (double)v).ToArray();
            double mean = values.Average();
            double unbiased = values.Sum(v => (v - mean) * (v - mean)) / (9 - 1);
            Assert.Equal(0.25 * mean, network.Norm.RunningMean[c], 5);
            Assert.Equal(0.75 + 0.25 * unbiased, network.Norm.RunningVar[c], 5);
        }

        Assert.All(logits, l => Assert.True(float.IsFinite(l)));
        float loss = network.TrainStep(input, [2], batchSize: 1, new Sgd(0.1f));
        Assert.True(float.IsFinite(loss), $"loss {loss}");
    }

    [Fact]
    public void ConvBatchNorm_TrainsOneSample_InTheTrainerToo()
    {
        var network = new SmallCnn();
        float[] before = network.Parameters.ToArray();
        var data = new Dataset<int>(TestData.Uniform(3 * SmallCnn.InputSize, 72), [0, 1, 3], SmallCnn.InputSize, 1);
        var trainer = new Trainer<int>(network, new Sgd(0.05f), new TrainerOptions { BatchSize = 1, Epochs = 1, Shuffle = false });

        trainer.Fit(data);

        Assert.Equal(3, trainer.BatchesTrained);
        Assert.NotEqual(before, network.Parameters.ToArray());
        Assert.All(network.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));
    }

    [Fact]
    public void OneValuePerChannel_IsStillRefused_NamingTheArgument_AndTheModelIsUnchanged()
    {
        var mixed = new ConvAndDenseBatchNormNet();
        AssertRefusesOneSample(mixed, input => mixed.TrainingForward(input, new float[ConvAndDenseBatchNormNet.OutputSize], 1));
        var onePixel = new OnePixelBatchNormNet();
        AssertRefusesOneSample(onePixel, input => onePixel.TrainingForward(input, new float[OnePixelBatchNormNet.OutputSize], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<int>(new OnePixelBatchNormNet(), new Sgd(0.05f), new TrainerOptions { BatchSize = 1 }));
    }

    private static void AssertRefusesOneSample(INetwork<int> network, Action<float[]> trainingForward)
    {
        float[] input = TestData.Uniform(network.InputSize, 73);
        float[] before = network.Parameters.ToArray(), buffers = network.Buffers.ToArray();

        var error = Assert.Throws<ArgumentException>(() => network.TrainStep(input, [1], 1, new Sgd(0.1f)));
        var forward = Assert.Throws<ArgumentException>(() => trainingForward(input));

        Assert.Equal("batchSize", error.ParamName);
        Assert.Equal("batchSize", forward.ParamName);
        Assert.Contains("more than 1 value per channel", error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
        Assert.Equal(buffers, network.Buffers.ToArray());
    }
}
