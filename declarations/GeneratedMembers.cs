using System;
using System.Collections.Generic;

namespace DslNets.Declarations;

/// <summary>
/// The names the generator writes into a network class, so a layer named like one of them is an error (DSL015)
/// instead of a CS0102 inside the generated code. A generator test compares this list with the emitted members.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Members every network gets, and the extension methods every network is called with.</summary>
    public static readonly HashSet<string> Fixed = new(StringComparer.Ordinal)
    {
        "InputSize", "OutputSize", "MaxBatch", "ParameterCount", "BufferCount", "Seed",
        "ActivationCount", "SavedCount", "MaxWidth", "InferenceCount", "ArchitectureFingerprint",
        "InferenceSpareOffset", "InferenceColumnsOffset", "InferenceScratchLength",
        "Parameters", "Gradients", "Buffers", "Tensors", "Operations", "NoiseState", "DataLoss", "RegularizationLoss",
        "Predict", "PredictCore", "PredictLogits", "ComputeGradients", "ComputeGradientsCore", "TrainStep", "CheckTrainingArguments",
        "TrainingForward", "TrainingForwardCore",
        "Regularize", "PackInference", "OnParametersChanged", "Summary",
        "_parameters", "_gradients", "_buffers", "_activations", "_deltas", "_saved", "_inputs", "_inference", "_noise",
        "_dataLoss", "_regularizationLoss", "_inferenceLock", "_parametersVersion", "_inferenceVersion",
        "s_tensors", "s_operations", "t_inferenceScratch",
        "Save", "Load", "ExportOnnx",
    };

    /// <summary>The methods each layer gets: <c>{Layer}Infer</c>, <c>{Layer}Forward</c>, <c>{Layer}Backward</c>.</summary>
    public static readonly string[] LayerMethodSuffixes = { "Infer", "Forward", "Backward" };

    /// <summary>
    /// The generated member that <paramref name="layer"/> would collide with, or null. Besides the fixed names: the
    /// class's own name (its constructor), the size types <c>Size{N}</c>, each layer's methods and its constants
    /// (<c>{Layer}_In</c>, <c>{Layer}_Dense_Weight</c>, ...: every name that starts with a layer name and '_').
    /// </summary>
    public static string? ReservedBy(string layer, string className, IReadOnlyList<string> layers)
    {
        if (Fixed.Contains(layer))
            return $"the generated member {layer}";
        if (layer == className)
            return $"the constructor of {className}";
        if (layer.Length > 4 && layer.StartsWith("Size", StringComparison.Ordinal) && IsDigits(layer, 4))
            return $"the size type {layer}";
        foreach (string other in layers)
        {
            foreach (string suffix in LayerMethodSuffixes)
            {
                if (layer == other + suffix)
                    return $"the method {layer} of layer {other}";
            }

            if (layer.StartsWith(other + "_", StringComparison.Ordinal))
                return $"the constants {other}_* of layer {other}";
        }

        return null;
    }

    private static bool IsDigits(string text, int start)
    {
        for (int i = start; i < text.Length; i++)
        {
            if (text[i] is < '0' or > '9')
                return false;
        }

        return true;
    }
}
