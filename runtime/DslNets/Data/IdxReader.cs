using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using DslNets.Serialization;

namespace DslNets.Data;

/// <summary>Images of an IDX file: <see cref="Count"/> images of <see cref="Rows"/> x <see cref="Columns"/> bytes, row-major.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Rows per image.</param>
/// <param name="Columns">Columns per image.</param>
/// <param name="Pixels">All pixels, image after image, length <c>Count * Rows * Columns</c>.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>Pixels per image.</summary>
    public int ImageSize => Rows * Columns;
}

/// <summary>
/// Reads the IDX files MNIST and Fashion-MNIST ship in (<c>train-images-idx3-ubyte[.gz]</c>,
/// <c>train-labels-idx1-ubyte[.gz]</c>): a big-endian magic number (<c>0x00000803</c> for unsigned-byte images with
/// 3 dimensions, <c>0x00000801</c> for labels), big-endian 32-bit dimensions, then the bytes. Gzip-compressed files
/// are recognized by their first two bytes (<c>1F 8B</c>). Every length is checked; a bad file throws
/// <see cref="InvalidDataException"/> saying what was expected and what was found.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte, 3-dimensional IDX file (images).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte, 1-dimensional IDX file (labels).</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>Reads an image file from <paramref name="path"/> (raw or gzip).</summary>
    public static IdxImages ReadImages(string path)
    {
        using FileStream file = File.OpenRead(path);
        return ReadImages(file);
    }

    /// <summary>Reads a label file from <paramref name="path"/> (raw or gzip).</summary>
    public static byte[] ReadLabels(string path)
    {
        using FileStream file = File.OpenRead(path);
        return ReadLabels(file);
    }

    /// <summary>
    /// Reads an image file from the current position to the end of <paramref name="stream"/>. Gzip is detected on
    /// seekable streams; pass a <see cref="GZipStream"/> yourself for non-seekable compressed input.
    /// </summary>
    public static IdxImages ReadImages(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using GZipStream? gzip = OpenGzip(stream);
        Stream input = (Stream?)gzip ?? stream;
        Span<byte> header = stackalloc byte[16];
        ReadMagic(input, header.Slice(0, 4), ImagesMagic, "image");
        if (ReadExactly(input, header.Slice(4, 12)) < 12)
            throw new InvalidDataException("The IDX image file ends inside its header: expected 3 dimensions (count, rows, columns) after the magic number.");
        int count = ReadDimension(header.Slice(4), "image count");
        int rows = ReadDimension(header.Slice(8), "rows");
        int columns = ReadDimension(header.Slice(12), "columns");
        if (rows == 0 || columns == 0)
            throw new InvalidDataException($"The IDX image file declares {rows} x {columns} images; expected positive rows and columns.");
        long expected = (long)count * rows * columns;
        if (expected > Array.MaxLength)
            throw new InvalidDataException($"The IDX image file declares {count} images of {rows} x {columns} = {expected} bytes, more than fits in memory.");
        byte[] pixels = ReadData(input, expected, $"{count} images of {rows} x {columns}", headerLength: 16);
        return new IdxImages(count, rows, columns, pixels);
    }

    /// <summary>Reads a label file from the current position to the end of <paramref name="stream"/>.</summary>
    public static byte[] ReadLabels(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using GZipStream? gzip = OpenGzip(stream);
        Stream input = (Stream?)gzip ?? stream;
        Span<byte> header = stackalloc byte[8];
        ReadMagic(input, header.Slice(0, 4), LabelsMagic, "label");
        if (ReadExactly(input, header.Slice(4, 4)) < 4)
            throw new InvalidDataException("The IDX label file ends inside its header: expected the label count after the magic number.");
        int count = ReadDimension(header.Slice(4), "label count");
        return ReadData(input, count, $"{count} labels", headerLength: 8);
    }

    /// <summary>
    /// Reads images and labels, checks they have the same count and every label is below
    /// <paramref name="classes"/>, and returns a dataset with pixels scaled to [0, 1] (divided by 255).
    /// </summary>
    public static Dataset<int> ReadDataset(string imagesPath, string labelsPath, int classes = 10)
    {
        IdxImages images = ReadImages(imagesPath);
        byte[] labels = ReadLabels(labelsPath);
        return ToDataset(images, labels, classes);
    }

    /// <summary>
    /// A dataset from images and labels read separately: checks the counts agree and the labels are class indices
    /// in [0, <paramref name="classes"/>), and scales pixels to [0, 1].
    /// </summary>
    public static Dataset<int> ToDataset(IdxImages images, byte[] labels, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Count != labels.Length)
            throw new InvalidDataException($"The image file has {images.Count} images but the label file has {labels.Length} labels; expected the same count.");
        if (images.Count == 0)
            throw new InvalidDataException("The IDX files hold no samples.");
        var targets = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes)
                throw new InvalidDataException($"Label {i} is {labels[i]}; expected a class index in [0, {classes}).");
            targets[i] = labels[i];
        }

        var features = new float[images.Pixels.Length];
        for (int i = 0; i < features.Length; i++)
            features[i] = images.Pixels[i] * (1f / 255f);
        return new Dataset<int>(features, targets, images.ImageSize);
    }

    // A decompressing view when the stream starts with the gzip signature; null to read the stream as is.
    private static GZipStream? OpenGzip(Stream stream)
    {
        if (!stream.CanSeek)
            return null;
        long start = stream.Position;
        int first = stream.ReadByte();
        int second = stream.ReadByte();
        stream.Position = start;
        return first == 0x1F && second == 0x8B ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : null;
    }

    private static void ReadMagic(Stream input, Span<byte> buffer, uint expected, string kind)
    {
        int read = ReadExactly(input, buffer);
        if (read < 4)
            throw new InvalidDataException($"The IDX {kind} file is {read} bytes long; expected at least the 4-byte magic number 0x{expected:X8}.");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        if (magic == expected)
            return;
        string hint = magic switch
        {
            ImagesMagic => " (that is an image file)",
            LabelsMagic => " (that is a label file)",
            _ when (magic >> 16) == 0x1F8B => " (the data is gzip-compressed: open it from a seekable stream or through a GZipStream)",
            _ when (magic >> 16) != 0 => " (IDX files start with two zero bytes)",
            _ => $" (type 0x{(magic >> 8) & 0xFF:X2} with {magic & 0xFF} dimensions)",
        };
        throw new InvalidDataException($"Expected the IDX {kind} magic number 0x{expected:X8}, found 0x{magic:X8}{hint}.");
    }

    private static int ReadDimension(ReadOnlySpan<byte> bytes, string name)
    {
        uint value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (value > int.MaxValue)
            throw new InvalidDataException($"The IDX {name} is {value}; expected at most {int.MaxValue}.");
        return (int)value;
    }

    private static byte[] ReadData(Stream input, long expected, string what, int headerLength)
    {
        byte[] data = StreamBytes.ReadUpTo(input, expected);
        if (data.Length < expected)
            throw new InvalidDataException($"The IDX file is truncated: its header declares {what} ({expected} bytes after the {headerLength}-byte header) but only {data.Length} bytes follow.");
        if (StreamBytes.HasMore(input))
            throw new InvalidDataException($"The IDX file has bytes after the {expected} its header declares ({what}); the count does not match the data.");
        return data;
    }

    private static int ReadExactly(Stream input, Span<byte> buffer)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = input.Read(buffer.Slice(filled));
            if (read == 0)
                break;
            filled += read;
        }

        return filled;
    }
}
