using System.Buffers.Binary;
using System.IO.Compression;
using DslNets.Data;

namespace DslNets.Runtime.Tests;

public class IdxReaderTests
{
    // Two 2 x 3 images: pixels 0..5 and 250..255.
    private static readonly byte[] Pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];

    private static byte[] Idx(uint magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(raw);
        return output.ToArray();
    }

    private static byte[] ImageFile() => Idx(IdxReader.ImagesMagic, [2, 2, 3], Pixels);

    private static byte[] LabelFile() => Idx(IdxReader.LabelsMagic, [2], [7, 3]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_GoodFile_ReturnsDimensionsAndPixels(bool compressed)
    {
        byte[] file = compressed ? Gzip(ImageFile()) : ImageFile();
        IdxImages images = IdxReader.ReadImages(new MemoryStream(file));
        Assert.Equal((2, 2, 3), (images.Count, images.Rows, images.Columns));
        Assert.Equal(Pixels, images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_GoodFile_ReturnsLabels(bool compressed)
    {
        byte[] file = compressed ? Gzip(LabelFile()) : LabelFile();
        Assert.Equal(new byte[] { 7, 3 }, IdxReader.ReadLabels(new MemoryStream(file)));
    }

    [Fact]
    public void ReadDataset_FromGzipFilesOnDisk_ScalesPixelsAndKeepsLabels()
    {
        string directory = Path.Combine(Path.GetTempPath(), "dslnets-idx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string imagesPath = Path.Combine(directory, "train-images-idx3-ubyte.gz");
            string labelsPath = Path.Combine(directory, "train-labels-idx1-ubyte");
            File.WriteAllBytes(imagesPath, Gzip(ImageFile()));
            File.WriteAllBytes(labelsPath, LabelFile());

            Dataset<int> data = IdxReader.ReadDataset(imagesPath, labelsPath);

            Assert.Equal(2, data.Count);
            Assert.Equal(6, data.FeatureCount);
            Assert.Equal([7, 3], data.Targets);
            Assert.Equal(1f / 255f, data.Features[1]);
            Assert.Equal(1f, data.Features[11]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ReadImages_LabelFile_RejectsMagicNamingBoth()
    {
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(LabelFile())));
        Assert.Equal("Expected the IDX image magic number 0x00000803, found 0x00000801 (that is a label file).", error.Message);
    }

    [Fact]
    public void ReadLabels_WrongMagic_IsRejected()
    {
        byte[] file = Idx(0x00000D01, [2], [7, 3]);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(new MemoryStream(file)));
        Assert.Contains("0x00000801, found 0x00000D01", error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedPixels_SaysHowManyBytesWereExpected()
    {
        byte[] file = ImageFile()[..^2];
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(file)));
        Assert.Equal(
            "The IDX file is truncated: its header declares 2 images of 2 x 3 (12 bytes after the 16-byte header) but only 10 bytes follow.",
            error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedGzip_IsRejected()
    {
        // Half the compressed bytes: the decompressor runs out inside the pixel data.
        byte[] file = Gzip(ImageFile());
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(file[..(file.Length / 2)])));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedHeader_IsRejected()
    {
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(ImageFile()[..10])));
        Assert.Contains("ends inside its header", error.Message);
    }

    [Fact]
    public void ReadLabels_CountSmallerThanData_IsRejected()
    {
        byte[] file = Idx(IdxReader.LabelsMagic, [1], [7, 3]);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(new MemoryStream(file)));
        Assert.Contains("bytes after the 1 its header declares", error.Message);
    }

    [Fact]
    public void ReadImages_ZeroRows_IsRejected()
    {
        byte[] file = Idx(IdxReader.ImagesMagic, [2, 0, 3], []);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(file)));
        Assert.Contains("0 x 3", error.Message);
    }

    [Fact]
    public void ToDataset_ImageAndLabelCountsDiffer_IsRejected()
    {
        IdxImages images = IdxReader.ReadImages(new MemoryStream(ImageFile()));
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ToDataset(images, [1, 2, 3]));
        Assert.Equal("The image file has 2 images but the label file has 3 labels; expected the same count.", error.Message);
    }

    [Fact]
    public void ToDataset_LabelOutOfRange_IsRejected()
    {
        IdxImages images = IdxReader.ReadImages(new MemoryStream(ImageFile()));
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ToDataset(images, [1, 10]));
        Assert.Contains("Label 1 is 10", error.Message);
    }
}

public class DatasetTests
{
    private static Dataset<int> TwoFeatures() => new([0f, 10f, 2f, 20f, 4f, 30f], [0, 1, 0], featureCount: 2);

    [Fact]
    public void Constructor_TargetsOfWrongLength_ThrowsNamingTargets()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset<int>(new float[6], new int[2], featureCount: 2));
        Assert.Equal("targets", error.ParamName);
        Assert.Contains("Expected targets.Length == 3", error.Message);
    }

    [Fact]
    public void ComputeFeatureStatistics_ThenStandardize_GivesZeroMeanUnitVariance()
    {
        Dataset<int> data = TwoFeatures();
        (float[] mean, float[] std) = data.ComputeFeatureStatistics();
        // Feature 0: 0, 2, 4 -> mean 2, population std sqrt(8/3); feature 1: 10, 20, 30 -> 20, sqrt(200/3).
        Assert.Equal([2f, 20f], mean);
        Assert.Equal(MathF.Sqrt(8f / 3f), std[0], 1e-6f);
        data.Standardize(mean, std);
        Assert.Equal(-1.2247449f, data.Features[0], 1e-6f);
        Assert.Equal(0f, data.Features[2], 1e-6f);
        Assert.Equal(1.2247449f, data.Features[5], 1e-6f);
    }

    [Fact]
    public void Standardize_WithGivenGlobalStatistics_AppliesThem()
    {
        Dataset<int> data = TwoFeatures();
        data.Standardize(mean: 10f, standardDeviation: 5f);
        Assert.Equal([-2f, 0f, -1.6f, 2f, -1.2f, 4f], data.Features);
    }

    [Fact]
    public void ScaleToUnitRange_MapsMinToZeroAndMaxToOne()
    {
        Dataset<int> data = TwoFeatures();
        Assert.Equal((0f, 30f), data.ScaleToUnitRange());
        Assert.Equal(0f, data.Features[0]);
        Assert.Equal(1f, data.Features[5]);
        Assert.Equal(2f / 30f, data.Features[2], 1e-7f);
    }

    [Fact]
    public void ComputeStatistics_IsGlobalMeanAndPopulationStd()
    {
        var data = new Dataset<float>([1f, 3f, 5f, 7f], [0f, 0f], featureCount: 2);
        Assert.Equal((4f, MathF.Sqrt(5f)), data.ComputeStatistics());
    }

    [Fact]
    public void Slice_CopiesTheRequestedSamples()
    {
        Dataset<int> slice = TwoFeatures().Slice(1, 2);
        Assert.Equal([2f, 20f, 4f, 30f], slice.Features);
        Assert.Equal([1, 0], slice.Targets);
    }
}

public class ImageAugmentationTests
{
    // 3 x 3 image, pixel value = 1 + index:
    // 1 2 3
    // 4 5 6
    // 7 8 9
    private static readonly float[] Image = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Fact]
    public void Transform_ShiftDownOneLeftOne_FillsWithZeros()
    {
        var augmentation = new ImageAugmentation(3, 3, maxShift: 1);
        var output = new float[9];
        augmentation.Transform(Image, output, dy: 1, dx: -1, flip: false);
        Assert.Equal([0, 0, 0, 2, 3, 0, 5, 6, 0], output);
    }

    [Fact]
    public void Transform_FlipThenShiftRight_MirrorsEachRow()
    {
        var augmentation = new ImageAugmentation(3, 3, maxShift: 1, horizontalFlip: true);
        var output = new float[9];
        augmentation.Transform(Image, output, dy: 0, dx: 1, flip: true);
        // Mirrored: 3 2 1 / 6 5 4 / 9 8 7, then moved right by one.
        Assert.Equal([0, 3, 2, 0, 6, 5, 0, 9, 8], output);
    }

    [Fact]
    public void Transform_TwoChannels_ShiftsEachChannel()
    {
        var augmentation = new ImageAugmentation(1, 3, maxShift: 0, channels: 2);
        var output = new float[6];
        augmentation.Transform([1, 2, 3, 4, 5, 6], output, dy: 0, dx: 0, flip: true);
        Assert.Equal([3, 2, 1, 6, 5, 4], output);
    }

    [Fact]
    public void Apply_SameSeed_SameImages_AndShiftsStayWithinMaxShift()
    {
        var augmentation = new ImageAugmentation(3, 3, maxShift: 1, horizontalFlip: true);
        var a = new SeededRandom(9);
        var b = new SeededRandom(9);
        var seen = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            var first = new float[9];
            var second = new float[9];
            augmentation.Apply(Image, first, ref a);
            augmentation.Apply(Image, second, ref b);
            Assert.Equal(first, second);
            // The centre pixel (5) always stays inside a 3 x 3 image moved by at most one pixel.
            Assert.Contains(5f, first);
            seen.Add(string.Join(",", first));
        }

        // 3 x 3 shifts x 2 flips = 18 distinct results, all reached in 200 draws.
        Assert.Equal(18, seen.Count);
    }

    [Fact]
    public void Constructor_ShiftAsLargeAsTheImage_ThrowsNamingMaxShift()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmentation(3, 3, maxShift: 3));
        Assert.Equal("maxShift", error.ParamName);
    }
}
