using BenchmarkDotNet.Attributes;
using DslNets.Threading;

namespace DslNets.Benchmarks;

/// <summary>
/// Inference of the same weights: DslNets <c>Predict</c> against ONNX Runtime (the network's ONNX export, one intra-op
/// thread, all graph optimizations, preallocated input and output tensors). Ratio = DslNets / ONNX Runtime.
/// <see cref="Threads"/> applies to DslNets only (ONNX Runtime always runs on one thread).
/// </summary>
public class InferenceBenchmarks : OnnxPeerBenchmarks
{
    /// <summary>DslNets kernel threads (<see cref="KernelThreads.Count"/>).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The MLP, on <see cref="Threads"/> kernel threads.</summary>
    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = Math.Min(Threads, Environment.ProcessorCount);
        Open(new BenchmarkMlp());
    }
}
