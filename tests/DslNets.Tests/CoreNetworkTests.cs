using DslNets.Tests.Networks;

namespace DslNets.Tests;

/// <summary>Exact values, training and reproducibility of generated dense networks.</summary>
public class CoreNetworkTests
{
    [Fact]
    public void TwoTwoTwo_WithGivenWeights_ForwardAndGradients_EqualHandComputedValues()
    {
        var network = new TwoTwoTwo();
        float[] w1 = [0.1f, -0.2f, 0.3f, 0.4f], b1 = [0.05f, -0.05f];
        float[] w2 = [0.7f, -0.6f, -0.5f, 0.8f], b2 = [0.1f, -0.1f];
        w1.CopyTo(network.Hidden.Weight);
        b1.CopyTo(network.Hidden.Bias);
        w2.CopyTo(network.Output.Weight);
        b2.CopyTo(network.Output.Bias);
        float[] x = [0.5f, -1.0f, 1.5f, 0.25f];
        int[] labels = [1, 0];

        // By hand, in double: h = sigmoid(W1 x + b1), z = W2 h + b2, p = softmax(z), loss = mean(-log p[label]).
        double[,] h = new double[2, 2], p = new double[2, 2];
        double expectedLoss = 0;
        for (int b = 0; b < 2; b++)
        {
            for (int j = 0; j < 2; j++)
                h[b, j] = 1 / (1 + Math.Exp(-(w1[2 * j] * x[2 * b] + w1[2 * j + 1] * x[2 * b + 1] + b1[j])));
            double z0 = w2[0] * h[b, 0] + w2[1] * h[b, 1] + b2[0];
            double z1 = w2[2] * h[b, 0] + w2[3] * h[b, 1] + b2[1];
            double max = Math.Max(z0, z1), e0 = Math.Exp(z0 - max), e1 = Math.Exp(z1 - max);
            p[b, 0] = e0 / (e0 + e1);
            p[b, 1] = e1 / (e0 + e1);
            expectedLoss -= Math.Log(p[b, labels[b]]) / 2;
        }

        // dz = (p - onehot) / B; dW2 = sum_b dz h^T; db2 = sum_b dz; dpre = (W2^T dz) * h (1 - h); dW1 = sum_b dpre x^T.
        double[] dW1 = new double[4], db1 = new double[2], dW2 = new double[4], db2 = new double[2];
        for (int b = 0; b < 2; b++)
        {
            double[] dz = [(p[b, 0] - (labels[b] == 0 ? 1 : 0)) / 2, (p[b, 1] - (labels[b] == 1 ? 1 : 0)) / 2];
            for (int o = 0; o < 2; o++)
            {
                db2[o] += dz[o];
                for (int j = 0; j < 2; j++)
                    dW2[2 * o + j] += dz[o] * h[b, j];
            }

            for (int j = 0; j < 2; j++)
            {
                double dpre = (w2[j] * dz[0] + w2[2 + j] * dz[1]) * h[b, j] * (1 - h[b, j]);
                db1[j] += dpre;
                dW1[2 * j] += dpre * x[2 * b];
                dW1[2 * j + 1] += dpre * x[2 * b + 1];
            }
        }

        float[] probabilities = new float[4];
        network.Predict(x, probabilities, 2);
        float loss = network.ComputeGradients(x, labels, 2);

        const double Tolerance = 1e-6;
        Assert.Equal(expectedLoss, loss, Tolerance);
        Assert.Equal(0f, network.RegularizationLoss);
        Assert.Equal(loss, network.DataLoss);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(p[i / 2, i % 2], probabilities[i], Tolerance);
            Assert.Equal(dW1[i], network.Hidden.WeightGradient[i], Tolerance);
            Assert.Equal(dW2[i], network.Output.WeightGradient[i], Tolerance);
        }

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(db1[i], network.Hidden.BiasGradient[i], Tolerance);
            Assert.Equal(db2[i], network.Output.BiasGradient[i], Tolerance);
        }
    }

    [Fact]
    public void Xor_TrainsTo100Percent_FromFixedSeed()
    {
        XorNet network = TrainXor(out float firstLoss, out float lastLoss);

        float[] probabilities = new float[8];
        network.Predict(XorInputs, probabilities, 4);
        for (int i = 0; i < 4; i++)
            Assert.Equal(XorLabels[i], probabilities[2 * i + 1] > probabilities[2 * i] ? 1 : 0);
        Assert.True(lastLoss < firstLoss / 100, $"loss fell only from {firstLoss} to {lastLoss}");
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalWeights_AndBitIdenticalTraining()
    {
        Assert.Equal(new XorNet().Parameters.ToArray(), new XorNet().Parameters.ToArray());
        // Same shapes and the same (He) initialization, seeds 2 and 3: the seed alone changes the weights.
        Assert.NotEqual(new ReLUNet().Parameters.ToArray(), new LeakyReLUNet().Parameters.ToArray());

        float[] first = TrainXor(out _, out _).Parameters.ToArray();
        float[] second = TrainXor(out _, out _).Parameters.ToArray();
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Initialization_IsHeForReLU_AndGlorotOtherwise_WithZeroBiases()
    {
        var relu = new ReLUNet();
        float heLimit = MathF.Sqrt(6f / 4);
        float glorotLimit = MathF.Sqrt(6f / (6 + 3));
        Assert.All(relu.Hidden.Weight.ToArray(), w => Assert.InRange(w, -heLimit, heLimit));
        // He's bound sqrt(6 / 4) is wider than Glorot's sqrt(6 / (4 + 6)) for this layer: some weights must use it.
        Assert.Contains(relu.Hidden.Weight.ToArray(), w => MathF.Abs(w) > MathF.Sqrt(6f / (4 + 6)));
        Assert.All(relu.Output.Weight.ToArray(), w => Assert.InRange(w, -glorotLimit, glorotLimit));
        Assert.All(relu.Hidden.Bias.ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void TrailingSoftmax_WithCrossEntropy_IsAppliedOnce()
    {
        var explicitSoftmax = new ExplicitSoftmaxNet();
        var implicitSoftmax = new ImplicitSoftmaxNet();
        Assert.Equal(implicitSoftmax.Parameters.ToArray(), explicitSoftmax.Parameters.ToArray());
        float[] x = TestData.Uniform(12, 3);
        int[] labels = [0, 2, 1];

        float[] a = new float[9], b = new float[9];
        explicitSoftmax.Predict(x, a, 3);
        implicitSoftmax.Predict(x, b, 3);
        Assert.Equal(b, a);
        Assert.Equal(1f, a[0] + a[1] + a[2], 1e-6f);
        Assert.Equal(implicitSoftmax.ComputeGradients(x, labels, 3), explicitSoftmax.ComputeGradients(x, labels, 3));
        Assert.Equal(implicitSoftmax.Gradients.ToArray(), explicitSoftmax.Gradients.ToArray());
    }

    [Fact]
    public void LoneSoftmax_FusedIntoTheLoss_ComputesTheCrossEntropyOfItsInputs()
    {
        var network = new LoneSoftmaxNet();
        float[] x = [1f, 2f, 3f, -1f, 0f, 1f];
        int[] labels = [2, 0];

        float loss = network.ComputeGradients(x, labels, 2);

        // -log softmax(x)[label] = logsumexp(x) - x[label], averaged over the batch.
        double expected = (Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 3 + Math.Log(Math.Exp(-1) + 1 + Math.Exp(1)) + 1) / 2;
        Assert.Equal(expected, loss, 1e-6);
        Assert.Equal(0, LoneSoftmaxNet.ParameterCount);
        float[] probabilities = new float[6];
        network.Predict(x, probabilities, 2);
        Assert.Equal(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)), probabilities[2], 1e-6);
    }

    [Fact]
    public void PredictSingle_EqualsPredictBatch_RowByRow()
    {
        var network = new ThreeLayer();
        float[] x = TestData.Uniform(3 * ThreeLayer.InputSize, 4);
        float[] batch = new float[3 * ThreeLayer.OutputSize];
        network.Predict(x, batch, 3);
        for (int i = 0; i < 3; i++)
        {
            float[] single = new float[ThreeLayer.OutputSize];
            network.Predict(x.AsSpan(i * ThreeLayer.InputSize, ThreeLayer.InputSize), single);
            Assert.Equal(batch.AsSpan(i * ThreeLayer.OutputSize, ThreeLayer.OutputSize).ToArray(), single);
        }
    }

    [Fact]
    public void Predict_FromManyThreads_GivesTheSameResults()
    {
        var network = new EveryLayerNet();
        network.TrainStep(TestData.Uniform(32 * 6, 5), TestData.Labels(32, 4, 6), 32, new Sgd(0.1f));
        float[] x = TestData.Uniform(32 * 6, 7);
        float[] expected = new float[32 * 4];
        network.Predict(x, expected, 32);

        float[][] results = new float[8][];
        Parallel.For(0, 8, t =>
        {
            float[] output = new float[32 * 4];
            for (int repeat = 0; repeat < 50; repeat++)
                network.Predict(x, output, 32);
            results[t] = output;
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void GeneratedConstants_DescribeTheDeclaredShapes()
    {
        Assert.Equal(2, XorNet.InputSize);
        Assert.Equal(2, XorNet.OutputSize);
        Assert.Equal(4, XorNet.MaxBatch);
        Assert.Equal(2 * 8 + 8 + 8 * 2 + 2, XorNet.ParameterCount);
        var network = new XorNet();
        Assert.Equal(XorNet.ParameterCount, network.Parameters.Length);
        Assert.Equal(XorNet.ParameterCount, network.Gradients.Length);
        Assert.Equal(["hidden.weight", "hidden.bias", "output.weight", "output.bias"], network.Tensors.Select(t => t.Name));
        Assert.Equal([8, 2], network.Tensors[0].Shape);
        Assert.Equal(8 * 2, network.Output.Weight.Length);
        Assert.Equal(2, network.Output.OutFeatures);
        Assert.Equal(8, network.Output.InFeatures);
    }

    private static readonly float[] XorInputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly int[] XorLabels = [0, 1, 1, 0];

    private static XorNet TrainXor(out float firstLoss, out float lastLoss)
    {
        var network = new XorNet();
        var optimizer = new Sgd(0.5f, momentum: 0.9f);
        firstLoss = lastLoss = network.TrainStep(XorInputs, XorLabels, 4, optimizer);
        for (int step = 1; step < 300; step++)
            lastLoss = network.TrainStep(XorInputs, XorLabels, 4, optimizer);
        return network;
    }
}
