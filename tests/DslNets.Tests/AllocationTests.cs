using DslNets.Testing;
using DslNets.Tests.Networks;

namespace DslNets.Tests;

/// <summary>After warm-up, Predict, ComputeGradients and TrainStep allocate exactly nothing.</summary>
public class AllocationTests
{
    private const int Calls = 100;

    [Fact]
    public void DenseNetwork_AllocatesNothing_PerCall() =>
        AssertNoAllocation(new ThreeLayer(), TestData.Uniform(8 * 5, 1), TestData.Labels(8, 4, 2), 8);

    [Fact]
    public void NetworkWithEveryLayerKind_AllocatesNothing_PerCall() =>
        AssertNoAllocation(new EveryLayerNet(), TestData.Uniform(32 * 6, 3), TestData.Labels(32, 4, 4), 32);

    [Fact]
    public void RegressionNetwork_AllocatesNothing_PerCall() =>
        AssertNoAllocation(new SigmoidBceNet(), TestData.Uniform(8 * 4, 5), TestData.Uniform(8 * 3, 6, 0f, 1f), 8);

    [Fact]
    public void WeightAndCosineNormalizedNetwork_AllocatesNothing_PerCall() =>
        AssertNoAllocation(new NormalizedDenseBatchNormNet(), TestData.Uniform(16 * 5, 7), TestData.Uniform(16 * 2, 8), 16);

    [Fact]
    public void ConvolutionalNetworks_AllocateNothing_PerCall()
    {
        AssertNoAllocation(new SmallCnn(), TestData.Uniform(8 * SmallCnn.InputSize, 7), TestData.Labels(8, 4, 8), 8);
        AssertNoAllocation(new StridedCnn(), TestData.Uniform(8 * StridedCnn.InputSize, 9), TestData.Labels(8, 3, 10), 8);
        AssertNoAllocation(new PooledCnn(), TestData.Uniform(8 * PooledCnn.InputSize, 11), TestData.Uniform(8 * 2, 12), 8);
        AssertNoAllocation(new WinogradCnn(), TestData.Uniform(8 * WinogradCnn.InputSize, 13), TestData.Labels(8, 3, 14), 8);
    }

    private static void AssertNoAllocation<TTarget>(INetwork<TTarget> network, float[] inputs, TTarget[] targets, int batch)
        where TTarget : unmanaged
    {
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        float[] single = new float[network.OutputSize];
        float[] outputs = new float[batch * network.OutputSize];
        float[] first = inputs[..network.InputSize];

        // Warm-up: JIT, the thread's inference scratch and the optimizer state are allocated once here.
        network.Predict(first, single);
        network.Predict(inputs, outputs, batch);
        network.ComputeGradients(inputs, targets, batch);
        network.TrainStep(inputs, targets, batch, optimizer);

        Assert.Equal(0, Measure(() => network.Predict(first, single)));
        Assert.Equal(0, Measure(() => network.Predict(inputs, outputs, batch)));
        Assert.Equal(0, Measure(() => network.ComputeGradients(inputs, targets, batch)));
        Assert.Equal(0, Measure(() => network.TrainStep(inputs, targets, batch, optimizer)));
    }

    private static long Measure(Action call)
    {
        call();
        return Allocations.InWindow(() =>
        {
            for (int i = 0; i < Calls; i++)
                call();
        });
    }
}
