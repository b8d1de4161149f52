using DslNets.Tests.Networks;

namespace DslNets.Tests;

/// <summary>Weight normalization and cosine normalization of a dense layer (<c>Dense(units, Norm = ...)</c>).</summary>
public class NormalizedDenseTests
{
    private const int Batch = 5;

    [Fact]
    public void WeightNorm_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new WeightNormNet(), TestData.Uniform(Batch * 4, 61), TestData.Labels(Batch, 3, 62), Batch);

    [Fact]
    public void CosineNorm_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new CosineNormNet(), TestData.Uniform(Batch * 4, 63), TestData.Labels(Batch, 3, 64), Batch);

    [Fact]
    public void NormalizedDense_BeforeBatchNorm_Gradients_MatchFiniteDifferences() =>
        GradientCheck.AssertGradientsMatch(new NormalizedDenseBatchNormNet(), TestData.Uniform(8 * 5, 65), TestData.Uniform(8 * 2, 66), 8);

    [Fact]
    public void WeightNorm_Tensors_AreNamedAsPyTorchsWeightNorm()
    {
        var names = new WeightNormNet().Tensors.Select(t => $"{t.Name} [{string.Join(", ", t.Shape)}] {t.Role}");
        Assert.Equal(
            new[]
            {
                "hidden.bias [6] Bias", "hidden.weight_g [6, 1] NormalizationGain", "hidden.weight_v [6, 4] Weight",
                "output.weight_g [3, 1] NormalizationGain", "output.weight_v [3, 6] Weight",
            },
            names);
    }

    [Fact]
    public void CosineNorm_Tensors_AreTheWeightTheBiasAndTheScale()
    {
        var names = new CosineNormNet().Tensors.Select(t => $"{t.Name} [{string.Join(", ", t.Shape)}]");
        Assert.Equal(
            new[] { "hidden.weight [6, 4]", "hidden.bias [6]", "cosine.weight [5, 6]", "cosine.bias [5]", "output.weight [3, 5]", "output.bias [3]", "output.scale [1]" },
            names);
    }

    [Fact]
    public void WeightNorm_StartsWithTheGainAtTheRowNorms_SoTheLayerStartsAsThePlainLayer()
    {
        var network = new WeightNormNet();
        TensorInfo gain = network.Tensors.Single(t => t.Name == "hidden.weight_g");
        float[] v = network.Hidden.Weight.ToArray();
        for (int o = 0; o < 6; o++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, 4).Sum(i => (double)v[(o * 4) + i] * v[(o * 4) + i]));
            Assert.Equal(norm, network.Parameters[gain.Offset + o], 1e-6);
        }
    }

    [Fact]
    public void WeightNorm_Predict_IsTheDenseProductWithTheNormalizedWeight()
    {
        var network = new WeightNormNet();
        float[] parameters = network.Parameters.ToArray();
        parameters.AsSpan().Reverse(); // any values, not only the initial ones (g = ||v||)
        parameters.CopyTo(network.Parameters);
        network.OnParametersChanged();
        float[] x = TestData.Uniform(4, 67);
        float[] logits = new float[3];
        network.PredictLogits(x, logits);

        float[] hidden = Normalized(network, "hidden", x, 6, 4, bias: true).Select(MathF.Tanh).ToArray();
        float[] expected = Normalized(network, "output", hidden, 3, 6, bias: false);
        for (int o = 0; o < 3; o++)
            Assert.Equal(expected[o], logits[o], 1e-5);
    }

    [Fact]
    public void CosineNorm_Output_DoesNotChange_WhenTheInputOrAWeightRowIsScaled()
    {
        var network = new CosineNormNet();
        float[] x = TestData.Uniform(4, 68);
        float[] before = new float[3];
        network.PredictLogits(x, before);

        // The output layer reads the cosine layer's ReLU outputs; scaling one of its weight rows changes nothing.
        foreach (ref float w in network.Output.Weight.Slice(5, 5))
            w *= 7f;
        foreach (ref float w in network.Cosine.Weight.Slice(0, 6))
            w *= 0.25f;
        network.OnParametersChanged();
        float[] after = new float[3];
        network.PredictLogits(x, after);
        for (int o = 0; o < 3; o++)
            Assert.Equal(before[o], after[o], 1e-5);
    }

    [Fact]
    public void ScaledCosine_Logits_AreTheScaleTimesTheCosinePlusTheBias()
    {
        var network = new CosineNormNet();
        TensorInfo scale = network.Tensors.Single(t => t.Name == "output.scale");
        Assert.Equal(1f, network.Parameters[scale.Offset]);
        network.Parameters[scale.Offset] = 3f;
        network.Output.Bias.Fill(0.5f);
        network.OnParametersChanged();
        float[] x = TestData.Uniform(4, 69);
        float[] logits = new float[3];
        network.PredictLogits(x, logits);

        float[] h = Dense(network.Hidden.Weight, network.Hidden.Bias, x, 6, 4).Select(MathF.Tanh).ToArray();
        float[] c = Cosine(network.Cosine.Weight, h, 5, 6).Zip(network.Cosine.Bias.ToArray(), (a, b) => Math.Max(a + b, 0f)).ToArray();
        float[] expected = Cosine(network.Output.Weight, c, 3, 5).Select(v => (3f * v) + 0.5f).ToArray();
        for (int o = 0; o < 3; o++)
            Assert.Equal(expected[o], logits[o], 1e-5);
    }

    [Fact]
    public void WeightNorm_Inference_EqualsTrainingForward()
    {
        var network = new WeightNormNet();
        AssertInferenceEqualsTrainingForward(network, network.TrainingForward, seed: 70);
    }

    [Fact]
    public void CosineNorm_Inference_EqualsTrainingForward()
    {
        var network = new CosineNormNet();
        AssertInferenceEqualsTrainingForward(network, network.TrainingForward, seed: 73);
    }

    /// <summary>After one training step (weights away from their initial values), PredictLogits equals TrainingForward: no noise, no batch statistics.</summary>
    private static void AssertInferenceEqualsTrainingForward(INetwork<int> network, TrainingForward trainingForward, long seed)
    {
        network.TrainStep(TestData.Uniform(8 * 4, seed), TestData.Labels(8, 3, seed + 1), 8, new Sgd(0.1f));
        float[] x = TestData.Uniform(6 * 4, seed + 2);
        float[] inference = new float[6 * 3], training = new float[6 * 3];
        network.PredictLogits(x, inference, 6);
        trainingForward(x, training, 6);
        AssertClose(training, inference);
    }

    private delegate void TrainingForward(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

    private static void AssertClose(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 1e-5);
    }

    private static float[] Normalized(WeightNormNet network, string prefix, float[] x, int outFeatures, int inFeatures, bool bias)
    {
        ReadOnlySpan<float> p = network.Parameters;
        ReadOnlySpan<float> g = p.Slice(network.Tensors.Single(t => t.Name == prefix + ".weight_g").Offset, outFeatures);
        ReadOnlySpan<float> v = p.Slice(network.Tensors.Single(t => t.Name == prefix + ".weight_v").Offset, outFeatures * inFeatures);
        float[] w = new float[outFeatures * inFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            double norm = 0;
            for (int i = 0; i < inFeatures; i++)
                norm += (double)v[(o * inFeatures) + i] * v[(o * inFeatures) + i];
            for (int i = 0; i < inFeatures; i++)
                w[(o * inFeatures) + i] = (float)(g[o] * v[(o * inFeatures) + i] / Math.Sqrt(norm));
        }

        ReadOnlySpan<float> b = bias ? p.Slice(network.Tensors.Single(t => t.Name == prefix + ".bias").Offset, outFeatures) : default;
        return Dense(w, b, x, outFeatures, inFeatures);
    }

    private static float[] Dense(ReadOnlySpan<float> w, ReadOnlySpan<float> b, float[] x, int outFeatures, int inFeatures)
    {
        float[] y = new float[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            double sum = b.IsEmpty ? 0 : b[o];
            for (int i = 0; i < inFeatures; i++)
                sum += (double)w[(o * inFeatures) + i] * x[i];
            y[o] = (float)sum;
        }

        return y;
    }

    /// <summary><c>w.x / (sqrt(|w|^2 + 1e-8) sqrt(|x|^2 + 1e-8))</c> per row of w.</summary>
    private static float[] Cosine(ReadOnlySpan<float> w, float[] x, int outFeatures, int inFeatures)
    {
        double xNorm = Math.Sqrt(x.Sum(v => (double)v * v) + 1e-8);
        float[] y = new float[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            double dot = 0, wNorm = 0;
            for (int i = 0; i < inFeatures; i++)
            {
                dot += (double)w[(o * inFeatures) + i] * x[i];
                wNorm += (double)w[(o * inFeatures) + i] * w[(o * inFeatures) + i];
            }

            y[o] = (float)(dot / (Math.Sqrt(wNorm + 1e-8) * xNorm));
        }

        return y;
    }
}
