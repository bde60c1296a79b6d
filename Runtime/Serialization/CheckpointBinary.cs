using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Compiled.Serialization;

/// <summary>Writes the little-endian primitives of a checkpoint payload to a stream, hashing every byte written.</summary>
internal sealed class PayloadWriter
{
    private readonly Stream _stream;
    private readonly IncrementalHash _hash;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _used;

    public PayloadWriter(Stream stream, IncrementalHash hash)
    {
        _stream = stream;
        _hash = hash;
    }

    /// <summary>Bytes written so far (flushed or not).</summary>
    public long Length { get; private set; }

    public void Tag(string tag) => Bytes(Encoding.ASCII.GetBytes(tag));

    public void UInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Bytes(bytes);
    }

    public void Int32(int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Bytes(bytes);
    }

    public void Int64(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        Bytes(bytes);
    }

    public void Double(double value) => Int64(BitConverter.DoubleToInt64Bits(value));

    public void String(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        UInt32((uint)bytes.Length);
        Bytes(bytes);
    }

    /// <summary>Floats as IEEE-754 binary32 little-endian (bit patterns kept exactly, NaN payloads included).</summary>
    public void Floats(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            Bytes(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> bytes = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes, v);
            Bytes(bytes);
        }
    }

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        Length += bytes.Length;
        while (bytes.Length > 0)
        {
            int n = Math.Min(bytes.Length, _buffer.Length - _used);
            bytes[..n].CopyTo(_buffer.AsSpan(_used));
            _used += n;
            bytes = bytes[n..];
            if (_used == _buffer.Length) Flush();
        }
    }

    public void Flush()
    {
        if (_used == 0) return;
        _stream.Write(_buffer, 0, _used);
        _hash.AppendData(_buffer, 0, _used);
        _used = 0;
    }
}

/// <summary>
/// Reads the primitives of a checkpoint payload from a stream holding exactly <c>length</c> more payload bytes;
/// every read is bounds-checked and a malformed payload raises <see cref="InvalidDataException"/> naming what was being read.
/// </summary>
internal sealed class PayloadReader
{
    private const int MaxStringBytes = 64 << 20;
    private readonly Stream _stream;
    private readonly string _file;
    private long _remaining;

    public PayloadReader(Stream stream, long length, string file)
    {
        _stream = stream;
        _remaining = length;
        _file = file;
    }

    public long Remaining => _remaining;

    public void Tag(string expected)
    {
        Span<byte> bytes = stackalloc byte[4];
        Bytes(bytes, $"the '{expected}' section tag");
        string tag = Encoding.ASCII.GetString(bytes);
        if (tag != expected)
            throw Malformed($"expected section '{expected}' but found '{Printable(tag)}'");
    }

    public uint UInt32(string what)
    {
        Span<byte> bytes = stackalloc byte[4];
        Bytes(bytes, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public int Int32(string what)
    {
        Span<byte> bytes = stackalloc byte[4];
        Bytes(bytes, what);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    public long Int64(string what)
    {
        Span<byte> bytes = stackalloc byte[8];
        Bytes(bytes, what);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    public double Double(string what) => BitConverter.Int64BitsToDouble(Int64(what));

    /// <summary>A count of items each at least <paramref name="minItemBytes"/> long: rejected if they cannot fit in what remains.</summary>
    public int Count(string what, int minItemBytes)
    {
        uint count = UInt32(what);
        if (count > int.MaxValue || (long)count * minItemBytes > _remaining)
            throw Malformed($"{what} is {count}, more than the {_remaining} remaining bytes can hold");
        return (int)count;
    }

    public string String(string what)
    {
        uint length = UInt32(what + " (length)");
        if (length > MaxStringBytes || length > _remaining)
            throw Malformed($"{what} claims {length} bytes but {_remaining} remain");
        byte[] bytes = new byte[length];
        Bytes(bytes, what);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed($"{what} is not valid UTF-8");
        }
    }

    public float[] Floats(long count, string what)
    {
        if (count < 0 || count > Array.MaxLength || count * 4 > _remaining)
            throw Malformed($"{what} claims {count} floats ({count * 4} bytes) but {_remaining} bytes remain");
        var values = new float[count];
        Bytes(MemoryMarshal.AsBytes(values.AsSpan()), what);
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        return values;
    }

    public void Bytes(Span<byte> destination, string what)
    {
        if (destination.Length > _remaining)
            throw Malformed($"{what} needs {destination.Length} bytes but {_remaining} remain");
        _stream.ReadExactly(destination);
        _remaining -= destination.Length;
    }

    public InvalidDataException Malformed(string problem)
        => new($"'{_file}' is a malformed checkpoint (its checksum matched, so it was written that way): {problem}.");

    private static string Printable(string tag)
    {
        var text = new StringBuilder();
        foreach (char c in tag) text.Append(c is >= ' ' and <= '~' ? c : '?');
        return text.ToString();
    }
}

/// <summary>The fixed 96-byte header of a checkpoint file (see <see cref="Checkpoint"/> for the layout).</summary>
internal static class CheckpointHeader
{
    public const int Length = 96;
    public const int ChecksumOffset = 64;
    public const uint CurrentVersion = 1;

    /// <summary><c>\x89CKPT\r\n\x1a</c>: a non-ASCII first byte, then CR LF and Ctrl-Z, so text-mode mangling is caught (as PNG does).</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'C', (byte)'K', (byte)'P', (byte)'T', 0x0D, 0x0A, 0x1A];

    /// <summary>Fills bytes [0, 64) of <paramref name="header"/>: magic, version, header length, payload length, architecture hash.</summary>
    public static void WriteFields(Span<byte> header, long payloadLength, ReadOnlySpan<byte> architectureHash)
    {
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], CurrentVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], payloadLength);
        architectureHash.CopyTo(header[24..56]);
    }

    /// <summary>The checksum: SHA-256 of the payload followed by header bytes [0, 64).</summary>
    public static byte[] Checksum(IncrementalHash payloadHash, ReadOnlySpan<byte> header)
    {
        payloadHash.AppendData(header[..ChecksumOffset]);
        return payloadHash.GetHashAndReset();
    }
}
