using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DslNets.Declarations;

namespace DslNets.Generator;

/// <summary>
/// The architecture as a table, like Keras <c>model.summary()</c>: per layer its operations with output shape and
/// parameter count, then the totals and the memory the network holds. Computed from the layout, so the numbers are
/// the generated network's own.
/// </summary>
internal static class NetworkSummary
{
    public static List<string> Lines(NetworkLayout layout)
    {
        NetworkSpec spec = layout.Spec;
        var rows = new List<string[]> { new[] { "Layer", "Operation", "Output", "Parameters" } };
        foreach (LayerSpec layer in spec.Layers)
        {
            string name = layer.PropertyName;
            foreach (OpLayout op in layout.OpsOf(layer))
            {
                rows.Add(new[] { name, op.Op.DescribeOperation(), op.Op.Output.ToString(), Count(op.Length(SlotRegion.Parameters)) });
                name = string.Empty;
            }
        }

        int[] widths = Enumerable.Range(0, 4).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var lines = new List<string> { $"{spec.ClassName}: input {spec.InputShape}, MaxBatch {spec.MaxBatch}, loss {spec.Loss}" };
        for (int i = 0; i < rows.Count; i++)
        {
            string[] row = rows[i];
            lines.Add($"{row[0].PadRight(widths[0])}  {row[1].PadRight(widths[1])}  {row[2].PadRight(widths[2])}  {row[3].PadLeft(widths[3])}".TrimEnd());
            if (i == 0)
                lines.Add(string.Join("  ", widths.Select(w => new string('-', w))));
        }

        lines.Add($"Parameters: {Count(layout.ParameterCount)} ({Bytes(layout.ParameterCount)}; the gradients as much again)");
        if (layout.BufferCount > 0)
            lines.Add($"Buffers (running statistics): {Count(layout.BufferCount)} ({Bytes(layout.BufferCount)})");
        lines.Add($"Training memory at MaxBatch {spec.MaxBatch}: activations {Count(layout.ActivationCount)} ({Bytes(layout.ActivationCount)}), deltas as much again, " +
            $"saved for backward {Count(layout.SavedCount)} ({Bytes(layout.SavedCount)})");
        lines.Add($"Inference: packed weights {Count(layout.InferenceCount)} ({Bytes(layout.InferenceCount)})");
        return lines;
    }

    private static string Count(int floats) => floats.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The size of <paramref name="floats"/> float32 values, e.g. <c>920.0 KiB</c>.</summary>
    private static string Bytes(int floats)
    {
        double bytes = 4.0 * floats;
        return bytes >= 1024 * 1024
            ? (bytes / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
            : (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";
    }
}
