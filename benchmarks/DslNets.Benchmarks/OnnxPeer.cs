using BenchmarkDotNet.Attributes;
using DslNets.Onnx;
using DslNets.Threading;
using Microsoft.ML.OnnxRuntime;

namespace DslNets.Benchmarks;

/// <summary>
/// DslNets <c>Predict</c> and ONNX Runtime on the network's own export (one intra-op thread, sequential, all graph
/// optimizations, preallocated input and output tensors) at one batch size, on the same inputs: the peer of the
/// BenchmarkDotNet inference classes and of <c>--versus</c>.
/// </summary>
public sealed class OnnxPeer : IDisposable
{
    private readonly INetwork _network;
    private readonly int _batch;
    private readonly float[] _inputs;
    private readonly float[] _outputs;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue[] _ortInputs;
    private readonly OrtValue[] _ortOutputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <summary>Trains a few steps (so batch norm has real statistics), exports to ONNX, opens the session and runs both once.</summary>
    public OnnxPeer(INetwork<int> network, int batch)
    {
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        for (int step = 0; step < 3; step++)
            network.TrainStep(BenchmarkData.Inputs(64 * network.InputSize, step), BenchmarkData.Labels(64, step), 64, optimizer);

        _network = network;
        _batch = batch;
        _inputs = BenchmarkData.Inputs(batch * network.InputSize, 99);
        _outputs = new float[batch * network.OutputSize];
        using (var model = new MemoryStream())
        {
            network.ExportOnnx(model);
            var options = new SessionOptions
            {
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(model.ToArray(), options);
        }

        _inputNames = _session.InputNames.ToArray();
        _outputNames = _session.OutputNames.ToArray();
        _ortInputs = [OrtValue.CreateTensorValueFromMemory(_inputs, new long[] { batch, network.InputSize })];
        _ortOutputs = [OrtValue.CreateTensorValueFromMemory(new float[batch * network.OutputSize], new long[] { batch, network.OutputSize })];
        RunOnnx();
        RunDslNets();
    }

    /// <summary>One ONNX Runtime inference call.</summary>
    public void RunOnnx() => _session.Run(_runOptions, _inputNames, _ortInputs, _outputNames, _ortOutputs);

    /// <summary>One DslNets Predict call (batch norm folded, packed weights).</summary>
    public void RunDslNets()
    {
        if (_batch == 1)
            _network.Predict(_inputs, _outputs);
        else
            _network.Predict(_inputs, _outputs, _batch);
    }

    /// <summary>Releases the session and its tensors.</summary>
    public void Dispose()
    {
        _ortInputs[0].Dispose();
        _ortOutputs[0].Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}

/// <summary>
/// DslNets <c>Predict</c> against ONNX Runtime through <see cref="OnnxPeer"/>, batch 1 and 64. Ratio = DslNets / ONNX
/// Runtime. A derived class sets the kernel threads and hands its network to <see cref="Open"/> from its <c>[GlobalSetup]</c>.
/// </summary>
public abstract class OnnxPeerBenchmarks
{
    private OnnxPeer _peer = null!;

    /// <summary>Samples per call.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary>Releases the session and restores single-threaded kernels.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _peer.Dispose();
        KernelThreads.Count = 1;
    }

    /// <summary>ONNX Runtime on one thread.</summary>
    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _peer.RunOnnx();

    /// <summary>DslNets Predict (batch norm folded, packed weights).</summary>
    [Benchmark]
    public void DslNets() => _peer.RunDslNets();

    /// <summary>Opens the peer for <paramref name="network"/> at <see cref="Batch"/>.</summary>
    protected void Open(INetwork<int> network) => _peer = new OnnxPeer(network, Batch);
}
