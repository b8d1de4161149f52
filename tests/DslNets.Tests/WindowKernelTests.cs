using DslNets.Kernels;

namespace DslNets.Tests;

/// <summary>
/// The convolution, pooling and layout kernels against plain loops written from PyTorch's definitions (double
/// precision, NHWC indexing, PyTorch's <c>[O, C, KH, KW]</c> weight), on awkward shapes: 1, 3, 4 and 17 channels,
/// 1 x 1, 3 x 2, 3 x 3 and 5 x 5 windows, strides 2 and 3, padding, dilation, odd sizes. This process runs the widest
/// SIMD path the machine has; <see cref="KernelPathTests"/> re-runs this class with AVX-512 disabled.
/// Tolerance: <c>1e-5 * (1 + sum |terms|)</c>.
/// </summary>
public partial class WindowKernelTests
{
    [Fact]
    public void Convolution_MatchesTheLoops_OnEveryShape()
    {
        CheckConvolution<Same3x3C1, K9, O5>(batch: 3, outChannels: 5);
        CheckConvolution<Stride2Pad2K5C3, K75, O17>(batch: 2, outChannels: 17);
        CheckConvolution<Pointwise1x1C17, K17, O3>(batch: 4, outChannels: 3);
        CheckConvolution<Dilated3x2C4, K24, O8>(batch: 3, outChannels: 8);
        CheckConvolution<Valid3x3C17, K153, O16>(batch: 5, outChannels: 16);
    }

    [Fact]
    public void Convolution_MatchesTheLoops_WhenTheWeightGradientRunsInBlocksAndParts()
    {
        // 60 samples x 16 pixels = 960 rows: two blocks of 384 rows and a remainder, in two parts (scratch for four).
        CheckConvolution<Valid3x3C17, K153, O16>(batch: 60, outChannels: 16, scratchParts: 4);
        CheckConvolution<Same3x3C1, K9, O5>(batch: 40, outChannels: 5, scratchParts: 4);
    }

    [Fact]
    public void ConvolutionInference_WithFoldedBatchNorm_MatchesConvolutionThenBatchNorm()
    {
        FoldedInference<Same3x3C1, K9, O5>(batch: 3, outChannels: 5);
        FoldedInference<Stride2Pad2K5C3, K75, O17>(batch: 2, outChannels: 17);
        FoldedInference<Pointwise1x1C17, K17, O3>(batch: 1, outChannels: 3);
        FoldedInference<Dilated3x2C4, K24, O8>(batch: 4, outChannels: 8);
    }

    [Fact]
    public void ConvolutionInference_MatchesTheLoops_OnTheDirectKernel()
    {
        // The direct (implicit GEMM) kernel runs for at least a vector of output channels: 4-vector and 2-vector
        // column strips, a partial last vector (20, 72), tiles of 6 pixels with a partial last tile (63, 49, 16, 8 and
        // 56 pixels), one channel (taps of 3 floats), 3 and 17 channels, 5 x 5 with stride 2 and padding 2, dilated
        // rows with strides 2 and 3, no padding; 9 output channels run it only at 256 bits (the unfolding path at AVX-512).
        DirectInference<Same3x3C1, K9, O32>(batch: 3, outChannels: 32);
        DirectInference<Same3x3C1, K9, O9>(batch: 2, outChannels: 9);
        DirectInference<Stride2Pad2K5C3, K75, O20>(batch: 2, outChannels: 20);
        DirectInference<Dilated3x2C4, K24, O64>(batch: 3, outChannels: 64);
        DirectInference<Valid3x3C17, K153, O72>(batch: 5, outChannels: 72);
        DirectInference<Same3x3C32, K288, O64>(batch: 2, outChannels: 64);
    }

    [Fact]
    public void ConvolutionInference_MatchesTheLoops_OnTheFewTapsKernel()
    {
        // Windows of at most 32 taps (KH * KW * C): 1 and 3 input channels, stride 2 on odd sizes, dilation along
        // the height, a shifted last vector of output channels (17, 20), and a last partial tile of 4 pixels.
        DirectInference<Same3x3C1, K9, O17>(batch: 2, outChannels: 17);
        DirectInference<Stride2Pad1K3C3, K27, O20>(batch: 3, outChannels: 20);
        DirectInference<Stride2Pad1K3C3, K27, O64>(batch: 1, outChannels: 64);
        DirectInference<Dilated3x2C4, K24, O16>(batch: 2, outChannels: 16);
    }

    [Fact]
    public void PooledConvolutionInference_MatchesTheLoops_OnTheFewTapsKernel()
    {
        // The pool folded into the few-taps pass: 2 x 2 windows (one 4-pixel group), 3 x 3 windows (groups of 4, 4
        // and a repeated last pixel), a stride larger than the window (pixels no window reads), odd outputs.
        PooledAgainstLoops<Same3x3C1, K9, O32, Pool2On7x9C32>(batch: 3, outChannels: 32);
        PooledAgainstLoops<Same3x3C1, K9, O17, Pool3Stride3On7x9C17>(batch: 2, outChannels: 17);
        PooledAgainstLoops<Stride2Pad1K3C3, K27, O20, Pool2Stride3On5x6C20>(batch: 2, outChannels: 20);
        PooledAgainstLoops<Stride2Pad1K3C3, K27, O64, Pool2On5x6C64>(batch: 3, outChannels: 64);
    }

    [Fact]
    public void ConvolutionInference_InPlace_FallsBackToTheUnfolding_WithTheSameValues()
    {
        // Output over the input: the direct kernel would overwrite samples it has not read yet, so the unfolding runs.
        const int batch = 3;
        Geometry g = Geometry.Of<Same3x3C1>();
        float[] x = TestData.Uniform(batch * g.InLength, 31), w = TestData.Uniform(32 * 9, 32), bias = TestData.Uniform(32, 33);
        float[] packed = new float[9 * 32], packedBias = new float[32];
        ConvKernels.PackForInference<Same3x3C1, K9, O32>(packed, packedBias, new float[9 * 32], w, bias);
        float[] separate = new float[batch * g.OutPixels * 32], shared = new float[separate.Length];
        ConvKernels.InferenceForward<Same3x3C1, K9, O32>(separate, x, new float[batch * g.OutPixels * 9], packed, packedBias, FusedActivation.None, batch);
        x.CopyTo(shared, 0);
        ConvKernels.InferenceForward<Same3x3C1, K9, O32>(shared, shared.AsMemory(0, x.Length), new float[batch * g.OutPixels * 9], packed, packedBias, FusedActivation.None, batch);
        Assert.Equal(separate, shared);
    }

    [Fact]
    public void PooledConvolutionInference_MatchesConvolutionThenMaxPool()
    {
        // Pools over odd outputs (rows and columns no window covers), overlapping windows (stride 1), a partial last
        // vector of channels, and the unfolding path inside the pooled kernel (a pointwise convolution, 3 outputs).
        PooledInference<Same3x3C1, K9, O32, Pool2On7x9C32>(batch: 3, outChannels: 32);
        PooledInference<Stride2Pad2K5C3, K75, O20, Pool2On4x4C20>(batch: 2, outChannels: 20);
        PooledInference<Dilated3x2C4, K24, O8, Pool2Stride1On4x2C8>(batch: 3, outChannels: 8);
        PooledInference<Valid3x3C17, K153, O72, Pool3Stride1On4x4C72>(batch: 2, outChannels: 72);
        PooledInference<Pointwise1x1C17, K17, O3, Pool2On5x3C3>(batch: 4, outChannels: 3);
    }

    [Fact]
    public void PooledConvolutionInference_RejectsAPoolThatDoesNotReadTheConvolutionsOutput()
    {
        var error = Assert.Throws<ArgumentException>(() => ConvKernels.InferenceForward<Same3x3C1, K9, O32, Pool2On4x4C20>(
            new float[1000], new float[63], new float[10000], new float[288], new float[32], FusedActivation.None, 1));
        Assert.Equal("TPool", error.ParamName);
        var overlap = Assert.Throws<ArgumentException>(() =>
        {
            float[] shared = new float[5000];
            ConvKernels.InferenceForward<Same3x3C1, K9, O32, Pool2On7x9C32>(
                shared, shared.AsMemory(0, 63), new float[10000], new float[288], new float[32], FusedActivation.None, 1);
        });
        Assert.Equal("output", overlap.ParamName);
    }

    [Fact]
    public void ConvolutionGradients_MatchFiniteDifferences()
    {
        FiniteDifferences<Same3x3C1, K9, O5>(outChannels: 5);
        FiniteDifferences<Stride2Pad2K5C3, K75, O17>(outChannels: 17);
        FiniteDifferences<Pointwise1x1C17, K17, O3>(outChannels: 3);
        FiniteDifferences<Dilated3x2C4, K24, O8>(outChannels: 8);
    }

    [Fact]
    public void Pooling_MatchesTheLoops_OnEveryShape()
    {
        CheckPooling<Pool2C32>(batch: 3);
        CheckPooling<Pool3Stride2C17>(batch: 2);
        CheckPooling<Pool3Stride1Pad1C3>(batch: 2);
        CheckPooling<Dilated3x2C4>(batch: 3);
        CheckPooling<Stride2Pad2K5C17>(batch: 2); // padding with a vector and a shifted last vector of channels
    }

    [Fact]
    public void Pooling_InPlace_GivesTheSameValues_WithoutPadding()
    {
        int batch = 3, inLength = batch * 8 * 8 * 32, outLength = batch * 4 * 4 * 32;
        float[] x = TestData.Uniform(inLength, 11);
        float[] expected = new float[outLength];
        PoolKernels.MaxPoolForward<Pool2C32>(expected, x, batch);
        float[] inPlace = (float[])x.Clone();
        PoolKernels.MaxPoolForward<Pool2C32>(inPlace, inPlace, batch);
        Assert.Equal(expected, inPlace.AsSpan(0, outLength).ToArray());

        PoolKernels.AvgPoolForward<Pool2C32>(expected, x, batch);
        inPlace = (float[])x.Clone();
        PoolKernels.AvgPoolForward<Pool2C32>(inPlace, inPlace, batch);
        Assert.Equal(expected, inPlace.AsSpan(0, outLength).ToArray());
    }

    [Fact]
    public void MaxPoolBackward_SendsATie_ToTheFirstTap_AsPyTorchDoes()
    {
        // One sample, one channel, 2 x 2 input all equal: PyTorch's max pooling keeps the first maximum it scans.
        float[] x = [1f, 1f, 1f, 1f], y = new float[1], dx = new float[4];
        int[] positions = new int[1];
        PoolKernels.MaxPoolForward<Tie2x2>(y, positions, x, 1);
        PoolKernels.MaxPoolBackward<Tie2x2>(dx, [5f], positions, 1);
        Assert.Equal([5f, 0f, 0f, 0f], dx);
    }

    [Fact]
    public void MaxPool_KeepsTheFirstTapOfATie_OnTheVectorAndScalarChannels()
    {
        // 17 channels: two whole vectors of 8 (or one of 16) and a scalar remainder; every tap equal.
        Geometry g = Geometry.Of<Pool3Stride2C17>();
        float[] x = new float[2 * g.InLength], y = new float[2 * g.OutPixels * g.C];
        x.AsSpan().Fill(-2f);
        int[] positions = new int[y.Length];
        PoolKernels.MaxPoolForward<Pool3Stride2C17>(y, positions, x, 2);
        for (int b = 0; b < 2; b++)
        {
            for (int oy = 0; oy < g.OH; oy++)
            {
                for (int ox = 0; ox < g.OW; ox++)
                {
                    for (int c = 0; c < g.C; c++)
                        Assert.Equal(g.Taps(b, oy, ox, c).First(), positions[((b * g.OH + oy) * g.OW + ox) * g.C + c]);
                }
            }
        }
    }

    [Fact]
    public void MaxPool_PropagatesNaN_AndSendsItsGradientToTheLastNaN_AsPyTorchDoes_OnTheVectorAndScalarChannels()
    {
        // PyTorch's max_pool2d keeps a tap when `val > maxval || isnan(val)`: a window with a NaN outputs NaN, and its
        // index (where the gradient goes) is the last NaN in window order. 17 channels: whole vectors and a scalar
        // remainder; overlapping 3 x 3 windows with stride 2 hold zero, one or several NaNs.
        Geometry g = Geometry.Of<Pool3Stride2C17>();
        const int batch = 2;
        float[] x = TestData.Uniform(batch * g.InLength, 63);
        for (int i = 0; i < x.Length; i += 23)
            x[i] = float.NaN;
        float[] y = new float[batch * g.OutPixels * g.C], yInference = new float[y.Length];
        int[] positions = new int[y.Length];
        PoolKernels.MaxPoolForward<Pool3Stride2C17>(y, positions, x, batch);
        PoolKernels.MaxPoolForward<Pool3Stride2C17>(yInference, x, batch);
        float[] dy = TestData.Uniform(y.Length, 64), dx = new float[x.Length];
        PoolKernels.MaxPoolBackward<Pool3Stride2C17>(dx, dy, positions, batch);

        double[] dxRef = new double[x.Length];
        int nanWindows = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < g.OH; oy++)
            {
                for (int ox = 0; ox < g.OW; ox++)
                {
                    for (int c = 0; c < g.C; c++)
                    {
                        int at = ((b * g.OH + oy) * g.OW + ox) * g.C + c;
                        float best = float.NegativeInfinity;
                        int bestIndex = -1;
                        foreach (int index in g.Taps(b, oy, ox, c))
                        {
                            if (x[index] > best || float.IsNaN(x[index]) || bestIndex < 0)
                            {
                                best = x[index];
                                bestIndex = index;
                            }
                        }

                        nanWindows += float.IsNaN(best) ? 1 : 0;
                        Assert.Equal(best, y[at]);
                        Assert.Equal(best, yInference[at]);
                        Assert.Equal(bestIndex, positions[at]);
                        dxRef[bestIndex] += dy[at];
                    }
                }
            }
        }

        Assert.InRange(nanWindows, 10, y.Length / 2);
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(dx[i] - dxRef[i]) <= 1e-6 * (1 + Math.Abs(dxRef[i])), $"dx[{i}] = {dx[i]}, expected {dxRef[i]}");
    }

    [Fact]
    public void InferenceMaxPool_GivesNaN_ForAWindowWithANaNTap_OnTheVectorAndShiftedChannels()
    {
        // 17 channels: a full vector and a last one shifted back over it (at every vector width up to 16 lanes).
        Geometry g = Geometry.Of<Pool3Stride2C17>();
        float[] x = TestData.Uniform(g.InLength, 71);
        int[] nanChannels = [0, 9, 16];
        foreach (int c in nanChannels)
            x[(2 * g.W + 3) * g.C + c] = float.NaN; // pixel (2, 3): in the windows of outputs (0, 1) and (1, 1)
        float[] y = new float[g.OutPixels * g.C];
        PoolKernels.MaxPoolForward<Pool3Stride2C17>(y, x, 1);
        for (int oy = 0; oy < g.OH; oy++)
        {
            for (int ox = 0; ox < g.OW; ox++)
            {
                for (int c = 0; c < g.C; c++)
                {
                    bool nan = nanChannels.Contains(c) && ox == 1 && oy <= 1;
                    float expected = nan ? float.NaN : g.Taps(0, oy, ox, c).Max(index => x[index]);
                    Assert.Equal(expected, y[(oy * g.OW + ox) * g.C + c]);
                }
            }
        }
    }

    [Fact]
    public void GlobalAveragePooling_MatchesTheLoops()
    {
        int batch = 3, pixels = 49, channels = 17;
        float[] x = TestData.Uniform(batch * pixels * channels, 21), y = new float[batch * channels];
        PoolKernels.GlobalAvgPoolForward<P49, C17>(y, x, batch);
        float[] dy = TestData.Uniform(batch * channels, 22), dx = new float[x.Length];
        PoolKernels.GlobalAvgPoolBackward<P49, C17>(dx, dy, batch);
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                double sum = 0;
                for (int p = 0; p < pixels; p++)
                {
                    sum += x[(b * pixels + p) * channels + c];
                    Near(dy[b * channels + c] / (double)pixels, dx[(b * pixels + p) * channels + c], 1, "dx");
                }

                Near(sum / pixels, y[b * channels + c], pixels, "y");
            }
        }
    }

    [Fact]
    public void Layout_ToChannelsFirst_IsPyTorchsFlattenOrder_AndToChannelsLastUndoesIt()
    {
        // [B=2, H*W=3, C=2] channels last; PyTorch flattens [B, C, H, W] channel by channel.
        float[] nhwc = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15];
        float[] nchw = new float[12], back = new float[12];
        LayoutKernels.ToChannelsFirst<P3, C2>(nchw, nhwc, 2);
        Assert.Equal([0f, 2, 4, 1, 3, 5, 10, 12, 14, 11, 13, 15], nchw);
        LayoutKernels.ToChannelsLast<P3, C2>(back, nchw, 2);
        Assert.Equal(nhwc, back);
    }

    [Fact]
    public void SpatialDropoutMask_ZeroesWholeChannels()
    {
        int batch = 4, pixels = 49, channels = 17;
        float[] mask = new float[batch * channels];
        var random = new SeededRandom(5, 0);
        NoiseKernels.DropoutMask(mask, ref random, 0.5f, batch * channels);
        float[] x = TestData.Uniform(batch * pixels * channels, 31), y = new float[x.Length];
        NoiseKernels.ApplyChannelMask<P49, C17>(y, x, mask, batch);
        for (int b = 0; b < batch; b++)
        {
            for (int p = 0; p < pixels; p++)
            {
                for (int c = 0; c < channels; c++)
                {
                    int at = (b * pixels + p) * channels + c;
                    Assert.Equal(x[at] * mask[b * channels + c], y[at]);
                }
            }
        }

        Assert.Contains(0f, mask);
        Assert.Contains(2f, mask);
    }

    [Fact]
    public void Convolution_RejectsAColumnWidth_ThatIsNotTheWindowsTaps()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ConvKernels.Forward<Same3x3C1, K17, O5>(new float[5 * 7 * 9 * 5], new float[5 * 7 * 9], new float[5 * 63 * 17], new float[85], new float[85], new float[5], new float[85], default, 5));
        Assert.Equal("TK", error.ParamName);
    }

    private static void CheckConvolution<TWindow, TK, TOut>(int batch, int outChannels, int scratchParts = 1)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        Geometry g = Geometry.Of<TWindow>();
        int taps = g.C * g.KH * g.KW;
        float[] x = TestData.Uniform(batch * g.InLength, 1), w = TestData.Uniform(outChannels * taps, 2), bias = TestData.Uniform(outChannels, 3);
        float[] y = new float[batch * g.OutPixels * outChannels];
        float[] columns = new float[batch * g.OutPixels * taps], permuted = new float[outChannels * taps];
        ConvKernels.Forward<TWindow, TK, TOut>(y, x, columns, permuted, new float[taps * outChannels], new float[outChannels], w, bias, batch);
        (double[] expected, double[] scale) = ReferenceConvolution(g, x, w, bias, batch, outChannels);
        for (int i = 0; i < y.Length; i++)
            Near(expected[i], y[i], scale[i], $"{typeof(TWindow).Name} y[{i}]");

        float[] dy = TestData.Uniform(y.Length, 4);
        float[] dx = new float[x.Length], dw = new float[w.Length], db = new float[outChannels];
        float[] dColumns = new float[columns.Length], scratch = new float[2 * scratchParts * permuted.Length];
        dx.AsSpan().Fill(float.NaN); // overwritten, never accumulated into
        dw.AsSpan().Fill(float.NaN);
        ConvKernels.Backward<TWindow, TK, TOut>(dx, dw, db, dy, x, columns, permuted, dColumns, scratch, batch);
        (double[] dxRef, double[] dwRef, double[] dbRef) = ReferenceConvolutionBackward(g, x, w, dy, batch, outChannels);
        for (int i = 0; i < dx.Length; i++)
            Near(dxRef[i], dx[i], 1 + outChannels * taps, $"{typeof(TWindow).Name} dx[{i}]");
        for (int i = 0; i < dw.Length; i++)
            Near(dwRef[i], dw[i], 1 + batch * g.OutPixels, $"{typeof(TWindow).Name} dw[{i}]");
        for (int i = 0; i < db.Length; i++)
            Near(dbRef[i], db[i], 1 + batch * g.OutPixels, $"{typeof(TWindow).Name} db[{i}]");

        // The first layer asks for no input gradient: the weight gradient is the same without it.
        float[] dw2 = new float[w.Length];
        ConvKernels.Backward<TWindow, TK, TOut>(default, dw2, default, dy, x, columns, permuted, dColumns, scratch, batch);
        Assert.Equal(dw, dw2);
    }

    private static void FoldedInference<TWindow, TK, TOut>(int batch, int outChannels)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        Geometry g = Geometry.Of<TWindow>();
        int taps = g.C * g.KH * g.KW;
        float[] x = TestData.Uniform(batch * g.InLength, 41), w = TestData.Uniform(outChannels * taps, 42), bias = TestData.Uniform(outChannels, 43);
        float[] gamma = TestData.Uniform(outChannels, 44, 0.5f, 1.5f), beta = TestData.Uniform(outChannels, 45);
        float[] mean = TestData.Uniform(outChannels, 46), variance = TestData.Uniform(outChannels, 47, 0.2f, 2f);
        const float epsilon = 1e-5f;

        // Unfolded: the training convolution, then batch norm with the running statistics, then ReLU.
        int rows = batch * g.OutPixels;
        float[] unfolded = new float[rows * outChannels];
        ConvKernels.Forward<TWindow, TK, TOut>(unfolded, x, new float[rows * taps], new float[outChannels * taps], new float[taps * outChannels], new float[outChannels], w, bias, batch);
        NormalizationKernels.BatchNormInference(unfolded, unfolded, gamma, beta, mean, variance, epsilon, rows, outChannels);
        ActivationKernels.ReLUForward(unfolded, unfolded, unfolded.Length);

        float[] packed = new float[taps * outChannels], packedBias = new float[outChannels], permuted = new float[outChannels * taps];
        ConvKernels.PackForInference<TWindow, TK, TOut>(packed, packedBias, permuted, w, bias, gamma, beta, mean, variance, epsilon);
        float[] folded = new float[rows * outChannels];
        ConvKernels.InferenceForward<TWindow, TK, TOut>(folded, x, new float[rows * taps], packed, packedBias, FusedActivation.ReLU, batch);
        for (int i = 0; i < folded.Length; i++)
            Near(unfolded[i], folded[i], 1 + taps, $"{typeof(TWindow).Name} folded[{i}]");

        // The first layer's overload reads the caller's span.
        float[] fromSpan = new float[rows * outChannels];
        ConvKernels.InferenceForward<TWindow, TK, TOut>(fromSpan, x.AsSpan(), new float[x.Length], new float[rows * taps], packed, packedBias, FusedActivation.ReLU, batch);
        Assert.Equal(folded, fromSpan);
    }

    private static void DirectInference<TWindow, TK, TOut>(int batch, int outChannels)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        Geometry g = Geometry.Of<TWindow>();
        int taps = g.C * g.KH * g.KW, rows = batch * g.OutPixels;
        float[] x = TestData.Uniform(batch * g.InLength, 21), w = TestData.Uniform(outChannels * taps, 22), bias = TestData.Uniform(outChannels, 23);
        float[] packed = new float[taps * outChannels], packedBias = new float[outChannels];
        ConvKernels.PackForInference<TWindow, TK, TOut>(packed, packedBias, new float[outChannels * taps], w, bias);
        (double[] expected, double[] scale) = ReferenceConvolution(g, x, w, bias, batch, outChannels);
        foreach (FusedActivation activation in new[] { FusedActivation.None, FusedActivation.ReLU })
        {
            float[] y = new float[rows * outChannels], fromSpan = new float[y.Length];
            y.AsSpan().Fill(float.NaN); // overwritten, never read
            ConvKernels.InferenceForward<TWindow, TK, TOut>(y, x, new float[rows * taps], packed, packedBias, activation, batch);
            for (int i = 0; i < y.Length; i++)
            {
                double value = activation == FusedActivation.ReLU ? Math.Max(expected[i], 0) : expected[i];
                Near(value, y[i], scale[i], $"{typeof(TWindow).Name} {activation} y[{i}]");
            }

            // The first layer's overload, from the caller's span.
            ConvKernels.InferenceForward<TWindow, TK, TOut>(fromSpan, x.AsSpan(), new float[x.Length], new float[rows * taps], packed, packedBias, activation, batch);
            Assert.Equal(y, fromSpan);
        }
    }

    private static void PooledInference<TWindow, TK, TOut, TPool>(int batch, int outChannels)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        Geometry g = Geometry.Of<TWindow>(), pool = Geometry.Of<TPool>();
        int taps = g.C * g.KH * g.KW, rows = batch * g.OutPixels;
        float[] x = TestData.Uniform(batch * g.InLength, 24), w = TestData.Uniform(outChannels * taps, 25), bias = TestData.Uniform(outChannels, 26);
        float[] packed = new float[taps * outChannels], packedBias = new float[outChannels];
        ConvKernels.PackForInference<TWindow, TK, TOut>(packed, packedBias, new float[outChannels * taps], w, bias);
        float[] convolved = new float[rows * outChannels], expected = new float[batch * pool.OutPixels * outChannels];
        ConvKernels.InferenceForward<TWindow, TK, TOut>(convolved, x, new float[rows * taps], packed, packedBias, FusedActivation.ReLU, batch);
        PoolKernels.MaxPoolForward<TPool>(expected, convolved, batch);

        float[] pooled = new float[expected.Length], fromSpan = new float[expected.Length];
        pooled.AsSpan().Fill(float.NaN); // overwritten, never read
        float[] scratch = new float[ConvKernels.PooledScratchLength<TWindow, TK, TOut>(1)];
        ConvKernels.InferenceForward<TWindow, TK, TOut, TPool>(pooled, x, scratch, packed, packedBias, FusedActivation.ReLU, batch);
        for (int i = 0; i < pooled.Length; i++)
            Near(expected[i], pooled[i], Math.Abs(expected[i]), $"{typeof(TWindow).Name} pooled[{i}]");
        ConvKernels.InferenceForward<TWindow, TK, TOut, TPool>(fromSpan, x.AsSpan(), new float[x.Length], scratch, packed, packedBias, FusedActivation.ReLU, batch);
        Assert.Equal(pooled, fromSpan);
    }

    /// <summary>The pooled inference convolution against the loops: the reference convolution, then the activation, then the max of each pool window.</summary>
    private static void PooledAgainstLoops<TWindow, TK, TOut, TPool>(int batch, int outChannels)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
        where TPool : struct, IWindow2D
    {
        Geometry g = Geometry.Of<TWindow>(), pool = Geometry.Of<TPool>();
        int taps = g.C * g.KH * g.KW;
        float[] x = TestData.Uniform(batch * g.InLength, 27), w = TestData.Uniform(outChannels * taps, 28), bias = TestData.Uniform(outChannels, 29);
        float[] packed = new float[taps * outChannels], packedBias = new float[outChannels];
        ConvKernels.PackForInference<TWindow, TK, TOut>(packed, packedBias, new float[outChannels * taps], w, bias);
        (double[] convolved, double[] scale) = ReferenceConvolution(g, x, w, bias, batch, outChannels);
        float[] scratch = new float[ConvKernels.PooledScratchLength<TWindow, TK, TOut>(1)];
        foreach (FusedActivation activation in new[] { FusedActivation.None, FusedActivation.ReLU })
        {
            float[] pooled = new float[batch * pool.OutPixels * outChannels];
            pooled.AsSpan().Fill(float.NaN); // overwritten, never read
            ConvKernels.InferenceForward<TWindow, TK, TOut, TPool>(pooled, x, scratch, packed, packedBias, activation, batch);
            for (int b = 0; b < batch; b++)
            {
                for (int py = 0; py < pool.OH; py++)
                {
                    for (int px = 0; px < pool.OW; px++)
                    {
                        for (int o = 0; o < outChannels; o++)
                        {
                            double best = double.NegativeInfinity, bestScale = 0;
                            for (int dy = 0; dy < pool.KH; dy++)
                            {
                                for (int dx = 0; dx < pool.KW; dx++)
                                {
                                    int at = ((b * g.OH + py * pool.SH + dy) * g.OW + px * pool.SW + dx) * outChannels + o;
                                    double value = activation == FusedActivation.ReLU ? Math.Max(convolved[at], 0) : convolved[at];
                                    if (value > best)
                                        best = value;
                                    bestScale = Math.Max(bestScale, scale[at]);
                                }
                            }

                            int i = ((b * pool.OH + py) * pool.OW + px) * outChannels + o;
                            Near(best, pooled[i], bestScale, $"{typeof(TWindow).Name} {typeof(TPool).Name} {activation} pooled[{i}]");
                        }
                    }
                }
            }
        }
    }

    private static void FiniteDifferences<TWindow, TK, TOut>(int outChannels)
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        // loss = sum(y * r): its gradient with respect to y is r. Central differences in double around float values
        // (h = 1e-2; the loss is linear in each argument, so only rounding separates the two).
        const int batch = 2;
        Geometry g = Geometry.Of<TWindow>();
        int taps = g.C * g.KH * g.KW;
        float[] x = TestData.Uniform(batch * g.InLength, 51), w = TestData.Uniform(outChannels * taps, 52), bias = TestData.Uniform(outChannels, 53);
        float[] r = TestData.Uniform(batch * g.OutPixels * outChannels, 54);
        float[] columns = new float[batch * g.OutPixels * taps], permuted = new float[outChannels * taps];
        double Loss()
        {
            float[] y = new float[r.Length];
            ConvKernels.Forward<TWindow, TK, TOut>(y, x, columns, permuted, new float[taps * outChannels], new float[outChannels], w, bias, batch);
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
                sum += (double)y[i] * r[i];
            return sum;
        }

        Loss();
        float[] dx = new float[x.Length], dw = new float[w.Length], db = new float[outChannels];
        ConvKernels.Backward<TWindow, TK, TOut>(dx, dw, db, r, x, columns, permuted, new float[columns.Length], new float[2 * permuted.Length], batch);
        foreach ((float[] values, float[] gradient, string name) in new[] { (x, dx, "x"), (w, dw, "w"), (bias, db, "b") })
        {
            for (int i = 0; i < values.Length; i += 1 + values.Length / 40)
            {
                const float h = 1e-2f;
                float original = values[i];
                values[i] = original + h;
                double plus = Loss();
                values[i] = original - h;
                double minus = Loss();
                values[i] = original;
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-3 * (1 + Math.Abs(numeric)), $"{typeof(TWindow).Name} d{name}[{i}]: analytic {gradient[i]}, numeric {numeric}");
            }
        }
    }

    private static void CheckPooling<TWindow>(int batch)
        where TWindow : struct, IWindow2D
    {
        Geometry g = Geometry.Of<TWindow>();
        float[] x = TestData.Uniform(batch * g.InLength, 61);
        float[] max = new float[batch * g.OutPixels * g.C], avg = new float[max.Length], maxInference = new float[max.Length];
        int[] positions = new int[max.Length];
        PoolKernels.MaxPoolForward<TWindow>(max, positions, x, batch);
        PoolKernels.MaxPoolForward<TWindow>(maxInference, x, batch);
        Assert.Equal(max, maxInference);
        PoolKernels.AvgPoolForward<TWindow>(avg, x, batch);
        float[] dy = TestData.Uniform(max.Length, 62);
        float[] dxMax = new float[x.Length], dxAvg = new float[x.Length];
        dxMax.AsSpan().Fill(float.NaN);
        dxAvg.AsSpan().Fill(float.NaN);
        PoolKernels.MaxPoolBackward<TWindow>(dxMax, dy, positions, batch);
        PoolKernels.AvgPoolBackward<TWindow>(dxAvg, dy, batch);

        double[] dxMaxRef = new double[x.Length], dxAvgRef = new double[x.Length];
        int windowSize = g.KH * g.KW;
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < g.OH; oy++)
            {
                for (int ox = 0; ox < g.OW; ox++)
                {
                    for (int c = 0; c < g.C; c++)
                    {
                        int at = ((b * g.OH + oy) * g.OW + ox) * g.C + c;
                        double best = double.NegativeInfinity, sum = 0;
                        int bestIndex = -1;
                        foreach (int index in g.Taps(b, oy, ox, c))
                        {
                            sum += x[index];
                            dxAvgRef[index] += dy[at] / (double)windowSize;
                            if (x[index] > best)
                            {
                                best = x[index];
                                bestIndex = index;
                            }
                        }

                        dxMaxRef[bestIndex] += dy[at];
                        Assert.Equal((float)best, max[at]);
                        Near(sum / windowSize, avg[at], windowSize, $"{typeof(TWindow).Name} avg[{at}]");
                    }
                }
            }
        }

        for (int i = 0; i < x.Length; i++)
        {
            Near(dxMaxRef[i], dxMax[i], 1 + windowSize, $"{typeof(TWindow).Name} dxMax[{i}]");
            Near(dxAvgRef[i], dxAvg[i], 1 + windowSize, $"{typeof(TWindow).Name} dxAvg[{i}]");
        }
    }

    /// <summary>PyTorch's <c>conv2d</c> in loops: <c>y[b, oy, ox, o] = bias[o] + sum x[b, iy, ix, c] * w[o, c, ky, kx]</c>; also the sum of |terms| per output.</summary>
    private static (double[] Values, double[] Scale) ReferenceConvolution(Geometry g, float[] x, float[] w, float[] bias, int batch, int outChannels)
    {
        var y = new double[batch * g.OutPixels * outChannels];
        var scale = new double[y.Length];
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < g.OH; oy++)
            {
                for (int ox = 0; ox < g.OW; ox++)
                {
                    for (int o = 0; o < outChannels; o++)
                    {
                        double sum = bias[o], magnitude = Math.Abs(bias[o]);
                        foreach ((int c, int ky, int kx, int index) in g.ConvTaps(b, oy, ox))
                        {
                            double term = (double)x[index] * w[((o * g.C + c) * g.KH + ky) * g.KW + kx];
                            sum += term;
                            magnitude += Math.Abs(term);
                        }

                        int at = ((b * g.OH + oy) * g.OW + ox) * outChannels + o;
                        y[at] = sum;
                        scale[at] = magnitude;
                    }
                }
            }
        }

        return (y, scale);
    }

    private static (double[] Dx, double[] Dw, double[] Db) ReferenceConvolutionBackward(Geometry g, float[] x, float[] w, float[] dy, int batch, int outChannels)
    {
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[outChannels];
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < g.OH; oy++)
            {
                for (int ox = 0; ox < g.OW; ox++)
                {
                    for (int o = 0; o < outChannels; o++)
                    {
                        double d = dy[((b * g.OH + oy) * g.OW + ox) * outChannels + o];
                        db[o] += d;
                        foreach ((int c, int ky, int kx, int index) in g.ConvTaps(b, oy, ox))
                        {
                            int wi = ((o * g.C + c) * g.KH + ky) * g.KW + kx;
                            dx[index] += d * w[wi];
                            dw[wi] += d * x[index];
                        }
                    }
                }
            }
        }

        return (dx, dw, db);
    }

    private static void Near(double expected, float actual, double scale, string what)
    {
        if (!(Math.Abs(expected - actual) <= 1e-5 * (1 + scale)))
            Assert.Fail($"{what}: expected {expected}, actual {actual}");
    }

    /// <summary>A window's numbers as plain values, and the input indices its taps read (padding taps skipped).</summary>
    private readonly record struct Geometry(int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, int OH, int OW)
    {
        public int InLength => H * W * C;

        public int OutPixels => OH * OW;

        public static Geometry Of<TWindow>()
            where TWindow : struct, IWindow2D =>
            new(TWindow.Channels, TWindow.InHeight, TWindow.InWidth, TWindow.WindowHeight, TWindow.WindowWidth, TWindow.StrideHeight,
                TWindow.StrideWidth, TWindow.PaddingTop, TWindow.PaddingLeft, TWindow.DilationHeight, TWindow.DilationWidth, TWindow.OutHeight, TWindow.OutWidth);

        public IEnumerable<(int C, int Ky, int Kx, int Index)> ConvTaps(int b, int oy, int ox)
        {
            for (int c = 0; c < C; c++)
            {
                for (int ky = 0; ky < KH; ky++)
                {
                    for (int kx = 0; kx < KW; kx++)
                    {
                        int iy = oy * SH - PT + ky * DH, ix = ox * SW - PL + kx * DW;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                            yield return (c, ky, kx, ((b * H + iy) * W + ix) * C + c);
                    }
                }
            }
        }

        public IEnumerable<int> Taps(int b, int oy, int ox, int c)
        {
            for (int ky = 0; ky < KH; ky++)
            {
                for (int kx = 0; kx < KW; kx++)
                {
                    int iy = oy * SH - PT + ky * DH, ix = ox * SW - PL + kx * DW;
                    if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                        yield return ((b * H + iy) * W + ix) * C + c;
                }
            }
        }
    }

    // Windows: C, H, W, KH, KW, stride, padding (top/left; the output size sets bottom/right), dilation, output size
    // from PyTorch's formula floor((H + 2P - D * (K - 1) - 1) / S) + 1.
    private readonly struct Same3x3C1 : IWindow2D
    {
        public static int Channels => 1; public static int InHeight => 7; public static int InWidth => 9;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 7; public static int OutWidth => 9;
    }

    private readonly struct Stride2Pad2K5C3 : IWindow2D
    {
        public static int Channels => 3; public static int InHeight => 8; public static int InWidth => 7;
        public static int WindowHeight => 5; public static int WindowWidth => 5; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 2; public static int PaddingLeft => 2; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 4; public static int OutWidth => 4;
    }

    private readonly struct Stride2Pad2K5C17 : IWindow2D
    {
        public static int Channels => 17; public static int InHeight => 8; public static int InWidth => 7;
        public static int WindowHeight => 5; public static int WindowWidth => 5; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 2; public static int PaddingLeft => 2; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 4; public static int OutWidth => 4;
    }

    private readonly struct Pointwise1x1C17 : IWindow2D
    {
        public static int Channels => 17; public static int InHeight => 5; public static int InWidth => 3;
        public static int WindowHeight => 1; public static int WindowWidth => 1; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 5; public static int OutWidth => 3;
    }

    private readonly struct Dilated3x2C4 : IWindow2D
    {
        // H: (9 + 2 - 2 * 2 - 1) / 2 + 1 = 4; W: (7 + 0 - 1 - 1) / 3 + 1 = 2.
        public static int Channels => 4; public static int InHeight => 9; public static int InWidth => 7;
        public static int WindowHeight => 3; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 3;
        public static int PaddingTop => 1; public static int PaddingLeft => 0; public static int DilationHeight => 2; public static int DilationWidth => 1;
        public static int OutHeight => 4; public static int OutWidth => 2;
    }

    private readonly struct Valid3x3C17 : IWindow2D
    {
        public static int Channels => 17; public static int InHeight => 6; public static int InWidth => 6;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 4; public static int OutWidth => 4;
    }

    private readonly struct Same3x3C32 : IWindow2D
    {
        public static int Channels => 32; public static int InHeight => 8; public static int InWidth => 7;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 8; public static int OutWidth => 7;
    }

    private readonly struct Stride2Pad1K3C3 : IWindow2D
    {
        // H: (9 + 2 - 2 - 1) / 2 + 1 = 5; W: (11 + 2 - 2 - 1) / 2 + 1 = 6.
        public static int Channels => 3; public static int InHeight => 9; public static int InWidth => 11;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 5; public static int OutWidth => 6;
    }

    // Max pools over the convolutions' outputs above (no padding).
    private readonly struct Pool2On7x9C32 : IWindow2D
    {
        public static int Channels => 32; public static int InHeight => 7; public static int InWidth => 9;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 3; public static int OutWidth => 4;
    }

    private readonly struct Pool3Stride3On7x9C17 : IWindow2D
    {
        public static int Channels => 17; public static int InHeight => 7; public static int InWidth => 9;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 3; public static int StrideWidth => 3;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 2; public static int OutWidth => 3;
    }

    private readonly struct Pool2Stride3On5x6C20 : IWindow2D
    {
        public static int Channels => 20; public static int InHeight => 5; public static int InWidth => 6;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 3; public static int StrideWidth => 3;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 2; public static int OutWidth => 2;
    }

    private readonly struct Pool2On5x6C64 : IWindow2D
    {
        public static int Channels => 64; public static int InHeight => 5; public static int InWidth => 6;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 2; public static int OutWidth => 3;
    }

    private readonly struct Pool2On4x4C20 : IWindow2D
    {
        public static int Channels => 20; public static int InHeight => 4; public static int InWidth => 4;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 2; public static int OutWidth => 2;
    }

    private readonly struct Pool2Stride1On4x2C8 : IWindow2D
    {
        public static int Channels => 8; public static int InHeight => 4; public static int InWidth => 2;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 3; public static int OutWidth => 1;
    }

    private readonly struct Pool3Stride1On4x4C72 : IWindow2D
    {
        public static int Channels => 72; public static int InHeight => 4; public static int InWidth => 4;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 2; public static int OutWidth => 2;
    }

    private readonly struct Pool2On5x3C3 : IWindow2D
    {
        public static int Channels => 3; public static int InHeight => 5; public static int InWidth => 3;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 2; public static int OutWidth => 1;
    }

    private readonly struct Pool2C32 : IWindow2D
    {
        public static int Channels => 32; public static int InHeight => 8; public static int InWidth => 8;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 4; public static int OutWidth => 4;
    }

    private readonly struct Pool3Stride2C17 : IWindow2D
    {
        public static int Channels => 17; public static int InHeight => 7; public static int InWidth => 8;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 3; public static int OutWidth => 3;
    }

    private readonly struct Pool3Stride1Pad1C3 : IWindow2D
    {
        public static int Channels => 3; public static int InHeight => 5; public static int InWidth => 4;
        public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 5; public static int OutWidth => 4;
    }

    private readonly struct Tie2x2 : IWindow2D
    {
        public static int Channels => 1; public static int InHeight => 2; public static int InWidth => 2;
        public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
        public static int OutHeight => 1; public static int OutWidth => 1;
    }

    private readonly struct K9 : IDimension { public static int Value => 9; }
    private readonly struct K17 : IDimension { public static int Value => 17; }
    private readonly struct K24 : IDimension { public static int Value => 24; }
    private readonly struct K27 : IDimension { public static int Value => 27; }
    private readonly struct K75 : IDimension { public static int Value => 75; }
    private readonly struct K153 : IDimension { public static int Value => 153; }
    private readonly struct O3 : IDimension { public static int Value => 3; }
    private readonly struct O5 : IDimension { public static int Value => 5; }
    private readonly struct O8 : IDimension { public static int Value => 8; }
    private readonly struct O16 : IDimension { public static int Value => 16; }
    private readonly struct O17 : IDimension { public static int Value => 17; }
    private readonly struct O9 : IDimension { public static int Value => 9; }
    private readonly struct O20 : IDimension { public static int Value => 20; }
    private readonly struct O32 : IDimension { public static int Value => 32; }
    private readonly struct O64 : IDimension { public static int Value => 64; }
    private readonly struct O72 : IDimension { public static int Value => 72; }
    private readonly struct K288 : IDimension { public static int Value => 288; }
    private readonly struct C2 : IDimension { public static int Value => 2; }
    private readonly struct C17 : IDimension { public static int Value => 17; }
    private readonly struct P3 : IDimension { public static int Value => 3; }
    private readonly struct P49 : IDimension { public static int Value => 49; }
}
