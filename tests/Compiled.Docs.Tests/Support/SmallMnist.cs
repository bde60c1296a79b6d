using System;
using System.Buffers.Binary;
using System.IO;
using Compiled.Data;

namespace Compiled.Docs.Tests.Support;

/// <summary>
/// A working directory holding <c>data/mnist</c> with the first few real MNIST images (IDX files written here), so the
/// guide's programs run unchanged, with the guide's own paths, in seconds.
/// </summary>
internal static class SmallMnist
{
    public const int TrainCount = 1200;
    public const int TestCount = 400;

    private static readonly Lazy<string> Directory_ = new(Create);

    /// <summary>The working directory (its <c>data/mnist</c> holds the four IDX files).</summary>
    public static string WorkingDirectory => Directory_.Value;

    private static string Create()
    {
        string source = RepositoryPaths.Mnist;
        if (!File.Exists(Path.Combine(source, "train-images-idx3-ubyte")) && !File.Exists(Path.Combine(source, "train-images-idx3-ubyte.gz")))
            throw new FileNotFoundException($"MNIST is not in {source}: run `bash scripts/fetch-mnist.sh` first (README).");
        string root = Path.Combine(Path.GetTempPath(), $"compiled-docs-{Environment.ProcessId}");
        string target = Path.Combine(root, "data", "mnist");
        Directory.CreateDirectory(target);
        foreach ((string prefix, int count) in new[] { ("train", TrainCount), ("t10k", TestCount) })
        {
            string images = Find(source, $"{prefix}-images-idx3-ubyte");
            string labels = Find(source, $"{prefix}-labels-idx1-ubyte");
            IdxArray image = IdxReader.ReadImages(images);
            IdxArray label = IdxReader.ReadLabels(labels);
            int plane = image.Dimensions[1] * image.Dimensions[2];
            Write(Path.Combine(target, $"{prefix}-images-idx3-ubyte"), IdxReader.ImagesMagic, [count, image.Dimensions[1], image.Dimensions[2]], image.Data.AsSpan(0, count * plane));
            Write(Path.Combine(target, $"{prefix}-labels-idx1-ubyte"), IdxReader.LabelsMagic, [count], label.Data.AsSpan(0, count));
        }
        return root;
    }

    private static string Find(string directory, string name) =>
        File.Exists(Path.Combine(directory, name)) ? Path.Combine(directory, name) : Path.Combine(directory, name + ".gz");

    // IDX: big-endian magic, big-endian dimensions, then the bytes.
    private static void Write(string path, int magic, int[] dimensions, ReadOnlySpan<byte> data)
    {
        using var file = File.Create(path);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        file.Write(word);
        foreach (int d in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            file.Write(word);
        }
        file.Write(data);
    }
}
