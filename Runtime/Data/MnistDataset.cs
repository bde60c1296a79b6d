using System;
using System.IO;

namespace Compiled.Data;

/// <summary>
/// MNIST from a directory holding <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each plain or gzipped (<c>.gz</c>). Pixels are scaled
/// to [0, 1]; samples are shaped <c>[1, rows, columns]</c>. <c>scripts/fetch-mnist.sh</c> fetches the files.
/// Fashion-MNIST has the same names and format: <see cref="FashionMnistDataset"/> reads it through the same code.
/// </summary>
public static class MnistDataset
{
    /// <summary>The 60 000 training and 10 000 test samples.</summary>
    public static (Dataset Train, Dataset Test) Load(string directory) =>
        (LoadSplit(directory, "train"), LoadSplit(directory, "t10k"));

    /// <summary>One split: <paramref name="prefix"/> is <c>train</c> or <c>t10k</c>.</summary>
    public static Dataset LoadSplit(string directory, string prefix) => LoadSplit(directory, prefix, "MNIST", "scripts/fetch-mnist.sh");

    // A split of an MNIST-format dataset; dataset and fetchScript name it in the errors.
    internal static Dataset LoadSplit(string directory, string prefix, string dataset, string fetchScript)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(prefix);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{dataset} directory '{directory}' does not exist; fetch the data with {fetchScript} {directory}");
        string images = Find(directory, prefix + "-images-idx3-ubyte", dataset, fetchScript);
        string labels = Find(directory, prefix + "-labels-idx1-ubyte", dataset, fetchScript);
        return Load(images, labels);
    }

    /// <summary>Images file <c>[n, rows, cols]</c> and labels file <c>[n]</c> → a dataset of <c>[1, rows, cols]</c> samples in [0, 1].</summary>
    public static Dataset Load(string imagesPath, string labelsPath)
    {
        IdxArray images = IdxReader.ReadImages(imagesPath);
        IdxArray labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Count)
            throw new InvalidDataException($"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Count} labels; expected the same count.");
        return Dataset.FromBytes(images.Data, labels.Data, [1, images.Dimensions[1], images.Dimensions[2]]);
    }

    // The plain name, the ".gz" name, or the "train-images.idx3-ubyte" spelling some mirrors use.
    private static string Find(string directory, string name, string dataset, string fetchScript)
    {
        string dotted = name.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (string candidate in new[] { name, name + ".gz", dotted, dotted + ".gz" })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{dataset} file {name} (or {name}.gz) not found in '{directory}'; fetch the data with {fetchScript} {directory}", Path.Combine(directory, name));
    }
}
