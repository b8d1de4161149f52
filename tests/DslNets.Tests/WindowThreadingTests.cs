using DslNets.Kernels;
using DslNets.Testing;
using DslNets.Threading;

namespace DslNets.Tests;

/// <summary>
/// The convolution kernels split the unfolding, the products and the weight gradient's parts across the kernel
/// threads: the results are bit-identical to one thread (the weight gradient is cut into the same parts either way).
/// </summary>
[Collection(nameof(ThreadingTests))]
public class WindowThreadingTests
{
    [Fact]
    public void Convolution_OnTwoThreads_IsBitIdenticalToOneThread()
    {
        const int batch = 64, taps = 3 * 3 * 8, outChannels = 16, rows = batch * 10 * 10;
        float[] x = TestData.Uniform(batch * 10 * 10 * 8, 1), w = TestData.Uniform(outChannels * taps, 2), bias = TestData.Uniform(outChannels, 3);
        float[] dy = TestData.Uniform(rows * outChannels, 4);
        (float[] y1, float[] dx1, float[] dw1) = Run(1);
        (float[] y2, float[] dx2, float[] dw2) = Run(2);
        Assert.Equal(y1, y2);
        Assert.Equal(dx1, dx2);
        Assert.Equal(dw1, dw2);

        (float[] Y, float[] Dx, float[] Dw) Run(int threads)
        {
            int previous = KernelThreads.Count;
            try
            {
                KernelThreads.Count = threads;
                float[] y = new float[rows * outChannels], columns = new float[rows * taps], permuted = new float[outChannels * taps];
                ConvKernels.Forward<Same3x3C8, K72, O16>(y, x, columns, permuted, new float[taps * outChannels], new float[outChannels], w, bias, batch);
                float[] dx = new float[x.Length], dw = new float[w.Length], db = new float[outChannels];
                ConvKernels.Backward<Same3x3C8, K72, O16>(dx, dw, db, dy, x, columns, permuted, new float[columns.Length], new float[8 * permuted.Length], batch);
                return (y, dx, dw);
            }
            finally
            {
                KernelThreads.Count = previous;
            }
        }
    }

    [Fact]
    public void PooledConvolutionInference_OnTwoThreads_IsBitIdenticalToOneThread()
    {
        // Each part pools its own samples in its own scratch: the split changes nothing in any sample.
        const int batch = 64, taps = 3 * 3 * 8, outChannels = 16;
        float[] x = TestData.Uniform(batch * 10 * 10 * 8, 7), packed = TestData.Uniform(taps * outChannels, 8), packedBias = TestData.Uniform(outChannels, 9);
        float[] scratch = new float[ConvKernels.PooledScratchLength<Same3x3C8, K72, O16>(2)];
        float[] one = new float[batch * 5 * 5 * outChannels], two = new float[one.Length];
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = 1;
            ConvKernels.InferenceForward<Same3x3C8, K72, O16, Pool2On10x10C16>(one, x, scratch, packed, packedBias, FusedActivation.ReLU, batch);
            KernelThreads.Count = 2;
            ConvKernels.InferenceForward<Same3x3C8, K72, O16, Pool2On10x10C16>(two, x, scratch, packed, packedBias, FusedActivation.ReLU, batch);
        }
        finally
        {
            KernelThreads.Count = previous;
        }

        Assert.Equal(one, two);
    }

    [Fact]
    public void ConvolutionalNetwork_OnTwoThreads_AllocatesNothing_AndMatchesOneThread()
    {
        const int batch = 64;
        float[] x = TestData.Uniform(batch * Networks.SmallCnn.InputSize, 5);
        int[] labels = TestData.Labels(batch, 4, 6);
        var one = new Networks.SmallCnn();
        var two = new Networks.SmallCnn();
        float[] outputsOne = new float[batch * Networks.SmallCnn.OutputSize], outputsTwo = new float[outputsOne.Length];
        int previous = KernelThreads.Count;
        try
        {
            KernelThreads.Count = 1;
            float lossOne = one.ComputeGradients(x, labels, batch);
            one.Predict(x, outputsOne, batch);
            KernelThreads.Count = 2;
            float lossTwo = two.ComputeGradients(x, labels, batch);
            two.Predict(x, outputsTwo, batch);
            Assert.Equal(lossOne, lossTwo);
            Assert.Equal(one.Gradients.ToArray(), two.Gradients.ToArray());
            Assert.Equal(outputsOne, outputsTwo);

            var optimizer = new Sgd(0.01f, momentum: 0.9f);
            two.TrainStep(x, labels, batch, optimizer);
            two.Predict(x, outputsTwo, batch);
            Assert.Equal(0, Allocations.InWindow(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    two.TrainStep(x, labels, batch, optimizer);
                    two.Predict(x, outputsTwo, batch);
                }
            }));
        }
        finally
        {
            KernelThreads.Count = previous;
        }
    }

    private readonly struct Pool2On10x10C16 : IWindow2D
    {
        public static int Channels => 16; public static int InHeight => 10; public static int InWidth => 10;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 5; public static int OutWidth => 5;
    }

    private readonly struct Same3x3C8 : IWindow2D
    {
        public static int Channels => 8; public static int InHeight => 10; public static int InWidth => 10;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 10; public static int OutWidth => 10;
    }

    private readonly struct K72 : IDimension { public static int Value => 72; }
    private readonly struct O16 : IDimension { public static int Value => 16; }
}
