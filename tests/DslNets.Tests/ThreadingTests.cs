using DslNets.Testing;
using DslNets.Threading;

namespace DslNets.Tests;

/// <summary>Big enough that its dense products are split at batch 64 (64 x 256 x 256 multiply-adds).</summary>
[Network(InputSize = 256, MaxBatch = 64, Loss = Loss.SoftmaxCrossEntropy, Seed = 31)]
public partial class SplitNet
{
    [Dense(256), BatchNorm, ReLU]
    public partial DenseLayer Hidden { get; }

    [Dense(10)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// KernelThreads splits large batches across helper threads: the results are bit-identical to one thread (each
/// output element is computed by the same instructions, only on another core), and nothing is allocated per call.
/// The setting is process-wide, so these tests share one collection and restore it.
/// </summary>
[Collection(nameof(ThreadingTests))]
public class ThreadingTests
{
    private const int Batch = 64;

    [Fact]
    public void TwoThreads_GiveBitIdenticalPredictionsAndGradients()
    {
        float[] x = TestData.Uniform(Batch * SplitNet.InputSize, 1);
        int[] labels = TestData.Labels(Batch, 10, 2);
        (float[] predicted1, float[] gradients1, float loss1) = Run(1, x, labels);
        (float[] predicted2, float[] gradients2, float loss2) = Run(2, x, labels);
        Assert.Equal(predicted1, predicted2);
        Assert.Equal(gradients1, gradients2);
        Assert.Equal(loss1, loss2);
    }

    [Fact]
    public void TwoThreads_AllocateNothing_PerCall()
    {
        var network = new SplitNet();
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        float[] x = TestData.Uniform(Batch * SplitNet.InputSize, 3);
        int[] labels = TestData.Labels(Batch, 10, 4);
        float[] outputs = new float[Batch * SplitNet.OutputSize];
        float[] single = new float[SplitNet.OutputSize];
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = 2;
            network.Predict(x, outputs, Batch);
            network.Predict(x.AsSpan(0, SplitNet.InputSize), single);
            network.TrainStep(x, labels, Batch, optimizer);
            network.Predict(x, outputs, Batch);

            Assert.Equal(0, Measure(() => network.Predict(x, outputs, Batch)));
            Assert.Equal(0, Measure(() => network.Predict(x.AsSpan(0, SplitNet.InputSize), single)));
            Assert.Equal(0, Measure(() => network.ComputeGradients(x, labels, Batch)));
            Assert.Equal(0, Measure(() => network.TrainStep(x, labels, Batch, optimizer)));
        }
        finally
        {
            KernelThreads.Count = previous;
        }
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "nesterov", "adam", "adamw" };

    private static Optimizer CreateOptimizer(string name) => name switch
    {
        "sgd" => new Sgd(0.05f, momentum: 0.9f),
        "nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true, weightDecay: 1e-3f) { MaxGradientNorm = 0.5f },
        "adam" => new Adam(1e-3f, weightDecay: 1e-3f),
        _ => new AdamW(1e-3f) { MaxGradientNorm = 0.5f },
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TwoThreads_SplitTheOptimizerStep_WithBitIdenticalParameters(string optimizer)
    {
        // SplitNet has 68,874 parameters, above the 65,536 from which an update is split across the kernel threads.
        Assert.True(SplitNet.ParameterCount >= 1 << 16);
        float[] x = TestData.Uniform(Batch * SplitNet.InputSize, 5);
        int[] labels = TestData.Labels(Batch, 10, 6);
        float[] Train(int threads)
        {
            int previous = KernelThreads.Count;
            try
            {
                KernelThreads.Count = threads;
                var network = new SplitNet();
                Optimizer step = CreateOptimizer(optimizer);
                for (int i = 0; i < 3; i++)
                    network.TrainStep(x, labels, Batch, step);
                return network.Parameters.ToArray();
            }
            finally
            {
                KernelThreads.Count = previous;
            }
        }

        Assert.Equal(Train(1), Train(2));
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ArrayStep_OnTwoThreads_EqualsSpanStep_AndAllocatesNothing(string optimizer)
    {
        const int Count = 100_003;
        float[] start = TestData.Uniform(Count, 7);
        float[] gradients = TestData.Uniform(Count, 8);
        float[] bySpan = (float[])start.Clone(), byArray = (float[])start.Clone();
        Optimizer spanOptimizer = CreateOptimizer(optimizer), arrayOptimizer = CreateOptimizer(optimizer);
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = 2;
            for (int i = 0; i < 3; i++)
            {
                spanOptimizer.Step(bySpan, gradients);
                arrayOptimizer.StepArrays(byArray, gradients);
            }

            Assert.Equal(bySpan, byArray);
            Assert.Equal(spanOptimizer.StepCount, arrayOptimizer.StepCount);
            Assert.Equal(spanOptimizer.LastGradientNorm, arrayOptimizer.LastGradientNorm);
            Assert.Equal(0, Measure(() => arrayOptimizer.StepArrays(byArray, gradients)));
        }
        finally
        {
            KernelThreads.Count = previous;
        }
    }

    [Fact]
    public void ThreadCount_OutOfRange_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.Count = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.Count = Environment.ProcessorCount + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.MinBatch = 1);
    }

    private static (float[] Predicted, float[] Gradients, float Loss) Run(int threads, float[] x, int[] labels)
    {
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = threads;
            var network = new SplitNet();
            float loss = network.ComputeGradients(x, labels, Batch);
            float[] predicted = new float[Batch * SplitNet.OutputSize];
            network.Predict(x, predicted, Batch);
            return (predicted, network.Gradients.ToArray(), loss);
        }
        finally
        {
            KernelThreads.Count = previous;
        }
    }

    private static long Measure(Action call)
    {
        call();
        return Allocations.InWindow(() =>
        {
            for (int i = 0; i < 20; i++)
                call();
        });
    }
}
