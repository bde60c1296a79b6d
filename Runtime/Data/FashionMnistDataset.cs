using System.Collections.Generic;

namespace Compiled.Data;

/// <summary>
/// Fashion-MNIST (Zalando): 70 000 grayscale 28x28 images of clothing in ten classes, a drop-in replacement for MNIST
/// that is much harder to fit. The files have MNIST's names and IDX format, gzipped as Debian's
/// <c>dataset-fashion-mnist</c> package installs them under <c>/usr/share/datasets/fashion-mnist/</c>
/// (<c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>, <c>t10k-images-idx3-ubyte.gz</c>,
/// <c>t10k-labels-idx1-ubyte.gz</c>); plain files are read too. <c>scripts/fetch-fashion-mnist.sh</c> installs the
/// package when missing, verifies the files and copies them to <c>data/fashion-mnist</c>.
/// Pixels are scaled to [0, 1]; samples are shaped <c>[1, 28, 28]</c>; labels are the indices of <see cref="ClassNames"/>.
/// </summary>
public static class FashionMnistDataset
{
    /// <summary>Where the samples look by default: <c>data/fashion-mnist</c>, relative to the current directory.</summary>
    public const string DefaultDirectory = "data/fashion-mnist";

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the gzipped files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The script that fetches the files (named in the errors for missing ones).</summary>
    public const string FetchScript = "scripts/fetch-fashion-mnist.sh";

    /// <summary>The ten classes, indexed by label (the dataset's README).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The 60 000 training and 10 000 test samples from <paramref name="directory"/>.</summary>
    /// <exception cref="System.IO.DirectoryNotFoundException">The directory does not exist (the message names the fetch script).</exception>
    /// <exception cref="System.IO.FileNotFoundException">A file is missing (the message names it and the fetch script).</exception>
    /// <exception cref="System.IO.InvalidDataException">A file is not a valid IDX file, or images and labels disagree in count.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory = DefaultDirectory) =>
        (LoadSplit(directory, "train"), LoadSplit(directory, "t10k"));

    /// <summary>One split: <paramref name="prefix"/> is <c>train</c> or <c>t10k</c>.</summary>
    public static Dataset LoadSplit(string directory, string prefix) =>
        MnistDataset.LoadSplit(directory, prefix, "Fashion-MNIST", FetchScript);
}
