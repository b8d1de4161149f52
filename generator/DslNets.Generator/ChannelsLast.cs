using DslNets.Declarations;

namespace DslNets.Generator;

/// <summary>
/// How the generated network stores a sample of shape <c>[C, H, W]</c>: channels last (<c>[H, W, C]</c>, NHWC over
/// the batch), the layout the convolution, pooling and per-channel batch-norm kernels compute in (see
/// <c>ConvKernels</c> for why). The API, the state dicts and <c>Flatten</c> use PyTorch's channels-first order, so
/// the network transposes its input once at the entry and a flattening op transposes back. Where <c>C = 1</c> or
/// <c>H * W = 1</c> the two orders are the same and nothing moves.
/// </summary>
internal static class ChannelsLast
{
    /// <summary>True when a sample of <paramref name="shape"/> is stored in another order than PyTorch's.</summary>
    public static bool Reorders(Shape shape) => shape.Rank == 3 && Channels(shape) > 1 && Pixels(shape) > 1;

    /// <summary>C of <c>[C, H, W]</c> (the features of a flat shape).</summary>
    public static int Channels(Shape shape) => shape.Dimensions[0];

    /// <summary>H * W of <c>[C, H, W]</c> (1 for a flat shape).</summary>
    public static int Pixels(Shape shape) => shape.Rank == 3 ? shape.Dimensions[1] * shape.Dimensions[2] : 1;

    /// <summary>The layout kernels' size arguments for <paramref name="shape"/>, e.g. <c>&lt;Size196, Size32&gt;</c>.</summary>
    public static string PixelsAndChannels(Shape shape) => $"<{Code.Dimension(Pixels(shape))}, {Code.Dimension(Channels(shape))}>";

    /// <summary>Registers the sizes <see cref="PixelsAndChannels"/> names.</summary>
    public static void AddDimensions(Shape shape, MemoryPlan plan)
    {
        plan.Dimensions.Add(Pixels(shape));
        plan.Dimensions.Add(Channels(shape));
    }
}
