using BenchmarkDotNet.Attributes;
using DslNets.Kernels;
using DslNets.Threading;

namespace DslNets.Benchmarks;

/// <summary>The Fashion-MNIST sample's CNN (samples/FashionMnist/FashionCnn.cs), declared again here.</summary>
[Network(InputShape = new[] { 1, 28, 28 }, MaxBatch = 256, Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
[L2(1e-5)]
public partial class BenchmarkCnn
{
    /// <summary>[1, 28, 28] -> [32, 14, 14].</summary>
    [Conv2D(32, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU, MaxPool2D(2)]
    public partial ConvLayer Block1 { get; }

    /// <summary>[32, 14, 14] -> [64, 7, 7].</summary>
    [Conv2D(64, 3, PaddingMode = PaddingMode.Same, Bias = false), BatchNorm, ReLU, MaxPool2D(2)]
    public partial ConvLayer Block2 { get; }

    /// <summary>3136 -> 128.</summary>
    [Dense(128), ReLU, Dropout(0.3)]
    public partial DenseLayer Hidden { get; }

    /// <summary>128 -> 10.</summary>
    [Dense(10), L2(0)]
    public partial DenseLayer Output { get; }
}

/// <summary>
/// The CNN: DslNets <c>Predict</c> against ONNX Runtime on the network's own export (one intra-op thread, all graph
/// optimizations), batch 1 and 64, and a training step at batch 64; all on one thread. Ratio = DslNets / ONNX Runtime.
/// </summary>
public class CnnInferenceBenchmarks : OnnxPeerBenchmarks
{
    /// <summary>The CNN, on one kernel thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = 1;
        Open(new BenchmarkCnn());
    }
}

/// <summary>
/// A CNN training step at batch 64 on one thread, and each convolution's training forward and backward alone (the
/// share of the FMA peak is their flop over their time: 2 * B * OH * OW * O * K per product, three products).
/// </summary>
public class CnnTrainingBenchmarks
{
    private const int Batch = 64;
    private BenchmarkCnn _network = null!;
    private Sgd _optimizer = null!;
    private float[] _inputs = null!;
    private int[] _labels = null!;
    private ConvCase<CnnConv1Window, CnnSize9, CnnSize32> _conv1 = null!;
    private ConvCase<CnnConv2Window, CnnSize288, CnnSize64> _conv2 = null!;

    /// <summary>Network, data and the two convolutions' buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = 1;
        _network = new BenchmarkCnn();
        _optimizer = new Sgd(0.01f, momentum: 0.9f);
        _inputs = BenchmarkData.Inputs(Batch * 784, 1);
        _labels = BenchmarkData.Labels(Batch, 1);
        _conv1 = new ConvCase<CnnConv1Window, CnnSize9, CnnSize32>(Batch);
        _conv2 = new ConvCase<CnnConv2Window, CnnSize288, CnnSize64>(Batch);
        TrainStep();
    }

    /// <summary>TrainStep at batch 64 (forward, loss, backward, L2, SGD with momentum).</summary>
    [Benchmark]
    public float TrainStep() => _network.TrainStep(_inputs, _labels, Batch, _optimizer);

    /// <summary>Conv 28 x 28 x 1 -> 32 (3 x 3, same): forward, weight gradient (the first layer needs no input gradient). 2 * 64 * 784 * 32 * 9 * 2 flop.</summary>
    [Benchmark]
    public void Conv1ForwardBackward() => _conv1.Run(inputGradient: false);

    /// <summary>Conv 14 x 14 x 32 -> 64 (3 x 3, same): forward, weight and input gradient. 2 * 64 * 196 * 64 * 288 * 3 flop.</summary>
    [Benchmark]
    public void Conv2ForwardBackward() => _conv2.Run(inputGradient: true);

    private sealed class ConvCase<TWindow, TK, TOut>
        where TWindow : struct, IWindow2D
        where TK : struct, IDimension
        where TOut : struct, IDimension
    {
        private readonly int _batch;
        private readonly float[] _x, _w, _y, _columns, _permuted, _packed, _packedBias, _dx, _dw, _dColumns, _scratch;

        public ConvCase(int batch)
        {
            _batch = batch;
            int rows = batch * TWindow.OutHeight * TWindow.OutWidth, taps = TK.Value, filters = TOut.Value;
            _x = BenchmarkData.Inputs(batch * TWindow.InHeight * TWindow.InWidth * TWindow.Channels, 3);
            _w = BenchmarkData.Inputs(filters * taps, 4);
            _y = new float[rows * filters];
            _columns = new float[rows * taps];
            _dColumns = new float[rows * taps];
            _permuted = new float[filters * taps];
            _packed = new float[filters * taps];
            _packedBias = new float[filters];
            _dx = new float[_x.Length];
            _dw = new float[_w.Length];
            _scratch = new float[8 * filters * taps];
        }

        public void Run(bool inputGradient)
        {
            ConvKernels.Forward<TWindow, TK, TOut>(_y, _x, _columns, _permuted, _packed, _packedBias, _w, default, _batch);
            ConvKernels.Backward<TWindow, TK, TOut>(inputGradient ? _dx : default, _dw, default, _y, _x, _columns, _permuted, _dColumns, _scratch, _batch);
        }
    }
}
