using System;

namespace DslNets;

/// <summary>
/// Where one convolutional layer's tensors sit in a network's buffers (offsets as in <see cref="DenseLayerLayout"/>;
/// an absent tensor has offset -1 and length 0).
/// </summary>
/// <param name="InChannels">Input channels of the convolution (0 without one).</param>
/// <param name="OutChannels">Output channels (filters) of the convolution (0 without one).</param>
/// <param name="KernelHeight">Kernel height.</param>
/// <param name="KernelWidth">Kernel width.</param>
/// <param name="WeightOffset">Offset of the <c>[OutChannels, InChannels, KernelHeight, KernelWidth]</c> kernel.</param>
/// <param name="BiasOffset">Offset of the <c>[OutChannels]</c> bias.</param>
/// <param name="NormalizationFeatures">Features of the first normalization operation (channels for a batch norm, 0 without one).</param>
/// <param name="GammaOffset">Offset of the normalization gain.</param>
/// <param name="BetaOffset">Offset of the normalization shift.</param>
/// <param name="RunningMeanOffset">Offset of the batch-norm running mean in the buffers.</param>
/// <param name="RunningVarOffset">Offset of the batch-norm running variance in the buffers.</param>
public readonly record struct ConvLayerLayout(
    int InChannels,
    int OutChannels,
    int KernelHeight,
    int KernelWidth,
    int WeightOffset,
    int BiasOffset,
    int NormalizationFeatures,
    int GammaOffset,
    int BetaOffset,
    int RunningMeanOffset,
    int RunningVarOffset);

/// <summary>
/// A view of one convolutional layer of a generated network: spans over its kernel, bias, batch-norm parameters,
/// running statistics and their gradients, in PyTorch's layouts (<c>nn.Conv2d.weight</c> is
/// <c>[out, in, kh, kw]</c>; a <c>BatchNorm</c> after a convolution has one gain, shift and running statistic per
/// channel, as <c>nn.BatchNorm2d</c>). The spans alias the network's buffers; writing them changes the network (call
/// <see cref="INetwork.OnParametersChanged"/> afterwards). Creating a view allocates nothing.
/// </summary>
public readonly struct ConvLayer
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _buffers;
    private readonly ConvLayerLayout _layout;

    /// <summary>Creates a view; generated code calls this, users get views from the network's properties.</summary>
    public ConvLayer(float[] parameters, float[] gradients, float[] buffers, ConvLayerLayout layout)
    {
        _parameters = parameters;
        _gradients = gradients;
        _buffers = buffers;
        _layout = layout;
    }

    /// <summary>The layer's layout in the network's buffers.</summary>
    public ConvLayerLayout Layout => _layout;

    /// <summary>Input channels of the convolution.</summary>
    public int InChannels => _layout.InChannels;

    /// <summary>Output channels (filters) of the convolution.</summary>
    public int OutChannels => _layout.OutChannels;

    /// <summary>Kernel height.</summary>
    public int KernelHeight => _layout.KernelHeight;

    /// <summary>Kernel width.</summary>
    public int KernelWidth => _layout.KernelWidth;

    /// <summary>The kernel, row-major <c>[OutChannels, InChannels, KernelHeight, KernelWidth]</c> (PyTorch <c>nn.Conv2d.weight</c>).</summary>
    public Span<float> Weight => Slice(_parameters, _layout.WeightOffset, WeightLength);

    /// <summary>Bias, <c>[OutChannels]</c>; empty for <c>Conv2D(Bias = false)</c>.</summary>
    public Span<float> Bias => Slice(_parameters, _layout.BiasOffset, _layout.OutChannels);

    /// <summary>Gradient of the loss with respect to <see cref="Weight"/>.</summary>
    public Span<float> WeightGradient => Slice(_gradients, _layout.WeightOffset, WeightLength);

    /// <summary>Gradient of the loss with respect to <see cref="Bias"/>.</summary>
    public Span<float> BiasGradient => Slice(_gradients, _layout.BiasOffset, _layout.OutChannels);

    /// <summary>Normalization gain (PyTorch <c>bn.weight</c>, one per channel); empty without normalization.</summary>
    public Span<float> Gamma => Slice(_parameters, _layout.GammaOffset, _layout.NormalizationFeatures);

    /// <summary>Normalization shift (PyTorch <c>bn.bias</c>); empty without normalization.</summary>
    public Span<float> Beta => Slice(_parameters, _layout.BetaOffset, _layout.NormalizationFeatures);

    /// <summary>Gradient of the loss with respect to <see cref="Gamma"/>.</summary>
    public Span<float> GammaGradient => Slice(_gradients, _layout.GammaOffset, _layout.NormalizationFeatures);

    /// <summary>Gradient of the loss with respect to <see cref="Beta"/>.</summary>
    public Span<float> BetaGradient => Slice(_gradients, _layout.BetaOffset, _layout.NormalizationFeatures);

    /// <summary>Batch-norm running mean, one per channel; empty without batch norm.</summary>
    public Span<float> RunningMean => Slice(_buffers, _layout.RunningMeanOffset, _layout.NormalizationFeatures);

    /// <summary>Batch-norm running variance (unbiased, as PyTorch keeps it); empty without batch norm.</summary>
    public Span<float> RunningVar => Slice(_buffers, _layout.RunningVarOffset, _layout.NormalizationFeatures);

    private int WeightLength => _layout.OutChannels * _layout.InChannels * _layout.KernelHeight * _layout.KernelWidth;

    private static Span<float> Slice(float[] buffer, int offset, int length) =>
        offset < 0 ? Span<float>.Empty : buffer.AsSpan(offset, length);
}
