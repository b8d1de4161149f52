namespace DslNets.Tests;

/// <summary>A first layer without a dense product: inference passes the caller's input through as is (no noise in evaluation).</summary>
[Network(InputSize = 4, Loss = Loss.MeanSquaredError, Seed = 3)]
public partial class DropoutFirstNet
{
    [Dropout(0.5)]
    public partial DenseLayer Noise { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}

/// <summary>A first layer whose first operation is an activation, reading the caller's input.</summary>
[Network(InputSize = 4, Loss = Loss.MeanSquaredError, Seed = 3)]
public partial class ReLUFirstNet
{
    [ReLU]
    public partial DenseLayer Rectify { get; }

    [Dense(2)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// Predict hands the caller's input span straight to the first layer (it is copied only when a dense product splits
/// the batch across threads); these first layers read it through their other operation kinds.
/// </summary>
public class FirstLayerTests
{
    private static readonly float[] Input = [1f, -2f, 3f, -4f, -0.5f, 0.25f, 2f, 0f];

    [Fact]
    public void DropoutFirst_PredictsTheDenseMapOfTheInput()
    {
        var network = new DropoutFirstNet();
        AssertPredictions(network, network.Output.Weight, network.Output.Bias, Input);
    }

    [Fact]
    public void ReLUFirst_PredictsTheDenseMapOfTheRectifiedInput()
    {
        var network = new ReLUFirstNet();
        AssertPredictions(network, network.Output.Weight, network.Output.Bias, Input.Select(v => Math.Max(v, 0f)).ToArray());
    }

    private static void AssertPredictions(INetwork<float> network, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float[] expectedInput)
    {
        float[] outputs = new float[4];
        network.Predict(Input, outputs, 2);
        for (int b = 0; b < 2; b++)
        {
            for (int o = 0; o < 2; o++)
            {
                double expected = bias[o];
                for (int i = 0; i < 4; i++)
                    expected += (double)weight[o * 4 + i] * expectedInput[b * 4 + i];
                Assert.Equal(expected, outputs[b * 2 + o], 1e-5);
            }
        }

        Assert.Equal(new[] { 1f, -2f, 3f, -4f, -0.5f, 0.25f, 2f, 0f }, Input);
    }
}
