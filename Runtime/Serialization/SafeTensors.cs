using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Compiled.Serialization;

/// <summary>What <see cref="SafeTensors.Load"/> did.</summary>
/// <param name="Loaded">The network tensors that were filled from the file.</param>
/// <param name="Missing">Network tensors the file lacks (left as they were; only possible with <c>strict: false</c>).</param>
/// <param name="Unexpected">Tensors in the file the network does not have (ignored; only possible with <c>strict: false</c>).</param>
/// <param name="Metadata">The file's <c>__metadata__</c>.</param>
public sealed record SafeTensorsLoadResult(
    IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads and writes Hugging Face's <c>.safetensors</c> format with the network's PyTorch names and shapes
/// (<see cref="INetwork.ParameterTable"/> and <see cref="INetwork.StateTable"/>), so a PyTorch <c>state_dict</c> saved with
/// <c>safetensors.torch.save_file</c> loads into the compiled network and back.
/// </summary>
/// <remarks>
/// <para>The format: 8 bytes little-endian u64 <c>N</c>; <c>N</c> bytes of UTF-8 JSON
/// <c>{"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}</c>;
/// then the data section, each tensor's row-major little-endian bytes at <c>[begin, end)</c> relative to its start.</para>
/// <para>Writing follows the reference implementation's layout: every tensor <c>F32</c>, sorted by name, packed in that order from
/// offset 0; compact JSON with <c>__metadata__</c> first; the header padded with spaces to a multiple of 8 bytes.
/// The file is written atomically (temporary file, flush to disk, rename).</para>
/// <para>Reading validates the whole header before any tensor is read, and reads every tensor before the network is changed:
/// a header length above <see cref="MaxHeaderBytes"/> or beyond the end of the file, malformed JSON, unknown dtypes or fields,
/// offsets out of range, overlapping, leaving gaps or not spanning exactly dtype size × element count, a dtype that is not
/// floating point, a shape that differs from the network's, and (with <c>strict</c>) missing or unexpected tensors are each
/// refused with an <see cref="InvalidDataException"/> naming the tensor and the problem, and the network is left untouched.
/// <c>F32</c> is read exactly; <c>F16</c> and <c>BF16</c> are widened exactly; <c>F64</c> is rounded to the nearest float.
/// Integer and boolean dtypes are refused for network tensors (they may sit in the file as unexpected entries with
/// <c>strict: false</c>).</para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted: 100 MB, as the reference implementation.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writes every parameter and state tensor of <paramref name="network"/> as <c>F32</c>, atomically.</summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="network">The network to save.</param>
    /// <param name="metadata">The <c>__metadata__</c> to write; by default <c>{"format": "pt"}</c>, what PyTorch loaders expect.</param>
    public static void Save(string path, INetwork network, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(network);
        Checkpoint.RequireTable(network.ParameterTable, network.Parameters, "ParameterTable", "Parameters");
        Checkpoint.RequireTable(network.StateTable, network.StateBuffer, "StateTable", "StateBuffer");
        var tensors = NetworkTensors(network).OrderBy(t => t.Info.Name, StringComparer.Ordinal).ToList();
        metadata ??= new Dictionary<string, string> { ["format"] = "pt" };

        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> m in metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) w.WriteString(m.Key, m.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach ((ParameterInfo info, _) in tensors)
            {
                w.WriteStartObject(info.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in info.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += 4L * info.Length;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        while (json.Length % 8 != 0) json.WriteByte((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
            stream.Write(length);
            json.Position = 0;
            json.CopyTo(stream);
            foreach ((ParameterInfo info, float[] buffer) in tensors) WriteFloats(stream, buffer.AsSpan(info.Offset, info.Length));
        });
    }

    /// <summary>
    /// Loads the tensors of <paramref name="path"/> into <paramref name="network"/>'s parameters and state buffers by name.
    /// </summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="network">The network to fill.</param>
    /// <param name="strict">
    /// As PyTorch's <c>load_state_dict(strict=...)</c>: when true (the default) the file must hold exactly the network's
    /// tensors; when false, tensors missing from the file keep their values and tensors the network lacks are ignored,
    /// both listed in the result (fine-tuning from a model with another head, say). Shapes and dtypes are checked either way.
    /// </param>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit the network; nothing was changed.</exception>
    public static SafeTensorsLoadResult Load(string path, INetwork network, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        Checkpoint.RequireTable(network.ParameterTable, network.Parameters, "ParameterTable", "Parameters");
        Checkpoint.RequireTable(network.StateTable, network.StateBuffer, "StateTable", "StateBuffer");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        SafeTensorsHeader header = ReadHeader(stream, path);

        var wanted = NetworkTensors(network).ToList();
        var missing = wanted.Where(t => header.Find(t.Info.Name) is null).Select(t => t.Info.Name).ToList();
        var known = new HashSet<string>(wanted.Select(t => t.Info.Name), StringComparer.Ordinal);
        var unexpected = header.Tensors.Where(t => !known.Contains(t.Name)).Select(t => t.Name).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
        {
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add($"missing tensors {List(missing)}");
            if (unexpected.Count > 0) problems.Add($"unexpected tensors {List(unexpected)}");
            throw new InvalidDataException(
                $"'{path}' does not match {network.GetType().Name}: {string.Join("; ", problems)} (pass strict: false to load the tensors both have).");
        }

        // Check every tensor that will be loaded, then read them all, then copy: the network changes only if all succeed.
        var toLoad = new List<(ParameterInfo Info, float[] Buffer, SafeTensorInfo Saved)>();
        foreach ((ParameterInfo info, float[] buffer) in wanted)
        {
            SafeTensorInfo? saved = header.Find(info.Name);
            if (saved is null) continue;
            if (saved.DType is not ("F32" or "F64" or "F16" or "BF16"))
                throw new InvalidDataException($"'{path}': tensor '{info.Name}' has dtype {saved.DType}; the network's tensors are float, loaded from F32 (or F64, F16, BF16, converted).");
            if (!saved.Shape.SequenceEqual(info.Shape.Select(d => (long)d)))
                throw new InvalidDataException($"'{path}': tensor '{info.Name}' has shape {SafeTensorsHeader.ShapeText(saved.Shape)}, but the network's '{info.Name}' is {SafeTensorsHeader.ShapeText(info.Shape.Select(d => (long)d))}.");
            toLoad.Add((info, buffer, saved));
        }
        var values = new List<float[]>(toLoad.Count);
        foreach ((ParameterInfo info, _, SafeTensorInfo saved) in toLoad) values.Add(ReadTensor(stream, header, saved, path));
        for (int i = 0; i < toLoad.Count; i++) values[i].CopyTo(toLoad[i].Buffer.AsSpan(toLoad[i].Info.Offset, toLoad[i].Info.Length));
        return new SafeTensorsLoadResult(toLoad.Select(t => t.Info.Name).ToList(), missing, unexpected, header.Metadata);
    }

    /// <summary>Reads and validates the header of a <c>.safetensors</c> file (every check but the network's).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the problem.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads one floating-point tensor of a <c>.safetensors</c> file as floats (converting F64, F16 and BF16).</summary>
    /// <exception cref="InvalidDataException">The file is invalid, has no such tensor, or it is not floating point.</exception>
    public static float[] ReadTensor(string path, string name)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        SafeTensorsHeader header = ReadHeader(stream, path);
        SafeTensorInfo info = header.Find(name) ?? throw new InvalidDataException($"'{path}' has no tensor named '{name}'.");
        if (info.DType is not ("F32" or "F64" or "F16" or "BF16"))
            throw new InvalidDataException($"'{path}': tensor '{name}' has dtype {info.DType}, which is not floating point.");
        return ReadTensor(stream, header, info, path);
    }

    private static SafeTensorsHeader ReadHeader(FileStream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw SafeTensorsHeader.Bad(path, $"the file has {fileLength} bytes, fewer than the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderBytes)
            throw SafeTensorsHeader.Bad(path, $"the header length {n} is larger than the {MaxHeaderBytes}-byte limit");
        if ((long)n > fileLength - 8)
            throw SafeTensorsHeader.Bad(path, $"the header length {n} is larger than the {fileLength - 8} bytes that follow it in the file");
        if (n == 0)
            throw SafeTensorsHeader.Bad(path, "the header length is 0 (the header must be a JSON object)");
        byte[] json = new byte[n];
        stream.ReadExactly(json);
        return SafeTensorsHeader.Parse(json, 8 + (long)n, fileLength - 8 - (long)n, path);
    }

    private static float[] ReadTensor(FileStream stream, SafeTensorsHeader header, SafeTensorInfo info, string path)
    {
        long count = info.ElementCount;
        if (count > Array.MaxLength) throw new InvalidDataException($"'{path}': tensor '{info.Name}' has {count} elements, more than an array holds.");
        var values = new float[count];
        byte[] raw = new byte[info.End - info.Begin];
        stream.Position = header.DataStart + info.Begin;
        stream.ReadExactly(raw);
        switch (info.DType)
        {
            case "F32" when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(values);
                break;
            case "F32":
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i));
                break;
            case "F64":
                for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(8 * i));
                break;
            case "F16":
                for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(2 * i));
                break;
            case "BF16":
                for (int i = 0; i < values.Length; i++)
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)) << 16);
                break;
            default:
                throw new InvalidDataException($"'{path}': tensor '{info.Name}' has dtype {info.DType}, which is not floating point.");
        }
        return values;
    }

    private static IEnumerable<(ParameterInfo Info, float[] Buffer)> NetworkTensors(INetwork network)
    {
        foreach (ParameterInfo p in network.ParameterTable) yield return (p, network.Parameters);
        foreach (ParameterInfo s in network.StateTable) yield return (s, network.StateBuffer);
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> bytes = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes, v);
            stream.Write(bytes);
        }
    }

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
