using System;
using System.IO;
using Compiled.Serialization;

namespace Compiled.Runtime.Tests.Serialization;

/// <summary>AtomicFile: the target is the old file or the complete new one, and a failed write leaves nothing behind.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("compiled-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WritesAndReplaces()
    {
        string path = Path.Combine(_dir, "a.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        AtomicFile.Write(path, s => s.Write([4, 5]));
        Assert.Equal(new byte[] { 4, 5 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void AWriteThatThrowsLeavesThePreviousFileAndNoTemporaryFile()
    {
        string path = Path.Combine(_dir, "a.bin");
        File.WriteAllBytes(path, [9, 9]);
        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal("boom", error.Message);
        Assert.Equal(new byte[] { 9, 9 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void AMissingDirectoryOrADirectoryTargetIsNamed()
    {
        string missing = Path.Combine(_dir, "no", "a.bin");
        var error = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.Write(missing, s => s.WriteByte(1)));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        var directory = Assert.Throws<IOException>(() => AtomicFile.Write(Path.Combine(_dir, "sub"), s => s.WriteByte(1)));
        Assert.Contains("is a directory", directory.Message, StringComparison.Ordinal);
    }
}
