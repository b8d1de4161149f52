using System.Globalization;

namespace DslNets.Generator;

/// <summary>Names and literals the emitted code is written with, shared by the emitter and the op files.</summary>
internal static class Code
{
    public const string Kernels = "global::DslNets.Kernels.";
    public const string Runtime = "global::DslNets.";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string Span = "global::System.Span<float>";
    public const string ReadOnlyMemory = "global::System.ReadOnlyMemory<float>";
    public const string Memory = "global::System.Memory<float>";
    public const string Volatile = "global::System.Threading.Volatile";
    public const string Distributed = "global::DslNets.Distributed.";

    /// <summary>The field of a network with synchronized batch norm that holds its <c>ICollectives</c> (null: one process).</summary>
    public const string CollectivesField = "_collectives";

    /// <summary>A float literal that round-trips the declared value: <c>0.1f</c>, <c>1E-05f</c>.</summary>
    public static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>The name of the <c>IDimension</c> type the network declares for <paramref name="size"/>.</summary>
    public static string Dimension(int size) => "Size" + Int(size);

    /// <summary>Text for an XML doc comment.</summary>
    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>Text for a regular C# string literal.</summary>
    public static string EscapeString(string text) =>
        text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\r", "\\r").Replace("\n", "\\n");
}
