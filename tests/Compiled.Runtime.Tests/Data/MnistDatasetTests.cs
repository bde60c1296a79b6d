using System;
using System.IO;
using System.Linq;
using Compiled.Data;

namespace Compiled.Runtime.Tests.Data;

public class MnistDatasetTests : IDisposable
{
    private readonly IdxFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Loads_plain_and_gzipped_files_from_a_directory()
    {
        _files.Write("train-images-idx3-ubyte", IdxFiles.Images(12, 28, 28));
        _files.Write("train-labels-idx1-ubyte", IdxFiles.Labels(12));
        _files.WriteGzip("t10k-images-idx3-ubyte.gz", IdxFiles.Images(5, 28, 28));
        _files.WriteGzip("t10k-labels-idx1-ubyte.gz", IdxFiles.Labels(5));

        var (train, test) = MnistDataset.Load(_files.Directory);
        Assert.Equal(12, train.Count);
        Assert.Equal(5, test.Count);
        Assert.Equal([1, 28, 28], train.SampleShape);
        Assert.Equal(IdxFiles.ImagePixels(5, 28, 28)[784 * 4 + 100] / 255f, test.Sample(4)[100]);
        Assert.Equal([0, 1, 2, 3, 4], test.Labels);
    }

    [Fact]
    public void Missing_files_point_to_the_fetch_script()
    {
        _files.Write("train-images-idx3-ubyte", IdxFiles.Images(2, 28, 28));
        var e = Assert.Throws<FileNotFoundException>(() => MnistDataset.LoadSplit(_files.Directory, "train"));
        Assert.Contains("train-labels-idx1-ubyte", e.Message);
        Assert.Contains("scripts/fetch-mnist.sh", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => MnistDataset.Load(Path.Combine(_files.Directory, "absent")));
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        _files.Write("train-images-idx3-ubyte", IdxFiles.Images(3, 28, 28));
        _files.Write("train-labels-idx1-ubyte", IdxFiles.Labels(4));
        var e = Assert.Throws<InvalidDataException>(() => MnistDataset.LoadSplit(_files.Directory, "train"));
        Assert.Contains("3 images", e.Message);
        Assert.Contains("4 labels", e.Message);
    }

    /// <summary>The real files that scripts/fetch-mnist.sh puts in data/mnist (CI fetches them before the tests).</summary>
    [Fact]
    public void Real_mnist()
    {
        string directory = Path.Combine(RepositoryRoot(), "data", "mnist");
        Assert.True(Directory.Exists(directory), $"{directory} is missing: run scripts/fetch-mnist.sh first.");
        var (train, test) = MnistDataset.Load(directory);
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal(10, train.ClassCount);
        Assert.Equal(5, train.Labels[0]);
        Assert.Equal(7, test.Labels[0]);
        int[] perClass = new int[10];
        foreach (int label in train.Labels) perClass[label]++;
        Assert.Equal(5923, perClass[0]);
        Assert.Equal(6742, perClass[1]);
        Assert.Equal(1f, train.Features.Max());
        Assert.Equal(0f, train.Features.Min());
        double mean = train.Features.Average(v => (double)v);
        Assert.InRange(mean, 0.1306, 0.1308); // the familiar 0.1307
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Compiled.sln"))) return dir.FullName;
        throw new InvalidOperationException("Compiled.sln not found above " + AppContext.BaseDirectory);
    }
}
