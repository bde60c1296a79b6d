using System;
using System.IO;
using System.Linq;
using Compiled.Data;

namespace Compiled.Runtime.Tests.Data;

/// <summary>Fashion-MNIST: the gzipped files as Debian's dataset-fashion-mnist installs them, its errors and class names.</summary>
public sealed class FashionMnistDatasetTests : IDisposable
{
    private readonly IdxFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Loads_the_four_gzipped_files_of_the_debian_layout()
    {
        _files.WriteGzip("train-images-idx3-ubyte.gz", IdxFiles.Images(12, 28, 28));
        _files.WriteGzip("train-labels-idx1-ubyte.gz", IdxFiles.Labels(12));
        _files.WriteGzip("t10k-images-idx3-ubyte.gz", IdxFiles.Images(5, 28, 28));
        _files.WriteGzip("t10k-labels-idx1-ubyte.gz", IdxFiles.Labels(5));

        var (train, test) = FashionMnistDataset.Load(_files.Directory);
        Assert.Equal(12, train.Count);
        Assert.Equal(5, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal(IdxFiles.ImagePixels(12, 28, 28)[784 * 11 + 300] / 255f, train.Sample(11)[300]);
        Assert.Equal([0, 1, 2, 3, 4], test.Labels);
    }

    [Fact]
    public void A_missing_file_or_directory_is_named_with_the_fetch_script()
    {
        _files.WriteGzip("t10k-images-idx3-ubyte.gz", IdxFiles.Images(2, 28, 28));
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistDataset.LoadSplit(_files.Directory, "t10k"));
        Assert.Contains("Fashion-MNIST file t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("scripts/fetch-fashion-mnist.sh " + _files.Directory, e.Message);
        Assert.DoesNotContain("fetch-mnist.sh", e.Message);

        string absent = Path.Combine(_files.Directory, "absent");
        var d = Assert.Throws<DirectoryNotFoundException>(() => FashionMnistDataset.Load(absent));
        Assert.Equal($"Fashion-MNIST directory '{absent}' does not exist; fetch the data with scripts/fetch-fashion-mnist.sh {absent}", d.Message);
    }

    [Fact]
    public void A_damaged_gzip_file_is_refused_naming_it()
    {
        byte[] gzip;
        using (var buffer = new MemoryStream())
        {
            using (var zip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                zip.Write(IdxFiles.Labels(40));
            gzip = buffer.ToArray();
        }
        _files.Write("train-labels-idx1-ubyte.gz", gzip[..(gzip.Length / 2)]);
        _files.WriteGzip("train-images-idx3-ubyte.gz", IdxFiles.Images(40, 28, 28));
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistDataset.LoadSplit(_files.Directory, "train"));
        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
    }

    [Fact]
    public void Ten_class_names_in_label_order()
    {
        Assert.Equal(10, FashionMnistDataset.ClassNames.Count);
        Assert.Equal("T-shirt/top", FashionMnistDataset.ClassNames[0]);
        Assert.Equal("Sneaker", FashionMnistDataset.ClassNames[7]);
        Assert.Equal("Ankle boot", FashionMnistDataset.ClassNames[9]);
        Assert.Equal(10, FashionMnistDataset.ClassNames.Distinct().Count());
    }

    /// <summary>The real files that scripts/fetch-fashion-mnist.sh puts in data/fashion-mnist (CI fetches them before the tests).</summary>
    [Fact]
    public void Real_fashion_mnist()
    {
        string directory = Path.Combine(MnistDatasetTests.RepositoryRoot(), "data", "fashion-mnist");
        Assert.True(Directory.Exists(directory), $"{directory} is missing: run scripts/fetch-fashion-mnist.sh first.");
        var (train, test) = FashionMnistDataset.Load(directory);
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([1, 28, 28], train.SampleShape);
        Assert.Equal(10, train.ClassCount);
        // The first labels of each split (the dataset's own order): an ankle boot; then ankle boot, pullover, trouser, trouser, shirt.
        Assert.Equal(9, train.Labels[0]);
        Assert.Equal([9, 2, 1, 1, 6], test.Labels.Take(5).ToArray());
        // Balanced: 6 000 training and 1 000 test images per class.
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, train.Labels.Count(l => l == c)));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels.Count(l => l == c)));
        Assert.Equal(1f, train.Features.Max());
        Assert.Equal(0f, train.Features.Min());
        double mean = train.Features.Average(v => (double)v);
        Assert.InRange(mean, 0.2860, 0.2861); // the familiar 0.2860 (std 0.3530)
    }
}
