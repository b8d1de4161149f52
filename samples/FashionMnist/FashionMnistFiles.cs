using System;
using System.IO;
using System.Linq;
using DslNets.Data;

namespace FashionMnist;

/// <summary>
/// Where the Fashion-MNIST IDX files are and how to read them, for the training sample and the inference sample
/// alike. A file may be gzip-compressed (<c>name.gz</c>, as Debian ships them) or raw (<c>name</c>, as after
/// <c>gunzip</c>); <see cref="IdxReader"/> recognizes either by its first bytes.
/// </summary>
internal static class FashionMnistFiles
{
    /// <summary>Where <c>apt-get install dataset-fashion-mnist</c> puts the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The path of <paramref name="name"/>.gz or <paramref name="name"/> in <paramref name="directory"/>, or null.</summary>
    public static string? Find(string directory, string name) =>
        new[] { name + ".gz", name }.Select(file => Path.Combine(directory, file)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Null when <paramref name="directory"/> holds every file in <paramref name="names"/>; otherwise a message for
    /// the user that names the folder and the missing files.
    /// </summary>
    public static string? CheckDirectory(string directory, params string[] names)
    {
        if (!Directory.Exists(directory))
            return $"--data: the folder '{directory}' does not exist.";
        string[] missing = names.Where(name => Find(directory, name) is null).ToArray();
        return missing.Length == 0
            ? null
            : $"--data: '{directory}' has no {string.Join(", ", missing)} (.gz or raw); expected the Fashion-MNIST IDX files "
              + $"({string.Join(", ", names)}). 'apt-get install dataset-fashion-mnist' puts them in {DefaultDirectory}.";
    }

    /// <summary>
    /// Reads one image file and its label file from <paramref name="directory"/>; a damaged file throws
    /// <see cref="InvalidDataException"/> whose message names the file.
    /// </summary>
    public static Dataset<int> Read(string directory, string images, string labels)
    {
        string imagesPath = Find(directory, images) ?? throw new FileNotFoundException($"No {images} in '{directory}'.");
        string labelsPath = Find(directory, labels) ?? throw new FileNotFoundException($"No {labels} in '{directory}'.");
        IdxImages imageData = ReadFile(imagesPath, IdxReader.ReadImages);
        byte[] labelData = ReadFile(labelsPath, IdxReader.ReadLabels);
        try
        {
            return IdxReader.ToDataset(imageData, labelData);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{imagesPath} and {labelsPath}: {e.Message}", e);
        }
    }

    private static T ReadFile<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
