using BenchmarkDotNet.Attributes;
using DslNets.Onnx;
using DslNets.Threading;
using Microsoft.ML.OnnxRuntime;

namespace DslNets.Benchmarks;

/// <summary>
/// DslNets <c>Predict</c> against ONNX Runtime on the network's own export (one intra-op thread, sequential, all graph
/// optimizations, preallocated input and output tensors), batch 1 and 64. Ratio = DslNets / ONNX Runtime. A derived
/// class sets the kernel threads and hands its network to <see cref="Open"/> from its <c>[GlobalSetup]</c>.
/// </summary>
public abstract class OnnxPeerBenchmarks
{
    private INetwork _network = null!;
    private float[] _inputs = null!;
    private float[] _outputs = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _ortInputs = null!;
    private OrtValue[] _ortOutputs = null!;
    private string[] _inputNames = null!;
    private string[] _outputNames = null!;

    /// <summary>Samples per call.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary>Releases the session and restores single-threaded kernels.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ortInputs[0].Dispose();
        _ortOutputs[0].Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        KernelThreads.Count = 1;
    }

    /// <summary>ONNX Runtime on one thread.</summary>
    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _session.Run(_runOptions, _inputNames, _ortInputs, _outputNames, _ortOutputs);

    /// <summary>DslNets Predict (batch norm folded, packed weights).</summary>
    [Benchmark]
    public void DslNets()
    {
        if (Batch == 1)
            _network.Predict(_inputs, _outputs);
        else
            _network.Predict(_inputs, _outputs, Batch);
    }

    /// <summary>Trains a few steps (so batch norm has real statistics), exports to ONNX, opens the session and runs both once.</summary>
    protected void Open(INetwork<int> network)
    {
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        for (int step = 0; step < 3; step++)
            network.TrainStep(BenchmarkData.Inputs(64 * network.InputSize, step), BenchmarkData.Labels(64, step), 64, optimizer);

        _network = network;
        _inputs = BenchmarkData.Inputs(Batch * network.InputSize, 99);
        _outputs = new float[Batch * network.OutputSize];
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

        _runOptions = new RunOptions();
        _inputNames = _session.InputNames.ToArray();
        _outputNames = _session.OutputNames.ToArray();
        _ortInputs = [OrtValue.CreateTensorValueFromMemory(_inputs, new long[] { Batch, network.InputSize })];
        _ortOutputs = [OrtValue.CreateTensorValueFromMemory(new float[Batch * network.OutputSize], new long[] { Batch, network.OutputSize })];
        OnnxRuntime();
        DslNets();
    }
}
