using DslNets.Kernels;

namespace DslNets.Tests;

/// <summary>
/// The Winograd F(2x2, 3x3) inference convolution (ConvKernels.Winograd.cs) against the loops. Part of
/// <see cref="WindowKernelTests"/>, so that <see cref="KernelPathTests"/> re-runs it on the AVX2 path.
/// </summary>
/// <remarks>
/// Tolerance: the same <c>1e-5 * (1 + sum |terms|)</c> as the direct kernels. Winograd's transforms add up to 4 inputs
/// and 9 kernel taps (scaled by 1/4) before the products and up to 9 products after, so each term of the sum reaches
/// the result through at most about 36 roundings of values bounded by a few times the terms themselves: a bound of a
/// few hundred float epsilons (6e-8) of <c>sum |terms|</c>, below 1e-5 of it with a margin; random data lands far
/// below (the direct sum errs by a few epsilons).
/// </remarks>
public partial class WindowKernelTests
{
    [Fact]
    public void WinogradConvolution_MatchesTheLoops_OnAwkwardShapes()
    {
        // Forced past the rule (it takes the direct kernel for fewer than 16 input channels): 1, 3, 17 and 32 input
        // channels (scalar and shifted-vector input transforms), 8, 17 and 64 output channels (2-vector strips, a shifted
        // last vector, 4-vector strips at AVX-512), odd and even outputs (partial edge tiles), same and valid padding,
        // 81 tiles in three bands of 27, 49 in two of 25 (a lone last tile on the one-row tile, wide and narrow), with and without
        // the fused 2 x 2 pool.
        WinogradAgainstLoops<Same3x3C1, K9, O8>(batch: 2, outChannels: 8);
        WinogradAgainstLoops<Valid3x3C3On6x6, K27, O17>(batch: 3, outChannels: 17);
        WinogradAgainstLoops<Same3x3C3On17x17, K27, O8>(batch: 1, outChannels: 8);
        WinogradAgainstLoops<Valid3x3C17, K153, O17>(batch: 2, outChannels: 17);
        WinogradAgainstLoops<Valid3x3C17, K153, O64>(batch: 1, outChannels: 64);
        WinogradAgainstLoops<Same3x3C17On5x7, K153, O8>(batch: 2, outChannels: 8);
        WinogradAgainstLoops<Same3x3C32, K288, O17>(batch: 2, outChannels: 17);
        WinogradAgainstLoops<Same3x3C32On14x14, K288, O64>(batch: 2, outChannels: 64);
        WinogradAgainstLoops<Same3x3C32On14x14, K288, O17>(batch: 1, outChannels: 17);
        WinogradAgainstLoops<Valid3x3C32On5x7, K288, O64>(batch: 1, outChannels: 64);
    }

    [Fact]
    public void WinogradConvolution_GivesNaN_WhereTheLoopsDo()
    {
        // A NaN input makes NaN exactly the outputs whose windows read it (and the pooled pixels over those), as the
        // direct sum and PyTorch's max pool do; every other output stays within the tolerance.
        WinogradAgainstLoops<Same3x3C17On5x7, K153, O8>(batch: 2, outChannels: 8, withNaN: true);
        WinogradAgainstLoops<Same3x3C32On14x14, K288, O64>(batch: 1, outChannels: 64, withNaN: true);
        WinogradAgainstLoops<Same3x3C1, K9, O8>(batch: 1, outChannels: 8, withNaN: true);
    }

    [Fact]
    public void ConvolutionInference_TakesWinograd_WhereThePackedWeightsHaveRoom_AndMatchesTheLoops()
    {
        // The public path: packed with room for U (as the generated networks reserve), the rule picks Winograd for
        // 3 x 3 stride-1 windows over at least 16 channels, with batch norm folded, unpooled, with the aligned pool
        // fused and with a pool that is not one window per tile (pooled from the scratch).
        Assert.True(ConvKernels.UsesWinograd<Same3x3C32On14x14, O64>(ConvKernels.InferencePackedLength<Same3x3C32On14x14, K288, O64>()));
        Assert.False(ConvKernels.UsesWinograd<Same3x3C32On14x14, O64>(288 * 64));
        Assert.False(ConvKernels.UsesWinograd<Same3x3C1, O32>(ConvKernels.InferencePackedLength<Same3x3C1, K9, O32>()));
        Assert.Equal(27 * 64, ConvKernels.InferencePackedLength<Stride2Pad1K3C3, K27, O64>()); // stride 2: the direct packing only
        WinogradThroughPacking<Same3x3C32On14x14, K288, O64, Pool2On14x14C64>(batch: 2, outChannels: 64);
        WinogradThroughPacking<Valid3x3C17, K153, O17, Pool3Stride1On4x4C17>(batch: 3, outChannels: 17);
    }

    [Fact]
    public void WinogradConvolution_RejectsAnOverlappingOutput_AndTooLittleScratch()
    {
        int room = ConvKernels.InferencePackedLength<Valid3x3C17, K153, O17>(), scratch = ConvKernels.WinogradScratchLength<Valid3x3C17, O17>();
        float[] shared = new float[4000];
        var overlap = Assert.Throws<ArgumentException>(() => ConvKernels.InferenceForward<Valid3x3C17, K153, O17>(
            shared, shared.AsMemory(0, 6 * 6 * 17), new float[scratch], new float[room], new float[17], FusedActivation.None, 1));
        Assert.Equal("output", overlap.ParamName);
        var small = Assert.Throws<ArgumentException>(() => ConvKernels.InferenceForward<Valid3x3C17, K153, O17>(
            new float[4 * 4 * 17], new float[6 * 6 * 17], new float[scratch - 1], new float[room], new float[17], FusedActivation.None, 1));
        Assert.Equal("scratch", small.ParamName);
    }

    /// <summary>Packs the direct way into the end of a U-sized buffer, transforms it, and checks both Winograd variants against the loops.</summary>
    private static void WinogradAgainstLoops<TWindow, TK, TOut>(int batch, int outChannels, bool withNaN = false)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        Geometry g = Geometry.Of<TWindow>();
        int taps = g.C * 9, size = taps * outChannels, room = 16 * g.C * outChannels;
        float[] x = TestData.Uniform(batch * g.InLength, 61), w = TestData.Uniform(size, 62), bias = TestData.Uniform(outChannels, 63);
        if (withNaN)
        {
            x[g.InLength / 2] = float.NaN; // a channel of a middle pixel of sample 0
            x[x.Length - 1] = float.NaN; // the last channel of the last sample's bottom-right corner
        }

        float[] packed = new float[room], packedBias = new float[outChannels];
        ConvKernels.PackForInference<TWindow, TK, TOut>(packed.AsSpan(room - size, size), packedBias, new float[size], w, bias);
        ConvKernels.TransformWeights<TWindow, TOut>(packed);
        (double[] expected, double[] scale) = ReferenceConvolution(g, x, w, bias, batch, outChannels);
        float[] scratch = new float[ConvKernels.WinogradScratchLength<TWindow, TOut>()];
        // With NaN inputs the ReLU is left out: how Max treats NaN is the activation's business, not this kernel's.
        foreach (FusedActivation activation in withNaN ? new[] { FusedActivation.None } : new[] { FusedActivation.None, FusedActivation.ReLU })
        {
            float[] y = new float[batch * g.OutPixels * outChannels];
            y.AsSpan().Fill(1e30f); // overwritten, never read
            ConvKernels.WinogradForward<TWindow, TK, TOut>(y, x, scratch, packed, packedBias, activation, batch);
            for (int i = 0; i < y.Length; i++)
                NearOrNaN(Activate(expected[i], activation), y[i], scale[i], $"{typeof(TWindow).Name} {activation} y[{i}]");

            int pooledHeight = g.OH / 2, pooledWidth = g.OW / 2;
            float[] pooled = new float[batch * pooledHeight * pooledWidth * outChannels];
            pooled.AsSpan().Fill(1e30f);
            ConvKernels.WinogradSamples<TWindow, TOut>(pooled, x, scratch, packed, packedBias, activation == FusedActivation.ReLU, 0, batch, pooled: true);
            for (int b = 0; b < batch; b++)
            {
                for (int py = 0; py < pooledHeight; py++)
                {
                    for (int px = 0; px < pooledWidth; px++)
                    {
                        for (int o = 0; o < outChannels; o++)
                        {
                            double best = double.NegativeInfinity, bestScale = 0;
                            for (int k = 0; k < 4; k++)
                            {
                                int at = ((b * g.OH + 2 * py + k / 2) * g.OW + 2 * px + k % 2) * outChannels + o;
                                double value = Activate(expected[at], activation);
                                best = double.IsNaN(value) || double.IsNaN(best) ? double.NaN : Math.Max(best, value);
                                bestScale = Math.Max(bestScale, scale[at]);
                            }

                            int i = ((b * pooledHeight + py) * pooledWidth + px) * outChannels + o;
                            NearOrNaN(best, pooled[i], bestScale, $"{typeof(TWindow).Name} {activation} pooled[{i}]");
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packed through <c>PackForInference</c> (batch norm folded) into the room the generator reserves, then the public calls.</summary>
    private static void WinogradThroughPacking<TWindow, TK, TOut, TPool>(int batch, int outChannels)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        Geometry g = Geometry.Of<TWindow>();
        int taps = g.C * 9, rows = batch * g.OutPixels;
        float[] x = TestData.Uniform(batch * g.InLength, 71), w = TestData.Uniform(outChannels * taps, 72), bias = TestData.Uniform(outChannels, 73);
        float[] gamma = TestData.Uniform(outChannels, 74, 0.5f, 1.5f), beta = TestData.Uniform(outChannels, 75);
        float[] mean = TestData.Uniform(outChannels, 76), variance = TestData.Uniform(outChannels, 77, 0.2f, 2f);
        const float epsilon = 1e-5f;
        float[] packed = new float[ConvKernels.InferencePackedLength<TWindow, TK, TOut>()], packedBias = new float[outChannels];
        ConvKernels.PackForInference<TWindow, TK, TOut>(packed, packedBias, new float[outChannels * taps], w, bias, gamma, beta, mean, variance, epsilon);

        // The loops with the batch norm applied to the reference sums (its scale applies to sum |terms| too).
        (double[] expected, double[] scale) = ReferenceConvolution(g, x, w, bias, batch, outChannels);
        for (int i = 0; i < expected.Length; i++)
        {
            int o = i % outChannels;
            double s = gamma[o] / Math.Sqrt(variance[o] + (double)epsilon);
            expected[i] = Math.Max((expected[i] - mean[o]) * s + beta[o], 0);
            scale[i] = scale[i] * Math.Abs(s) + Math.Abs(mean[o] * s) + Math.Abs(beta[o]);
        }

        float[] y = new float[rows * outChannels], fromSpan = new float[y.Length];
        ConvKernels.InferenceForward<TWindow, TK, TOut>(y, x, new float[ConvKernels.WinogradScratchLength<TWindow, TOut>()], packed, packedBias, FusedActivation.ReLU, batch);
        for (int i = 0; i < y.Length; i++)
            Near(expected[i], y[i], scale[i], $"{typeof(TWindow).Name} Winograd y[{i}]");
        ConvKernels.InferenceForward<TWindow, TK, TOut>(
            fromSpan, x.AsSpan(), new float[x.Length], new float[ConvKernels.WinogradScratchLength<TWindow, TOut>()], packed, packedBias, FusedActivation.ReLU, batch);
        Assert.Equal(y, fromSpan);

        // The pooled overload over the same packing: the max pool of the values above.
        Geometry pool = Geometry.Of<TPool>();
        float[] expectedPooled = new float[batch * pool.OutPixels * outChannels], pooled = new float[expectedPooled.Length], pooledFromSpan = new float[expectedPooled.Length];
        PoolKernels.MaxPoolForward<TPool>(expectedPooled, y, batch);
        float[] scratch = new float[ConvKernels.PooledScratchLength<TWindow, TK, TOut>(1)];
        ConvKernels.InferenceForward<TWindow, TK, TOut, TPool>(pooled, x, scratch, packed, packedBias, FusedActivation.ReLU, batch);
        Assert.Equal(expectedPooled, pooled);
        ConvKernels.InferenceForward<TWindow, TK, TOut, TPool>(pooledFromSpan, x.AsSpan(), new float[x.Length], scratch, packed, packedBias, FusedActivation.ReLU, batch);
        Assert.Equal(expectedPooled, pooledFromSpan);
    }

    private static double Activate(double value, FusedActivation activation) =>
        activation == FusedActivation.ReLU ? Math.Max(value, 0) : value;

    private static void NearOrNaN(double expected, float actual, double scale, string what)
    {
        if (double.IsNaN(expected) != float.IsNaN(actual))
            Assert.Fail($"{what}: expected {expected}, actual {actual}");
        if (!double.IsNaN(expected))
            Near(expected, actual, scale, what);
    }

    private readonly struct Valid3x3C3On6x6 : IWindow2D
    {
        public static int Channels => 3; public static int InHeight => 6; public static int InWidth => 6;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 4; public static int OutWidth => 4;
    }

    private readonly struct Same3x3C3On17x17 : IWindow2D
    {
        public static int Channels => 3; public static int InHeight => 17; public static int InWidth => 17;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 17; public static int OutWidth => 17;
    }

    private readonly struct Same3x3C17On5x7 : IWindow2D
    {
        public static int Channels => 17; public static int InHeight => 5; public static int InWidth => 7;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 5; public static int OutWidth => 7;
    }

    private readonly struct Same3x3C32On14x14 : IWindow2D
    {
        public static int Channels => 32; public static int InHeight => 14; public static int InWidth => 14;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 14; public static int OutWidth => 14;
    }

    private readonly struct Valid3x3C32On5x7 : IWindow2D
    {
        public static int Channels => 32; public static int InHeight => 5; public static int InWidth => 7;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 3; public static int OutWidth => 5;
    }

    private readonly struct Pool2On14x14C64 : IWindow2D
    {
        public static int Channels => 64; public static int InHeight => 14; public static int InWidth => 14;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 7; public static int OutWidth => 7;
    }

    private readonly struct Pool3Stride1On4x4C17 : IWindow2D
    {
        public static int Channels => 17; public static int InHeight => 4; public static int InWidth => 4;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 2; public static int OutWidth => 2;
    }
}
