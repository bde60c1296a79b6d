using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;

namespace Compiled.Serialization;

/// <summary>
/// Saves and restores a training run in one file: the network's parameters and non-parameter state, any number of named
/// <see cref="IStateful"/> objects (optimizer, schedule, early stopping, random-number generators), epoch and step
/// counters, and free-form metadata. Files are written atomically and verified by a checksum when read.
/// </summary>
/// <remarks>
/// <para><b>File layout, format version 1</b> (all integers little-endian; full description in <c>docs/checkpoints.md</c>):</para>
/// <code>
/// header, 96 bytes
///   0  8   magic 89 43 4B 50 54 0D 0A 1A ("\x89CKPT\r\n\x1a")
///   8  4   u32 format version (1)
///  12  4   u32 header length (96)
///  16  8   i64 payload length P
///  24  32  SHA-256 of the architecture description (UTF-8)
///  56  8   reserved, zero
///  64  32  checksum: SHA-256 of the payload followed by header bytes [0, 64)
/// payload, P bytes: sections in this order, each a 4-byte ASCII tag then its content
///   "ARCH" string architecture description
///   "CNTR" i64 epoch, i64 step
///   "META" u32 n, n × (string key, string value)
///   "PARM" tensor table: the parameters
///   "NBUF" tensor table: the network's non-parameter state buffers (INetwork.StateTable)
///   "STAT" u32 n, n × (string name, string kind, bag)
///   "END!"
/// string = u32 byte length, UTF-8 bytes
/// tensor table = u32 n, n × (string name, u32 rank, rank × i32 dim, product(dims) × f32)
/// bag = u32 n, n × (string name, u32 length, length × f32)      buffers
///       u32 n, n × (string name, i64)                            integers
///       u32 n, n × (string name, f64)                            scalars
///       u32 n, n × (string name, bag)                            children
/// </code>
/// <para>
/// Loading checks, in order: magic (else "not a checkpoint"), version (a newer one is refused), length (truncated or
/// trailing bytes), checksum (corrupted), the payload's structure, the architecture (a different network is refused
/// with the first line where the descriptions differ), and that every requested state exists with the same kind.
/// Only then is anything changed; if an object's <see cref="IStateful.ReadState"/> still throws, the objects already
/// restored are put back as they were and the network is not touched.
/// </para>
/// </remarks>
public static class Checkpoint
{
    private const int MaxDepth = 64;

    /// <summary>
    /// The name under which a network that is itself <see cref="IStateful"/> (a generated network with dropout: its
    /// <c>DropoutSeed</c> and <c>DropoutStep</c>) saves its own state; <see cref="Load"/> restores it when the file has it.
    /// </summary>
    public const string NetworkStateName = "network";

    private static IReadOnlyDictionary<string, IStateful>? WithNetworkState(IReadOnlyDictionary<string, IStateful>? states, INetwork network)
    {
        if (network is not IStateful own || states?.ContainsKey(NetworkStateName) == true) return states;
        var all = states is null ? new Dictionary<string, IStateful>(StringComparer.Ordinal) : new Dictionary<string, IStateful>(states, StringComparer.Ordinal);
        all[NetworkStateName] = own;
        return all;
    }

    /// <summary>
    /// Writes a checkpoint of <paramref name="network"/> and <paramref name="states"/> to <paramref name="path"/>
    /// atomically: a temporary file in the same directory is written, flushed to the disk and renamed over the target,
    /// so the target is at every moment either the previous checkpoint or the complete new one.
    /// </summary>
    /// <param name="path">The checkpoint file (conventionally <c>.ckpt</c>).</param>
    /// <param name="network">The network whose parameters and state buffers are saved.</param>
    /// <param name="states">Objects whose state is saved too, by a name of the caller's choosing (e.g. <c>"optimizer"</c>).</param>
    /// <param name="epoch">The epoch counter to save (e.g. epochs completed).</param>
    /// <param name="step">The step counter to save (e.g. optimizer steps or batches completed).</param>
    /// <param name="metadata">Free-form text to keep with the checkpoint.</param>
    public static void Save(string path, INetwork network, IReadOnlyDictionary<string, IStateful>? states = null,
        long epoch = 0, long step = 0, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(network);
        RequireTable(network.ParameterTable, network.Parameters, "ParameterTable", "Parameters");
        RequireTable(network.StateTable, network.StateBuffer, "StateTable", "StateBuffer");

        states = WithNetworkState(states, network);

        // Ask every object for its state before the file is opened: a throwing WriteState leaves no file behind.
        var saved = new List<(string Name, string Kind, StateBag Bag)>();
        if (states is not null)
        {
            foreach (KeyValuePair<string, IStateful> entry in states.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (string.IsNullOrEmpty(entry.Key)) throw new ArgumentException("A state name is empty.", nameof(states));
                ArgumentNullException.ThrowIfNull(entry.Value, $"states[\"{entry.Key}\"]");
                var bag = new StateBag();
                entry.Value.WriteState(bag);
                saved.Add((entry.Key, entry.Value.StateKind, bag));
            }
        }

        string architecture = NetworkArchitecture.Describe(network);
        byte[] architectureHash = NetworkArchitecture.Hash(architecture);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[CheckpointHeader.Length]);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var w = new PayloadWriter(stream, hash);
            w.Tag("ARCH");
            w.String(architecture);
            w.Tag("CNTR");
            w.Int64(epoch);
            w.Int64(step);
            w.Tag("META");
            var meta = metadata?.OrderBy(e => e.Key, StringComparer.Ordinal).ToList() ?? [];
            w.UInt32((uint)meta.Count);
            foreach (KeyValuePair<string, string> m in meta)
            {
                w.String(m.Key);
                w.String(m.Value ?? "");
            }
            w.Tag("PARM");
            WriteTable(w, network.ParameterTable, network.Parameters);
            w.Tag("NBUF");
            WriteTable(w, network.StateTable, network.StateBuffer);
            w.Tag("STAT");
            w.UInt32((uint)saved.Count);
            foreach ((string name, string kind, StateBag bag) in saved)
            {
                w.String(name);
                w.String(kind);
                WriteBag(w, bag, 0);
            }
            w.Tag("END!");
            w.Flush();

            Span<byte> header = stackalloc byte[CheckpointHeader.Length];
            CheckpointHeader.WriteFields(header, w.Length, architectureHash);
            CheckpointHeader.Checksum(hash, header).CopyTo(header[CheckpointHeader.ChecksumOffset..]);
            stream.Position = 0;
            stream.Write(header);
        });
    }

    /// <summary>
    /// Restores <paramref name="network"/> and <paramref name="states"/> from the checkpoint at <paramref name="path"/>
    /// and returns what it holds (epoch and step counters among it). Entries of the file that
    /// <paramref name="states"/> does not ask for are ignored.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a checkpoint, is of a newer format version, truncated, corrupted, malformed, was saved from a
    /// different architecture, lacks a requested state or holds it from a different kind of object. The message names
    /// the problem, and the network and every object in <paramref name="states"/> are left as they were.
    /// </exception>
    public static CheckpointContents Load(string path, INetwork network, IReadOnlyDictionary<string, IStateful>? states = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        RequireTable(network.ParameterTable, network.Parameters, "ParameterTable", "Parameters");
        RequireTable(network.StateTable, network.StateBuffer, "StateTable", "StateBuffer");
        CheckpointContents contents = Read(path);

        // 1. Validate everything against the network and the objects.
        string current = NetworkArchitecture.Describe(network);
        if (current != contents.Architecture)
        {
            throw new InvalidDataException(
                $"'{path}' was saved from a different network architecture than {network.GetType().Name}: " +
                $"{NetworkArchitecture.FirstDifference(contents.Architecture, current)} " +
                $"(architecture hash {ShortHash(contents.Architecture)} in the file, {ShortHash(current)} for this network).");
        }
        RequireSameTensors(path, "parameter", contents.Parameters, network.ParameterTable);
        RequireSameTensors(path, "state tensor", contents.StateTensors, network.StateTable);

        var toRestore = new List<(string Name, IStateful Target, SavedState Saved)>();
        if (states is not null)
        {
            foreach (KeyValuePair<string, IStateful> entry in states.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                ArgumentNullException.ThrowIfNull(entry.Value, $"states[\"{entry.Key}\"]");
                if (!contents.States.TryGetValue(entry.Key, out SavedState? saved))
                {
                    string held = contents.States.Count == 0 ? "none" : string.Join(", ", contents.States.Keys.Select(k => $"'{k}'"));
                    throw new InvalidDataException($"'{path}' has no state named '{entry.Key}' (the states it holds: {held}).");
                }
                if (saved.Kind != entry.Value.StateKind)
                {
                    throw new InvalidDataException(
                        $"'{path}' holds the state '{entry.Key}' written by {saved.Kind}, which cannot be loaded into {entry.Value.StateKind}.");
                }
                toRestore.Add((entry.Key, entry.Value, saved));
            }
        }

        // The network's own state (a generated network with dropout: its mask stream), when the file has it.
        if (network is IStateful own && states?.ContainsKey(NetworkStateName) != true
            && contents.States.TryGetValue(NetworkStateName, out SavedState? ownSaved) && ownSaved.Kind == own.StateKind)
        {
            toRestore.Add((NetworkStateName, own, ownSaved));
        }

        // 2. Apply: the objects first (each validates its bag; on failure the ones done are rolled back), the network last.
        var done = new List<(IStateful Target, StateBag Before)>();
        foreach ((string name, IStateful target, SavedState saved) in toRestore)
        {
            var before = new StateBag();
            target.WriteState(before);
            try
            {
                target.ReadState(saved.State);
            }
            catch (Exception ex)
            {
                for (int i = done.Count - 1; i >= 0; i--) done[i].Target.ReadState(done[i].Before);
                if (ex is InvalidDataException)
                    throw new InvalidDataException($"'{path}': the state '{name}' ({saved.Kind}) cannot be restored: {ex.Message}", ex);
                throw;
            }
            done.Add((target, before));
        }
        CopyInto(contents.Parameters, network.ParameterTable, network.Parameters);
        CopyInto(contents.StateTensors, network.StateTable, network.StateBuffer);
        return contents;
    }

    /// <summary>Reads and verifies a checkpoint file without applying it to anything.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is newer, truncated, corrupted or malformed (the message says which).</exception>
    public static CheckpointContents Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long fileLength = stream.Length;
        Span<byte> header = stackalloc byte[CheckpointHeader.Length];
        int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        header = header[..got];

        ReadOnlySpan<byte> magic = CheckpointHeader.Magic;
        int compared = Math.Min(got, magic.Length);
        if (got == 0)
            throw new InvalidDataException($"'{path}' is not a checkpoint: the file is empty.");
        if (!header[..compared].SequenceEqual(magic[..compared]))
            throw new InvalidDataException($"'{path}' is not a checkpoint: it does not start with the checkpoint magic bytes {Hex(magic)} (found {Hex(header[..compared])}){LooksLike(header)}.");
        if (got < 12)
            throw new InvalidDataException($"'{path}' is truncated: it has {fileLength} bytes, fewer than the {CheckpointHeader.Length}-byte checkpoint header.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version > CheckpointHeader.CurrentVersion)
            throw new InvalidDataException($"'{path}' has checkpoint format version {version}, newer than the version {CheckpointHeader.CurrentVersion} this library reads; load it with a newer version of Compiled.");
        if (version == 0)
            throw new InvalidDataException($"'{path}' is corrupted: its header gives format version 0, which does not exist.");
        if (got < CheckpointHeader.Length)
            throw new InvalidDataException($"'{path}' is truncated: it has {fileLength} bytes, fewer than the {CheckpointHeader.Length}-byte checkpoint header.");
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (headerLength != CheckpointHeader.Length || payloadLength < 0 || payloadLength > long.MaxValue - CheckpointHeader.Length)
            throw new InvalidDataException($"'{path}' is corrupted: its header gives header length {headerLength} and payload length {payloadLength} (version {version} has a {CheckpointHeader.Length}-byte header).");
        long expected = CheckpointHeader.Length + payloadLength;
        if (fileLength < expected)
            throw new InvalidDataException($"'{path}' is truncated: it has {fileLength} bytes but its header says {expected} ({expected - fileLength} missing).");
        if (fileLength > expected)
            throw new InvalidDataException($"'{path}' is corrupted: it has {fileLength - expected} bytes after the {expected} its header accounts for.");

        // The checksum over the whole payload first, so damage anywhere is reported as such before anything is parsed.
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            byte[] buffer = new byte[1 << 16];
            long left = payloadLength;
            while (left > 0)
            {
                int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n <= 0) throw new InvalidDataException($"'{path}' is truncated: it ended while being read ({left} payload bytes missing).");
                hash.AppendData(buffer, 0, n);
                left -= n;
            }
            byte[] checksum = CheckpointHeader.Checksum(hash, header);
            if (!checksum.AsSpan().SequenceEqual(header[CheckpointHeader.ChecksumOffset..]))
                throw new InvalidDataException($"'{path}' is corrupted: its SHA-256 checksum does not match its contents (the file was damaged or modified after it was written).");
        }

        byte[] headerArchitectureHash = header[24..56].ToArray();
        stream.Position = CheckpointHeader.Length;
        var r = new PayloadReader(stream, payloadLength, path);
        r.Tag("ARCH");
        string architecture = r.String("the architecture description");
        if (!NetworkArchitecture.Hash(architecture).AsSpan().SequenceEqual(headerArchitectureHash))
            throw r.Malformed("the architecture hash in the header is not the hash of the description in the payload");
        r.Tag("CNTR");
        long epoch = r.Int64("the epoch counter");
        long step = r.Int64("the step counter");
        r.Tag("META");
        int metaCount = r.Count("the metadata count", 8);
        var metadata = new Dictionary<string, string>(metaCount, StringComparer.Ordinal);
        for (int i = 0; i < metaCount; i++)
        {
            string key = r.String("a metadata key");
            string value = r.String($"metadata '{key}'");
            if (!metadata.TryAdd(key, value)) throw r.Malformed($"the metadata key '{key}' appears twice");
        }
        r.Tag("PARM");
        List<SavedTensor> parameters = ReadTable(r, "parameter");
        r.Tag("NBUF");
        List<SavedTensor> stateTensors = ReadTable(r, "state tensor");
        r.Tag("STAT");
        int stateCount = r.Count("the state count", 16);
        var states = new Dictionary<string, SavedState>(stateCount, StringComparer.Ordinal);
        for (int i = 0; i < stateCount; i++)
        {
            string name = r.String("a state name");
            string kind = r.String($"the kind of state '{name}'");
            StateBag bag = ReadBag(r, $"state '{name}'", 0);
            if (!states.TryAdd(name, new SavedState(kind, bag))) throw r.Malformed($"the state '{name}' appears twice");
        }
        r.Tag("END!");
        if (r.Remaining != 0) throw r.Malformed($"{r.Remaining} bytes follow the end marker");
        return new CheckpointContents(version, architecture, epoch, step, metadata, parameters, stateTensors, states);
    }

    private static void WriteTable(PayloadWriter w, IReadOnlyList<ParameterInfo> table, float[] buffer)
    {
        w.UInt32((uint)table.Count);
        foreach (ParameterInfo p in table)
        {
            w.String(p.Name);
            w.UInt32((uint)p.Shape.Length);
            foreach (int d in p.Shape) w.Int32(d);
            w.Floats(buffer.AsSpan(p.Offset, p.Length));
        }
    }

    private static List<SavedTensor> ReadTable(PayloadReader r, string what)
    {
        int count = r.Count($"the {what} count", 8);
        var tensors = new List<SavedTensor>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string name = r.String($"a {what} name");
            if (!names.Add(name)) throw r.Malformed($"the {what} '{name}' appears twice");
            int rank = r.Count($"the rank of {what} '{name}'", 4);
            var shape = new int[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++)
            {
                shape[d] = r.Int32($"dimension {d} of {what} '{name}'");
                if (shape[d] < 0) throw r.Malformed($"{what} '{name}' has a negative dimension {shape[d]}");
                elements *= shape[d];
                if (elements > Array.MaxLength) throw r.Malformed($"{what} '{name}' has more elements than an array can hold");
            }
            tensors.Add(new SavedTensor(name, shape, r.Floats(elements, $"the values of {what} '{name}'")));
        }
        return tensors;
    }

    private static void WriteBag(PayloadWriter w, StateBag bag, int depth)
    {
        if (depth > MaxDepth) throw new InvalidOperationException($"State bags nest more than {MaxDepth} levels deep.");
        w.UInt32((uint)bag.Buffers.Count);
        foreach (KeyValuePair<string, float[]> b in bag.Buffers)
        {
            w.String(b.Key);
            w.UInt32((uint)b.Value.Length);
            w.Floats(b.Value);
        }
        w.UInt32((uint)bag.Integers.Count);
        foreach (KeyValuePair<string, long> i in bag.Integers)
        {
            w.String(i.Key);
            w.Int64(i.Value);
        }
        w.UInt32((uint)bag.Scalars.Count);
        foreach (KeyValuePair<string, double> s in bag.Scalars)
        {
            w.String(s.Key);
            w.Double(s.Value);
        }
        w.UInt32((uint)bag.Children.Count);
        foreach (KeyValuePair<string, StateBag> c in bag.Children)
        {
            w.String(c.Key);
            WriteBag(w, c.Value, depth + 1);
        }
    }

    private static StateBag ReadBag(PayloadReader r, string where, int depth)
    {
        if (depth > MaxDepth) throw r.Malformed($"{where} nests more than {MaxDepth} levels deep");
        var bag = new StateBag();
        int buffers = r.Count($"the buffer count of {where}", 8);
        for (int i = 0; i < buffers; i++)
        {
            string name = r.String($"a buffer name in {where}");
            uint length = r.UInt32($"the length of buffer '{name}' in {where}");
            float[] values = r.Floats(length, $"buffer '{name}' in {where}");
            if (!bag.Buffers.TryAdd(name, values)) throw r.Malformed($"buffer '{name}' appears twice in {where}");
        }
        int integers = r.Count($"the integer count of {where}", 12);
        for (int i = 0; i < integers; i++)
        {
            string name = r.String($"an integer name in {where}");
            if (!bag.Integers.TryAdd(name, r.Int64($"integer '{name}' in {where}"))) throw r.Malformed($"integer '{name}' appears twice in {where}");
        }
        int scalars = r.Count($"the scalar count of {where}", 12);
        for (int i = 0; i < scalars; i++)
        {
            string name = r.String($"a scalar name in {where}");
            if (!bag.Scalars.TryAdd(name, r.Double($"scalar '{name}' in {where}"))) throw r.Malformed($"scalar '{name}' appears twice in {where}");
        }
        int children = r.Count($"the child count of {where}", 20);
        for (int i = 0; i < children; i++)
        {
            string name = r.String($"a child name in {where}");
            StateBag child = ReadBag(r, $"{where}/{name}", depth + 1);
            if (!bag.Children.TryAdd(name, child)) throw r.Malformed($"child '{name}' appears twice in {where}");
        }
        return bag;
    }

    private static void RequireSameTensors(string path, string what, IReadOnlyList<SavedTensor> saved, IReadOnlyList<ParameterInfo> table)
    {
        if (saved.Count != table.Count)
            throw new InvalidDataException($"'{path}' holds {saved.Count} {what}s but the network has {table.Count}.");
        for (int i = 0; i < table.Count; i++)
        {
            if (saved[i].Name != table[i].Name || !saved[i].Shape.AsSpan().SequenceEqual(table[i].Shape))
                throw new InvalidDataException($"'{path}' holds {what} '{saved[i].Name}' [{string.Join(", ", saved[i].Shape)}] where the network has '{table[i].Name}' [{string.Join(", ", table[i].Shape)}].");
        }
    }

    private static void CopyInto(IReadOnlyList<SavedTensor> saved, IReadOnlyList<ParameterInfo> table, float[] buffer)
    {
        for (int i = 0; i < table.Count; i++) saved[i].Data.CopyTo(buffer.AsSpan(table[i].Offset, table[i].Length));
    }

    internal static void RequireTable(IReadOnlyList<ParameterInfo> table, float[] buffer, string tableName, string bufferName)
    {
        foreach (ParameterInfo p in table)
        {
            if (p.Offset < 0 || (long)p.Offset + p.Length > buffer.Length)
                throw new ArgumentException($"The network's {tableName} places '{p.Name}' at [{p.Offset}, {(long)p.Offset + p.Length}) outside its {bufferName} of {buffer.Length} floats.");
        }
    }

    private static string LooksLike(ReadOnlySpan<byte> header)
    {
        if (header.Length >= 9 && header[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(header) < (1UL << 32))
            return "; it looks like a .safetensors file: read it with SafeTensors.Load";
        return "";
    }

    private static string ShortHash(string architecture) => Convert.ToHexString(NetworkArchitecture.Hash(architecture))[..16].ToLowerInvariant();

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var text = new System.Text.StringBuilder();
        foreach (byte b in bytes)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
