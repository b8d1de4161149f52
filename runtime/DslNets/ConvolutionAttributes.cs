using System;

namespace DslNets;

/// <summary>How a <see cref="Conv2DAttribute"/> pads its input.</summary>
public enum PaddingMode
{
    /// <summary>
    /// Pad each side of the height and width with <see cref="Conv2DAttribute.Padding"/> zeros (PyTorch
    /// <c>padding=int</c>). With the default <c>Padding = 0</c> this is "valid": no padding.
    /// </summary>
    Explicit,

    /// <summary>
    /// Pad so that the output keeps the input's height and width (PyTorch and Keras <c>padding='same'</c>):
    /// <c>dilation * (kernel - 1) / 2</c> zeros on each side. Only for stride 1 (as in PyTorch) and an odd dilated
    /// kernel extent <c>dilation * (kernel - 1) + 1</c>: PyTorch pads an even extent unevenly (one more zero on the
    /// bottom and right), which DslNets refuses with DSL012 rather than emulate.
    /// </summary>
    Same,
}

/// <summary>
/// A 2-D convolution over samples of shape <c>[channels, height, width]</c> (PyTorch <c>nn.Conv2d</c>, cross-correlation
/// as in every framework): <c>y[f, i, j] = b[f] + sum over c, u, v of W[f, c, u, v] * x[c, i * stride + u * dilation - padding, j * stride + v * dilation - padding]</c>,
/// zeros outside the input. The weight is <c>[filters, channels, kernel, kernel]</c> (PyTorch layout); the output is
/// <c>[filters, outHeight, outWidth]</c> with <c>out = floor((in + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1</c>
/// (PyTorch's formula). Needs a 3-D input: give the network an <see cref="NetworkAttribute.InputShape"/>.
/// L1/L2 penalize the kernel as they do dense weights, never the bias.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <param name="filters">Number of output channels (PyTorch <c>out_channels</c>).</param>
    /// <param name="kernel">Height and width of the square kernel (PyTorch <c>kernel_size</c>).</param>
    public Conv2DAttribute(int filters, int kernel)
    {
        Filters = filters;
        Kernel = kernel;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>Height and width of the square kernel.</summary>
    public int Kernel { get; }

    /// <summary>Step between two windows, along the height and the width (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>
    /// Zeros added on each side of the height and the width, with <see cref="PaddingMode.Explicit"/> (default 0:
    /// no padding, "valid"). Leave it 0 with <see cref="PaddingMode.Same"/>.
    /// </summary>
    public int Padding { get; set; }

    /// <summary>Explicit padding (<see cref="Padding"/> zeros) or "same" padding (default <see cref="PaddingMode.Explicit"/>).</summary>
    public PaddingMode PaddingMode { get; set; } = PaddingMode.Explicit;

    /// <summary>Spacing between kernel taps (PyTorch <c>dilation</c>, default 1: a dense kernel).</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>Whether the convolution adds a learnable bias per filter (default <see langword="true"/>).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// The settings MaxPool2D and AvgPool2D share: a square window per channel, PyTorch's <c>kernel_size</c>,
/// <c>stride</c> and <c>padding</c> with <c>ceil_mode=False</c>: <c>[channels, height, width]</c> to
/// <c>[channels, outHeight, outWidth]</c> with <c>out = floor((in + 2 * padding - size) / stride) + 1</c>.
/// </summary>
public abstract class Pool2DAttribute : Attribute
{
    /// <param name="size">Height and width of the square window.</param>
    private protected Pool2DAttribute(int size)
    {
        Size = size;
        Stride = size;
    }

    /// <summary>Height and width of the square window.</summary>
    public int Size { get; }

    /// <summary>Step between two windows (default: <see cref="Size"/>, non-overlapping windows, as in PyTorch).</summary>
    public int Stride { get; set; }

    /// <summary>Padding on each side of the height and width, at most <c>Size / 2</c> (PyTorch's limit; default 0).</summary>
    public int Padding { get; set; }
}

/// <summary>
/// Max pooling over <c>size x size</c> windows of each channel (PyTorch <c>nn.MaxPool2d(size, stride, padding)</c>).
/// Padding counts as minus infinity (never the maximum). The gradient goes to the first maximum of each window in
/// row-major order.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MaxPool2DAttribute : Pool2DAttribute
{
    /// <param name="size">Height and width of the square window.</param>
    public MaxPool2DAttribute(int size)
        : base(size)
    {
    }
}

/// <summary>
/// Average pooling over <c>size x size</c> windows of each channel (PyTorch <c>nn.AvgPool2d(size, stride, padding)</c>
/// with <c>count_include_pad=True</c>: padded zeros count in the average, every window divides by <c>size * size</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AvgPool2DAttribute : Pool2DAttribute
{
    /// <param name="size">Height and width of the square window.</param>
    public AvgPool2DAttribute(int size)
        : base(size)
    {
    }
}

/// <summary>
/// The mean of each channel over its height and width: <c>[channels, height, width]</c> to <c>[channels, 1, 1]</c>
/// (PyTorch <c>nn.AdaptiveAvgPool2d(1)</c>, ONNX <c>GlobalAveragePool</c>). A following <c>Dense</c> reads it as
/// <c>[channels]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class GlobalAvgPool2DAttribute : Attribute
{
}

/// <summary>
/// Reshapes each sample to one row, <c>[channels, height, width]</c> to <c>[channels * height * width]</c>, in PyTorch
/// <c>nn.Flatten</c> order (channel, then row, then column); no computation, the values stay where they are. A
/// <c>Dense</c> after a 3-D output flattens the same way without it; write it where it makes the design clearer.
/// On a flat input it changes nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}
