namespace DslNets.Declarations;

/// <summary>
/// The buffer sizes of the Winograd F(2x2, 3x3) inference convolution (<c>ConvKernels.Winograd.cs</c> in the runtime),
/// in one file compiled into the runtime and the generator: the generator reserves exactly what the kernel reads,
/// from the same code, instead of mirroring a runtime rule. Pure integer arithmetic, no Roslyn type.
/// </summary>
/// <remarks>
/// Whether a convolution <em>may</em> run Winograd is its geometry alone (<see cref="Suits"/>): the generator then
/// reserves room for both packings (<see cref="PackedWeightLength"/>) and for the kernel's scratch. Whether it
/// <em>does</em> (it pays for enough channels, at the vector width the process runs) is decided by the runtime alone,
/// in <c>ConvKernels.UsesWinograd</c>, from the shapes and the length of the packed-weight buffer it is given; the
/// packing and the forward pass call that same rule, so they always agree.
/// </remarks>
internal static class WinogradSizes
{
    /// <summary>Points of a transformed tile: 4 x 4 inputs per 2 x 2 outputs of a 3 x 3 kernel.</summary>
    public const int TilePoints = 16;

    /// <summary>
    /// Most output tiles transformed and multiplied together (a band): bounds the scratch for large images, and keeps
    /// a band's transforms in L2 while the next band reuses them. A 14 x 14 output's 49 tiles go in two bands of 25
    /// (V 51 KB and M 102 KB for 32 -> 64 channels). Measured with <c>--versus 30 onnx</c> (CNN batch 1, per-round
    /// ratio to ONNX Runtime, median; alternated builds, 08:55-08:59 UTC, load 8-15): 60 (one band of 49, V 100 KB
    /// and M 200 KB) 0.84, 0.84, 0.81, 0.82; 30: 0.80, 0.81, 0.80, 0.79; 18 (three bands of 17): 0.83, 0.85. In
    /// <c>Predict</c> the dense layer before has evicted L2, and the smaller bands touch less cold memory.
    /// </summary>
    public const int MaxBandTiles = 30;

    /// <summary>True for a 3 x 3 kernel with stride 1 and dilation 1 (any padding): the only geometry F(2x2, 3x3) computes.</summary>
    public static bool Suits(int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth) =>
        kernelHeight == 3 && kernelWidth == 3 && strideHeight == 1 && strideWidth == 1 && dilationHeight == 1 && dilationWidth == 1;

    /// <summary>Tiles along one axis: one per 2 outputs, the last partial when the output is odd.</summary>
    public static int Tiles(int outputLength) => (outputLength + 1) / 2;

    /// <summary>Floats of the transformed weights <c>U = G g G^T</c>, <c>[16, C, O]</c>.</summary>
    public static int TransformedWeightLength(int channels, int filters) => TilePoints * channels * filters;

    /// <summary>Floats of the packed inference weights: the direct <c>[KH * KW * C, O]</c>, or room for U where the geometry suits Winograd.</summary>
    public static int PackedWeightLength(int taps, int channels, int filters, bool suits) =>
        suits ? System.Math.Max(taps * filters, TransformedWeightLength(channels, filters)) : taps * filters;

    /// <summary>Tiles per band: the tiles of one sample cut into equal bands of at most <see cref="MaxBandTiles"/>.</summary>
    public static int BandTiles(int tiles)
    {
        int bands = (tiles + MaxBandTiles - 1) / MaxBandTiles;
        return bands == 0 ? 0 : (tiles + bands - 1) / bands;
    }

    /// <summary>Rows of the zero-padded sample the tiles read: the input with its top padding, and zero rows below to the last tile's 4th row.</summary>
    public static int PaddedHeight(int paddingTop, int inHeight, int outHeight) => System.Math.Max(paddingTop + inHeight, 2 * Tiles(outHeight) + 2);

    /// <summary>Columns of the zero-padded sample (as <see cref="PaddedHeight"/>).</summary>
    public static int PaddedWidth(int paddingLeft, int inWidth, int outWidth) => System.Math.Max(paddingLeft + inWidth, 2 * Tiles(outWidth) + 2);

    /// <summary>
    /// Floats of scratch per kernel thread: one zero-padded sample <c>[PH, PW, C]</c>, a band's transformed input
    /// <c>V [16, band, C]</c> and its products <c>M [16, band, O]</c>.
    /// </summary>
    public static int ScratchLength(int channels, int filters, int inHeight, int inWidth, int paddingTop, int paddingLeft, int outHeight, int outWidth) =>
        PaddedHeight(paddingTop, inHeight, outHeight) * PaddedWidth(paddingLeft, inWidth, outWidth) * channels
        + TilePoints * BandTiles(Tiles(outHeight) * Tiles(outWidth)) * (channels + filters);
}
