using BenchmarkDotNet.Attributes;
using DslNets.Threading;

namespace DslNets.Benchmarks;

/// <summary>
/// One training step (forward, softmax cross-entropy, backward, SGD with momentum 0.9) of the same network:
/// DslNets <c>TrainStep</c> against <see cref="PlainMlp"/>, the unspecialized C# version. Ratio = DslNets / plain.
/// <see cref="Threads"/> applies to DslNets only.
/// </summary>
public class TrainingBenchmarks
{
    private BenchmarkMlp _network = null!;
    private Sgd _optimizer = null!;
    private PlainMlp _plain = null!;
    private float[] _inputs = null!;
    private int[] _labels = null!;

    /// <summary>Samples per step.</summary>
    [Params(64, 256)]
    public int Batch { get; set; }

    /// <summary>DslNets kernel threads (<see cref="KernelThreads.Count"/>).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds both networks and runs one step of each (JIT, optimizer state).</summary>
    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = Math.Min(Threads, Environment.ProcessorCount);
        _network = new BenchmarkMlp();
        _optimizer = new Sgd(0.01f, momentum: 0.9f);
        _plain = new PlainMlp([784, 256, 128, 10], maxBatch: 256, dropProbability: 0.3f, learningRate: 0.01f, momentum: 0.9f, seed: 7);
        _inputs = BenchmarkData.Inputs(Batch * 784, 1);
        _labels = BenchmarkData.Labels(Batch, 1);
        PlainCSharp();
        DslNets();
    }

    /// <summary>Restores single-threaded kernels.</summary>
    [GlobalCleanup]
    public void Cleanup() => KernelThreads.Count = 1;

    /// <summary>The unspecialized C# MLP (loops over runtime sizes).</summary>
    [Benchmark(Baseline = true)]
    public float PlainCSharp() => _plain.TrainStep(_inputs, _labels, Batch);

    /// <summary>DslNets TrainStep.</summary>
    [Benchmark]
    public float DslNets() => _network.TrainStep(_inputs, _labels, Batch, _optimizer);
}
