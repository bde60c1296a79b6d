using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Compiled.Runtime.Tests.Data;

/// <summary>Writes IDX files (valid or deliberately broken) into a temporary directory that is deleted on dispose.</summary>
internal sealed class IdxFiles : IDisposable
{
    public IdxFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "compiled-idx-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Header (magic, then big-endian dims) followed by <paramref name="data"/>.</summary>
    public static byte[] Bytes(int magic, uint[] dims, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dims.Length));
        return bytes;
    }

    /// <summary>[count, rows, cols] images whose pixel i of image n is (n·7 + i) mod 256.</summary>
    public static byte[] ImagePixels(int count, int rows, int cols)
    {
        var data = new byte[count * rows * cols];
        for (int n = 0; n < count; n++)
            for (int i = 0; i < rows * cols; i++)
                data[n * rows * cols + i] = (byte)((n * 7 + i) % 256);
        return data;
    }

    public static byte[] Images(int count, int rows, int cols) =>
        Bytes(0x00000803, [(uint)count, (uint)rows, (uint)cols], ImagePixels(count, rows, cols));

    public static byte[] Labels(int count)
    {
        var data = new byte[count];
        for (int n = 0; n < count; n++) data[n] = (byte)(n % 10);
        return Bytes(0x00000801, [(uint)count], data);
    }

    public string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string WriteGzip(string name, byte[] bytes)
    {
        string path = Path.Combine(Directory, name);
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        gzip.Write(bytes);
        return path;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
