using BenchmarkDotNet.Attributes;
using DslNets.Threading;
using Microsoft.ML.OnnxRuntime;

namespace DslNets.Benchmarks;

/// <summary>
/// Inference of the same weights: DslNets <c>Predict</c> against ONNX Runtime (the network's ONNX export, one intra-op
/// thread, all graph optimizations, preallocated input and output tensors). Ratio = DslNets / ONNX Runtime.
/// <see cref="Threads"/> applies to DslNets only (ONNX Runtime always runs on one thread).
/// </summary>
public class InferenceBenchmarks
{
    private BenchmarkMlp _network = null!;
    private float[] _inputs = null!;
    private float[] _outputs = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtValue _ortInput = null!;
    private OrtValue _ortOutput = null!;
    private string[] _inputNames = null!;
    private string[] _outputNames = null!;
    private OrtValue[] _ortInputs = null!;
    private OrtValue[] _ortOutputs = null!;

    /// <summary>Samples per call.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary>DslNets kernel threads (<see cref="KernelThreads.Count"/>).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Trains a few steps (so batch norm has real statistics), exports to ONNX and opens the session.</summary>
    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = Math.Min(Threads, Environment.ProcessorCount);
        _network = new BenchmarkMlp();
        var optimizer = new Sgd(0.01f, momentum: 0.9f);
        for (int step = 0; step < 3; step++)
            _network.TrainStep(BenchmarkData.Inputs(64 * 784, step), BenchmarkData.Labels(64, step), 64, optimizer);

        _inputs = BenchmarkData.Inputs(Batch * 784, 99);
        _outputs = new float[Batch * 10];

        _session = OnnxPeer.Open(_network);
        _runOptions = new RunOptions();
        _inputNames = _session.InputNames.ToArray();
        _outputNames = _session.OutputNames.ToArray();
        _ortInput = OrtValue.CreateTensorValueFromMemory(_inputs, new long[] { Batch, 784 });
        _ortOutput = OrtValue.CreateTensorValueFromMemory(new float[Batch * 10], new long[] { Batch, 10 });
        _ortInputs = new[] { _ortInput };
        _ortOutputs = new[] { _ortOutput };
        OnnxRuntime();
        DslNets();
    }

    /// <summary>Releases the session and restores single-threaded kernels.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ortInput.Dispose();
        _ortOutput.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        KernelThreads.Count = 1;
    }

    /// <summary>ONNX Runtime on one thread.</summary>
    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _session.Run(_runOptions, _inputNames, _ortInputs, _outputNames, _ortOutputs);

    /// <summary>DslNets Predict (folded batch norm, packed weights).</summary>
    [Benchmark]
    public void DslNets()
    {
        if (Batch == 1)
            _network.Predict(_inputs, _outputs);
        else
            _network.Predict(_inputs, _outputs, Batch);
    }
}
