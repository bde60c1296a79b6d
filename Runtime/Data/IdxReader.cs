using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Compiled.Data;

/// <summary>
/// Reads IDX files (the MNIST and Fashion-MNIST format) of unsigned bytes, plain or gzipped
/// (by a <c>.gz</c> name or the gzip magic bytes). The header is validated before anything is allocated:
/// magic number, element type, dimension count, every dimension &gt; 0, and a data length that fits the file.
/// Every failure is an <see cref="InvalidDataException"/> naming the file, what was expected and what was found.
/// </summary>
/// <remarks>
/// Format: a 4-byte big-endian magic <c>0x0000TTNN</c> (TT = element type, 0x08 for unsigned bytes; NN = dimension count),
/// then NN big-endian 32-bit dimensions, then the data, row-major. Images are <c>0x00000803</c> <c>[count, rows, columns]</c>,
/// labels <c>0x00000801</c> <c>[count]</c>.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned-byte images <c>[count, rows, columns]</c>.</summary>
    public const int ImagesMagic = 0x00000803;
    /// <summary>Magic number of an IDX file of unsigned-byte labels <c>[count]</c>.</summary>
    public const int LabelsMagic = 0x00000801;

    private const byte UnsignedByteType = 0x08;
    // Deflate cannot expand data by more than about 1032:1; a header claiming more than this from a gzip file is a lie.
    private const long MaxDeflateRatio = 1032;

    /// <summary>Reads an images file: magic 0x00000803, dimensions <c>[count, rows, columns]</c>.</summary>
    public static IdxArray ReadImages(string path) => Read(path, ImagesMagic);

    /// <summary>Reads a labels file: magic 0x00000801, dimensions <c>[count]</c>.</summary>
    public static IdxArray ReadLabels(string path) => Read(path, LabelsMagic);

    /// <summary>Reads an unsigned-byte IDX file whose magic number must be <paramref name="expectedMagic"/> (0x000008NN).</summary>
    public static IdxArray Read(string path, int expectedMagic)
    {
        ArgumentNullException.ThrowIfNull(path);
        if ((expectedMagic & ~0xFF) != UnsignedByteType << 8 || (expectedMagic & 0xFF) == 0)
            throw new ArgumentOutOfRangeException(nameof(expectedMagic), $"0x{expectedMagic:X8} is not an unsigned-byte IDX magic number (0x000008NN, NN ≥ 1 dimensions).");

        using FileStream file = File.OpenRead(path);
        long fileLength = file.Length;
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || StartsWithGzipMagic(file);
        file.Position = 0;
        if (!gzip)
            return ReadFrom(file, path, expectedMagic, fileLength, compressed: false);

        using var inflated = new GZipStream(file, CompressionMode.Decompress);
        try
        {
            return ReadFrom(inflated, path, expectedMagic, fileLength, compressed: true);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: the gzip data is corrupt ({e.Message}).", e);
        }
    }

    private static IdxArray ReadFrom(Stream stream, string path, int expectedMagic, long fileLength, bool compressed)
    {
        int expectedDims = expectedMagic & 0xFF;
        string what = compressed ? "decompressed data" : "file";

        Span<byte> head = stackalloc byte[4];
        int got = ReadUpTo(stream, head);
        if (got < 4)
            throw new InvalidDataException($"{path}: the {what} has {got} bytes; expected an IDX header starting with the 4-byte magic number 0x{expectedMagic:X8}.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(head);
        if (head[0] != 0 || head[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file: expected magic number 0x{expectedMagic:X8} ({Describe(expectedMagic)}), found 0x{magic:X8}.");
        if (head[2] != UnsignedByteType)
            throw new InvalidDataException($"{path}: expected element type 0x08 (unsigned byte; magic 0x{expectedMagic:X8}), found type 0x{head[2]:X2} ({TypeName(head[2])}; magic 0x{magic:X8}).");
        if (head[3] != expectedDims)
            throw new InvalidDataException($"{path}: expected {expectedDims} dimension(s) (magic 0x{expectedMagic:X8}, {Describe(expectedMagic)}), found {head[3]} (magic 0x{magic:X8}{GuessKind(magic)}).");

        int headerLength = 4 + 4 * expectedDims;
        Span<byte> dimBytes = stackalloc byte[4 * expectedDims];
        got = ReadUpTo(stream, dimBytes);
        if (got < dimBytes.Length)
            throw new InvalidDataException($"{path}: truncated header: expected {headerLength} header bytes ({expectedDims} dimension(s) after the magic number), the {what} has {4 + got}.");

        var dims = new int[expectedDims];
        long payload = 1;
        bool tooLarge = false;
        for (int d = 0; d < expectedDims; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * d, 4));
            if (size == 0)
                throw new InvalidDataException($"{path}: dimension {d} of {expectedDims} is 0; expected every dimension > 0 (header [{FormatDims(dimBytes, expectedDims)}]).");
            if (size > int.MaxValue || payload > Array.MaxLength / size)
                tooLarge = true;
            else
                payload *= size;
            dims[d] = (int)Math.Min(size, int.MaxValue);
        }
        string header = FormatDims(dimBytes, expectedDims);
        if (tooLarge)
            throw new InvalidDataException($"{path}: absurd header [{header}]: it claims more than {Array.MaxLength} data bytes, but the file has {fileLength} bytes.");

        if (!compressed)
        {
            long expectedLength = headerLength + payload;
            if (fileLength < expectedLength)
                throw new InvalidDataException($"{path}: truncated or oversized header: the header [{header}] claims {payload} data bytes ({expectedLength} bytes in all), but the file has {fileLength} bytes.");
            if (fileLength > expectedLength)
                throw new InvalidDataException($"{path}: the file has {fileLength} bytes, {fileLength - expectedLength} more than the header [{header}] accounts for ({expectedLength}).");
        }
        else if (payload > MaxDeflateRatio * fileLength + 1024)
        {
            throw new InvalidDataException($"{path}: oversized header: [{header}] claims {payload} data bytes, more than a gzip file of {fileLength} bytes can hold.");
        }

        var data = new byte[payload];
        got = ReadUpTo(stream, data);
        if (got < payload)
            throw new InvalidDataException($"{path}: truncated: the header [{header}] claims {payload} data bytes, the {what} has {got} after the {headerLength}-byte header.");
        if (compressed && stream.ReadByte() >= 0)
            throw new InvalidDataException($"{path}: the decompressed data is longer than the header [{header}] accounts for ({headerLength + payload} bytes).");
        return new IdxArray(path, dims, data);
    }

    private static bool StartsWithGzipMagic(Stream stream)
    {
        Span<byte> magic = stackalloc byte[2];
        return ReadUpTo(stream, magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    // Reads until the buffer is full or the stream ends; returns the bytes read.
    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static string FormatDims(ReadOnlySpan<byte> dimBytes, int count)
    {
        var parts = new string[count];
        for (int d = 0; d < count; d++)
            parts[d] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * d, 4)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(", ", parts);
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "unsigned-byte images [count, rows, columns]",
        LabelsMagic => "unsigned-byte labels [count]",
        _ => $"unsigned bytes, {magic & 0xFF} dimension(s)",
    };

    private static string GuessKind(int magic) => magic switch
    {
        ImagesMagic => ": an images file?",
        LabelsMagic => ": a labels file?",
        _ => "",
    };

    private static string TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown",
    };
}
