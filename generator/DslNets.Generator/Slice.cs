using System;

namespace DslNets.Generator;

/// <summary>
/// A run of floats the generated code hands to a kernel, rendered as the kernel wants it: <see cref="Span"/> for
/// the elementwise kernels, <see cref="Memory"/> for the dense kernels (a helper thread may run part of them).
/// The choice is made where the call is written, never by editing emitted text afterwards.
/// </summary>
internal abstract record Slice
{
    /// <summary>No tensor (an absent bias, a gradient nobody needs): <c>default</c> either way.</summary>
    public static readonly Slice None = new NoSlice();

    /// <summary>The slice as a <c>Span&lt;float&gt;</c> expression.</summary>
    public abstract string Span { get; }

    /// <summary>The slice as a <c>Memory&lt;float&gt;</c> expression.</summary>
    public abstract string Memory { get; }

    /// <summary>A slice has two renderings; interpolating one without choosing is a generator bug.</summary>
    public sealed override string ToString() =>
        throw new InvalidOperationException($"Write {GetType().Name}.Span or .Memory, not the slice itself.");

    private sealed record NoSlice : Slice
    {
        public override string Span => "default";

        public override string Memory => "default";
    }
}

/// <summary><c>{Buffer}.AsSpan({Offset}, {Length})</c> or <c>.AsMemory(...)</c> of one of the network's arrays.</summary>
/// <param name="Buffer">The array field, e.g. <c>_parameters</c>.</param>
/// <param name="Offset">The offset expression, usually a named constant.</param>
/// <param name="Length">The length expression, e.g. <c>batchSize * 256</c>.</param>
internal sealed record BufferSlice(string Buffer, string Offset, string Length) : Slice
{
    public override string Span => $"{Buffer}.AsSpan({Offset}, {Length})";

    public override string Memory => $"{Buffer}.AsMemory({Offset}, {Length})";
}

/// <summary>A <c>Memory&lt;float&gt;</c> (or read-only) variable or parameter of the generated method.</summary>
internal sealed record MemoryArgument(string Name) : Slice
{
    public override string Span => Name + ".Span";

    public override string Memory => Name;
}

/// <summary>
/// A <c>ReadOnlySpan&lt;float&gt;</c> parameter (the caller's input to the first layer): it has no Memory form. In
/// inference a kernel that splits work across threads copies it into <paramref name="Staging"/> first; in training
/// <paramref name="Staging"/> is the step's staged copy (empty when the products read the span on this thread).
/// </summary>
/// <param name="Name">The span parameter.</param>
/// <param name="Staging">The Memory the kernels read instead of the span when they split the work.</param>
internal sealed record SpanArgument(string Name, string Staging) : Slice
{
    public override string Span => Name;

    public override string Memory =>
        throw new InvalidOperationException($"'{Name}' is a span; stage it into a Memory before a kernel that may split across threads.");
}
