using DslNets.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace DslNets.Benchmarks;

/// <summary>ONNX Runtime as the inference peer: the network's own export, one thread, sequential, every graph optimization.</summary>
internal static class OnnxPeer
{
    public static InferenceSession Open(INetwork network)
    {
        using var model = new MemoryStream();
        network.ExportOnnx(model);
        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        return new InferenceSession(model.ToArray(), options);
    }
}
