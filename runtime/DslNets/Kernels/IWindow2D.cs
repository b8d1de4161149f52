namespace DslNets.Kernels;

/// <summary>
/// The geometry of a 2-D sliding window (a convolution's kernel or a pooling window) over one sample, as a type:
/// kernels generic over it (<c>ConvKernels.Forward&lt;TWindow, TK, TOut&gt;</c>, <c>PoolKernels.MaxPoolForward&lt;TWindow&gt;</c>)
/// are compiled by the JIT once per layer with every loop bound a constant. The generator emits one tiny
/// <c>readonly struct</c> per window layer. The input is <c>[H, W, C]</c> per sample (channels last, NHWC over the
/// batch); window position <c>(oy, ox)</c>, tap <c>(ky, kx)</c> reads input row
/// <c>oy * StrideHeight - PaddingTop + ky * DilationHeight</c> and column
/// <c>ox * StrideWidth - PaddingLeft + kx * DilationWidth</c>; taps outside the input are padding (zero for
/// convolution and average pooling, ignored by max pooling). Padding at the bottom and right is whatever the output
/// size leaves (PyTorch's <c>padding='same'</c> with an even kernel pads one more there).
/// </summary>
public interface IWindow2D
{
    /// <summary>Input channels (C).</summary>
    static abstract int Channels { get; }

    /// <summary>Input height (H).</summary>
    static abstract int InHeight { get; }

    /// <summary>Input width (W).</summary>
    static abstract int InWidth { get; }

    /// <summary>Window (kernel) height.</summary>
    static abstract int WindowHeight { get; }

    /// <summary>Window (kernel) width.</summary>
    static abstract int WindowWidth { get; }

    /// <summary>Step between window positions along the height.</summary>
    static abstract int StrideHeight { get; }

    /// <summary>Step between window positions along the width.</summary>
    static abstract int StrideWidth { get; }

    /// <summary>Padding rows above the input.</summary>
    static abstract int PaddingTop { get; }

    /// <summary>Padding columns left of the input.</summary>
    static abstract int PaddingLeft { get; }

    /// <summary>Step between taps along the height (1: adjacent rows).</summary>
    static abstract int DilationHeight { get; }

    /// <summary>Step between taps along the width.</summary>
    static abstract int DilationWidth { get; }

    /// <summary>Window positions along the height (OH).</summary>
    static abstract int OutHeight { get; }

    /// <summary>Window positions along the width (OW).</summary>
    static abstract int OutWidth { get; }
}
