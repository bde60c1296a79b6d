using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Compiled.Serialization;

/// <summary>One tensor listed in a <c>.safetensors</c> header.</summary>
/// <param name="Name">The tensor's name (PyTorch's <c>state_dict</c> key, e.g. <c>fc1.weight</c>).</param>
/// <param name="DType">The element type as the format spells it: <c>F32</c>, <c>F64</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>...</param>
/// <param name="Shape">Its dimensions.</param>
/// <param name="Begin">First byte of its data, relative to the start of the data section.</param>
/// <param name="End">One past its last byte, relative to the start of the data section.</param>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Elements in the tensor (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
}

/// <summary>A parsed and validated <c>.safetensors</c> header: the tensors and the free-form metadata.</summary>
public sealed class SafeTensorsHeader
{
    internal SafeTensorsHeader(IReadOnlyList<SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart, long dataLength)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
        DataLength = dataLength;
    }

    /// <summary>The tensors, in the order of their data in the file.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }
    /// <summary>The <c>__metadata__</c> entries (empty when the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Byte offset of the data section in the file (8 + the header length).</summary>
    public long DataStart { get; }
    /// <summary>Bytes in the data section.</summary>
    public long DataLength { get; }

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public SafeTensorInfo? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>Bytes per element of a safetensors dtype, or 0 if the format does not define it.</summary>
    internal static int ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" => 8,
        _ => 0,
    };

    /// <summary>
    /// Parses the JSON header <paramref name="json"/> of a file whose data section has <paramref name="dataLength"/> bytes
    /// and checks every rule of the format: a JSON object; <c>__metadata__</c> a string-to-string object; each tensor an
    /// object with a known <c>dtype</c>, a <c>shape</c> of non-negative integers and <c>data_offsets</c> [begin, end]
    /// spanning exactly its size; the tensors covering the data section contiguously, without overlap or gap.
    /// </summary>
    internal static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataStart, long dataLength, string path)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw Bad(path, "the header is not valid UTF-8");
        var tensors = new List<SafeTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Bad(path, "the JSON header is not an object (it must start with '{')");
            while (true)
            {
                Read(ref reader, path);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = reader.GetString()!;
                if (name == "__metadata__")
                {
                    if (sawMetadata) throw Bad(path, "'__metadata__' appears twice in the header");
                    sawMetadata = true;
                    ReadMetadata(ref reader, metadata, path);
                    continue;
                }
                if (!names.Add(name)) throw Bad(path, $"the tensor '{name}' appears twice in the header");
                tensors.Add(ReadTensor(ref reader, name, path));
            }
            // Only whitespace may follow the object (the format pads the header with spaces to a multiple of 8 bytes).
            if (reader.Read())
                throw Bad(path, $"the JSON header has content after its closing brace (at byte {reader.TokenStartIndex})");
        }
        catch (JsonException ex)
        {
            throw Bad(path, $"the header is not valid JSON: {ex.Message}");
        }

        // Each tensor's byte span: inside the data section and exactly its dtype size times its element count.
        foreach (SafeTensorInfo t in tensors)
        {
            if (t.End > dataLength)
                throw Bad(path, $"tensor '{t.Name}' has data_offsets [{t.Begin}, {t.End}] out of range: the data section has {dataLength} bytes");
            long expected = SizeInBytes(t, path);
            if (t.End - t.Begin != expected)
                throw Bad(path, $"tensor '{t.Name}' of dtype {t.DType} and shape {ShapeText(t.Shape)} needs {expected} bytes, but its data_offsets [{t.Begin}, {t.End}] span {t.End - t.Begin}");
        }
        // Together they cover the data section exactly: sorted by offset, each begins where the previous ends.
        var ordered = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        long covered = 0;
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo t in ordered)
        {
            if (t.Begin < covered)
                throw Bad(path, $"tensor '{t.Name}' (bytes [{t.Begin}, {t.End}]) overlaps tensor '{previous!.Name}' (bytes [{previous.Begin}, {previous.End}])");
            if (t.Begin > covered)
                throw Bad(path, $"bytes [{covered}, {t.Begin}) of the data section belong to no tensor (the offsets must cover it contiguously)");
            covered = t.End;
            previous = t;
        }
        if (covered != dataLength)
            throw Bad(path, $"the last {dataLength - covered} bytes of the data section (from byte {covered}) belong to no tensor");
        return new SafeTensorsHeader(ordered, metadata, dataStart, dataLength);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string path)
    {
        Read(ref reader, path);
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad(path, "'__metadata__' is not an object of strings");
        while (true)
        {
            Read(ref reader, path);
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = reader.GetString()!;
            Read(ref reader, path);
            if (reader.TokenType != JsonTokenType.String) throw Bad(path, $"'__metadata__' entry '{key}' is not a string");
            if (!metadata.TryAdd(key, reader.GetString()!)) throw Bad(path, $"'__metadata__' entry '{key}' appears twice");
        }
    }

    private static SafeTensorInfo ReadTensor(ref Utf8JsonReader reader, string name, string path)
    {
        Read(ref reader, path);
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad(path, $"the entry of tensor '{name}' is not an object");
        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Read(ref reader, path);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string key = reader.GetString()!;
            switch (key)
            {
                case "dtype":
                    if (dtype is not null) throw Bad(path, $"tensor '{name}' has 'dtype' twice");
                    Read(ref reader, path);
                    if (reader.TokenType != JsonTokenType.String) throw Bad(path, $"tensor '{name}' has a 'dtype' that is not a string");
                    dtype = reader.GetString()!;
                    if (ElementSize(dtype) == 0)
                        throw Bad(path, $"tensor '{name}' has the unknown dtype '{dtype}' (the format defines BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64)");
                    break;
                case "shape":
                    if (shape is not null) throw Bad(path, $"tensor '{name}' has 'shape' twice");
                    shape = ReadIntegers(ref reader, name, "shape", path);
                    break;
                case "data_offsets":
                    if (offsets is not null) throw Bad(path, $"tensor '{name}' has 'data_offsets' twice");
                    offsets = ReadIntegers(ref reader, name, "data_offsets", path);
                    if (offsets.Length != 2) throw Bad(path, $"tensor '{name}' has {offsets.Length} data_offsets; it needs two, [begin, end]");
                    if (offsets[1] < offsets[0]) throw Bad(path, $"tensor '{name}' has data_offsets [{offsets[0]}, {offsets[1]}] that end before they begin");
                    break;
                default:
                    throw Bad(path, $"tensor '{name}' has the unknown field '{key}' (a tensor entry has dtype, shape and data_offsets)");
            }
        }
        if (dtype is null) throw Bad(path, $"tensor '{name}' has no 'dtype'");
        if (shape is null) throw Bad(path, $"tensor '{name}' has no 'shape'");
        if (offsets is null) throw Bad(path, $"tensor '{name}' has no 'data_offsets'");
        return new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, string path)
    {
        Read(ref reader, path);
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad(path, $"tensor '{name}' has a '{field}' that is not an array");
        var values = new List<long>();
        while (true)
        {
            Read(ref reader, path);
            if (reader.TokenType == JsonTokenType.EndArray) return values.ToArray();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                throw Bad(path, $"tensor '{name}' has a '{field}' entry that is not a non-negative integer");
            values.Add(value);
        }
    }

    private static void Read(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read()) throw Bad(path, "the JSON header ends early");
    }

    private static long SizeInBytes(SafeTensorInfo t, string path)
    {
        long bytes = ElementSize(t.DType);
        foreach (long d in t.Shape)
        {
            if (d != 0 && bytes > long.MaxValue / d) throw Bad(path, $"tensor '{t.Name}' has a shape {ShapeText(t.Shape)} whose size overflows");
            bytes *= d;
        }
        return bytes;
    }

    internal static string ShapeText(IEnumerable<long> shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    internal static InvalidDataException Bad(string path, string problem) => new($"'{path}' is not a valid .safetensors file: {problem}.");
}
