using System;
using System.IO;
using Compiled.Data;

namespace Compiled.Runtime.Tests.Data;

public class IdxReaderTests : IDisposable
{
    private readonly IdxFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Reads_valid_images_and_labels()
    {
        IdxArray images = IdxReader.ReadImages(_files.Write("images", IdxFiles.Images(5, 4, 3)));
        Assert.Equal([5, 4, 3], images.Dimensions);
        Assert.Equal(5, images.Count);
        Assert.Equal(IdxFiles.ImagePixels(5, 4, 3), images.Data);

        IdxArray labels = IdxReader.ReadLabels(_files.Write("labels", IdxFiles.Labels(12)));
        Assert.Equal([12], labels.Dimensions);
        Assert.Equal((byte)1, labels.Data[11]);
    }

    [Fact]
    public void Reads_gzip_by_name_and_by_magic_bytes()
    {
        byte[] plain = IdxFiles.Images(20, 7, 5);
        IdxArray byName = IdxReader.ReadImages(_files.WriteGzip("images.gz", plain));
        IdxArray byMagic = IdxReader.ReadImages(_files.WriteGzip("images-without-extension", plain));
        Assert.Equal(IdxFiles.ImagePixels(20, 7, 5), byName.Data);
        Assert.Equal(byName.Data, byMagic.Data);
        Assert.Equal([20, 7, 5], byMagic.Dimensions);
    }

    [Fact]
    public void Truncated_file_names_the_file_the_claim_and_the_length()
    {
        byte[] bytes = IdxFiles.Images(5, 4, 3);
        string path = _files.Write("truncated", bytes[..^7]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("[5, 4, 3]", e.Message);
        Assert.Contains("60 data bytes (76 bytes in all)", e.Message);
        Assert.Contains("has 69 bytes", e.Message);
    }

    [Fact]
    public void Truncated_header()
    {
        string path = _files.Write("short-header", IdxFiles.Images(5, 4, 3)[..9]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("expected 16 header bytes", e.Message);
        Assert.Contains("has 9", e.Message);

        string empty = _files.Write("empty", []);
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(empty));
        Assert.Contains("has 0 bytes", e.Message);
        Assert.Contains("0x00000801", e.Message);
    }

    [Fact]
    public void Trailing_bytes_are_an_error()
    {
        byte[] bytes = [.. IdxFiles.Labels(4), 1, 2, 3];
        string path = _files.Write("long", bytes);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("3 more than the header [4]", e.Message);
    }

    [Fact]
    public void Wrong_magic_says_what_was_expected_and_found()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0];
        string path = _files.Write("picture.png", png);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not an IDX file", e.Message);
        Assert.Contains("expected magic number 0x00000803", e.Message);
        Assert.Contains("found 0x89504E47", e.Message);
    }

    [Fact]
    public void Wrong_element_type()
    {
        string path = _files.Write("floats", IdxFiles.Bytes(0x00000D03, [1, 2, 2], new byte[16]));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains("expected element type 0x08 (unsigned byte", e.Message);
        Assert.Contains("found type 0x0D (float32", e.Message);
    }

    [Fact]
    public void Wrong_dimension_count_for_example_a_labels_file_read_as_images()
    {
        string path = _files.Write("labels-not-images", IdxFiles.Labels(10));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("expected 3 dimension(s)", e.Message);
        Assert.Contains("found 1 (magic 0x00000801: a labels file?)", e.Message);
    }

    [Fact]
    public void Zero_dimension()
    {
        string path = _files.Write("zero", IdxFiles.Bytes(0x00000803, [3, 0, 28], []));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains("dimension 1 of 3 is 0", e.Message);
        Assert.Contains("[3, 0, 28]", e.Message);
    }

    [Fact]
    public void Oversized_header_is_rejected_without_allocating_its_claim()
    {
        // Claims 60000·28·28 = 47 MB of pixels in a 116-byte file.
        string path = _files.Write("oversized", IdxFiles.Bytes(0x00000803, [60000, 28, 28], new byte[100]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "the reader allocated the header's claim");
        Assert.Contains("claims 47040000 data bytes", e.Message);
        Assert.Contains("the file has 116 bytes", e.Message);
    }

    [Theory]
    [InlineData(65536u, 65536u, 2u)]               // 2^33 bytes: overflows 32 bits
    [InlineData(4294967295u, 4294967295u, 4294967295u)]
    [InlineData(2147483648u, 1u, 1u)]              // beyond int.MaxValue
    public void Absurd_header_whose_product_overflows(uint a, uint b, uint c)
    {
        string path = _files.Write("absurd", IdxFiles.Bytes(0x00000803, [a, b, c], new byte[8]));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("absurd header", e.Message);
    }

    [Fact]
    public void Gzip_errors_truncated_oversized_and_long()
    {
        byte[] bytes = IdxFiles.Images(10, 4, 4);
        string truncated = _files.WriteGzip("truncated.gz", bytes[..^5]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(truncated));
        Assert.Contains(truncated, e.Message);
        Assert.Contains("claims 160 data bytes, the decompressed data has 155", e.Message);

        string oversized = _files.WriteGzip("oversized.gz", IdxFiles.Bytes(0x00000803, [60000, 28, 28], new byte[10]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(oversized));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "the reader allocated the header's claim");
        Assert.Contains("more than a gzip file of", e.Message);

        string longer = _files.WriteGzip("long.gz", [.. bytes, 9]);
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(longer));
        Assert.Contains("longer than the header [10, 4, 4]", e.Message);

        byte[] compressed = File.ReadAllBytes(_files.WriteGzip("ok.gz", bytes));
        compressed[compressed.Length / 2] ^= 0xFF;
        compressed[compressed.Length / 2 + 1] ^= 0xFF;
        string corrupt = _files.Write("corrupt.gz", compressed);
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(corrupt));
        Assert.Contains(corrupt, e.Message);
    }

    [Fact]
    public void Missing_file()
    {
        Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(Path.Combine(_files.Directory, "nope")));
    }
}
