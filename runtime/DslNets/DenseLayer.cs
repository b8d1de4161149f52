using System;

namespace DslNets;

/// <summary>
/// Where one layer's tensors sit in a network's buffers. Offsets are into <see cref="INetwork.Parameters"/> (and
/// the same offsets into <see cref="INetwork.Gradients"/>) or, for running statistics, into
/// <see cref="INetwork.Buffers"/>. An absent tensor has offset -1 and length 0.
/// </summary>
/// <param name="InFeatures">Dense input features (0 without a dense operation).</param>
/// <param name="OutFeatures">Dense output features (0 without a dense operation).</param>
/// <param name="WeightOffset">Offset of the <c>[OutFeatures, InFeatures]</c> weight matrix.</param>
/// <param name="BiasOffset">Offset of the <c>[OutFeatures]</c> bias.</param>
/// <param name="NormalizationFeatures">Features of the first normalization operation (0 without one).</param>
/// <param name="GammaOffset">Offset of the normalization gain.</param>
/// <param name="BetaOffset">Offset of the normalization shift.</param>
/// <param name="RunningMeanOffset">Offset of the batch-norm running mean in the buffers.</param>
/// <param name="RunningVarOffset">Offset of the batch-norm running variance in the buffers.</param>
public readonly record struct DenseLayerLayout(
    int InFeatures,
    int OutFeatures,
    int WeightOffset,
    int BiasOffset,
    int NormalizationFeatures,
    int GammaOffset,
    int BetaOffset,
    int RunningMeanOffset,
    int RunningVarOffset);

/// <summary>
/// A view of one layer of a generated network: spans over its weights, bias, normalization parameters, running
/// statistics and their gradients. The spans alias the network's buffers; writing them changes the network (call
/// <see cref="INetwork.OnParametersChanged"/> afterwards). Creating a view allocates nothing.
/// </summary>
public readonly struct DenseLayer
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _buffers;
    private readonly DenseLayerLayout _layout;

    /// <summary>Creates a view; generated code calls this, users get views from the network's properties.</summary>
    public DenseLayer(float[] parameters, float[] gradients, float[] buffers, DenseLayerLayout layout)
    {
        _parameters = parameters;
        _gradients = gradients;
        _buffers = buffers;
        _layout = layout;
    }

    /// <summary>The layer's layout in the network's buffers.</summary>
    public DenseLayerLayout Layout => _layout;

    /// <summary>Dense input features.</summary>
    public int InFeatures => _layout.InFeatures;

    /// <summary>Dense output features.</summary>
    public int OutFeatures => _layout.OutFeatures;

    /// <summary>
    /// Weight matrix, row-major <c>[OutFeatures, InFeatures]</c> (PyTorch <c>nn.Linear.weight</c> layout). With
    /// <c>Dense(Norm = DenseNorm.Weight)</c> it is the direction <c>weight_v</c> (the gain <c>weight_g</c> is in
    /// <see cref="INetwork.Tensors"/>); with cosine normalization the unnormalized <c>weight</c>.
    /// </summary>
    public Span<float> Weight => Slice(_parameters, _layout.WeightOffset, _layout.InFeatures * _layout.OutFeatures);

    /// <summary>Bias, <c>[OutFeatures]</c>; empty for <c>Dense(Bias = false)</c>.</summary>
    public Span<float> Bias => Slice(_parameters, _layout.BiasOffset, _layout.OutFeatures);

    /// <summary>Gradient of the loss with respect to <see cref="Weight"/>.</summary>
    public Span<float> WeightGradient => Slice(_gradients, _layout.WeightOffset, _layout.InFeatures * _layout.OutFeatures);

    /// <summary>Gradient of the loss with respect to <see cref="Bias"/>.</summary>
    public Span<float> BiasGradient => Slice(_gradients, _layout.BiasOffset, _layout.OutFeatures);

    /// <summary>Normalization gain (PyTorch <c>bn.weight</c> / <c>ln.weight</c>); empty without normalization.</summary>
    public Span<float> Gamma => Slice(_parameters, _layout.GammaOffset, _layout.NormalizationFeatures);

    /// <summary>Normalization shift (PyTorch <c>bn.bias</c> / <c>ln.bias</c>); empty without normalization.</summary>
    public Span<float> Beta => Slice(_parameters, _layout.BetaOffset, _layout.NormalizationFeatures);

    /// <summary>Gradient of the loss with respect to <see cref="Gamma"/>.</summary>
    public Span<float> GammaGradient => Slice(_gradients, _layout.GammaOffset, _layout.NormalizationFeatures);

    /// <summary>Gradient of the loss with respect to <see cref="Beta"/>.</summary>
    public Span<float> BetaGradient => Slice(_gradients, _layout.BetaOffset, _layout.NormalizationFeatures);

    /// <summary>Batch-norm running mean; empty without batch norm.</summary>
    public Span<float> RunningMean => Slice(_buffers, _layout.RunningMeanOffset, _layout.NormalizationFeatures);

    /// <summary>Batch-norm running variance (unbiased, as PyTorch keeps it); empty without batch norm.</summary>
    public Span<float> RunningVar => Slice(_buffers, _layout.RunningVarOffset, _layout.NormalizationFeatures);

    private static Span<float> Slice(float[] buffer, int offset, int length) =>
        offset < 0 ? Span<float>.Empty : buffer.AsSpan(offset, length);
}
