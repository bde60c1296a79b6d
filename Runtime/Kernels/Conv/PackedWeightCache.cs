using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Compiled.Kernels;

/// <summary>
/// Per-thread memory of the weights a convolution last packed (or transformed) and the result, so a call whose weights are
/// the ones of the last call with the same layout skips the packing: inference calls on fixed weights, above all a call on
/// one sample, where packing 64→64 3×3 filters for Winograd costs about half as much as the layer itself.
/// </summary>
/// <remarks>
/// <para>
/// An entry is found by the packing's layout and the weights' address (or, for an array the garbage collector moved, their
/// values), and used only when the weights equal the copy it keeps bit for bit: a change anywhere (an optimizer
/// step, a load, a write into <c>Parameters</c>, a batch norm refolded into other values) repacks, so a hit is always the
/// packing of the current weights. The compare costs a read of the weights (vectorized); a training step, whose weights
/// changed, pays it and a copy. A network's inference checks its weights once per call instead
/// (<see cref="Networks.InferenceWeights"/>) and runs under a stamp (<see cref="Trust"/>): an entry checked under the
/// current stamp at the same address is used with no compare.
/// </para>
/// <para>
/// Entries are bounded: <see cref="MaxPerLayout"/> per layout, geometry and width (a new array past them takes the least
/// recently used one's place, so new arrays at every call allocate nothing after the first few), weights of at most
/// <see cref="MaxEntryFloats"/> floats, and <see cref="MaxThreadFloats"/> floats of copies and packings per thread; past the
/// last two the caller packs into its scratch every call, as before.
/// </para>
/// </remarks>
internal sealed class PackedWeightCache
{
    /// <summary>Largest weight tensor kept (a 3×3 layer of 256 → 256 channels is 589,824).</summary>
    public const int MaxEntryFloats = 1 << 20;

    /// <summary>Floats of copies and packings one thread keeps (64 MiB).</summary>
    public const long MaxThreadFloats = 1L << 24;

    /// <summary>
    /// Layouts: <see cref="Conv3x3Kernels.PackWeights"/>, <see cref="WinogradConvolution.PackForward"/>,
    /// <see cref="WinogradConvolution.PackTransposed"/>, <see cref="ChannelVectorConvolution.PackWeights"/>, and a dense
    /// layer's weights as GEMM panels (<see cref="DenseKernels"/>; its geometry a 1×1 convolution of a 1×1 plane).
    /// </summary>
    public const int Direct3x3Forward = 1, WinogradForward = 2, WinogradTransposed = 3, ChannelVector = 4, DenseForward = 5;

    [ThreadStatic] private static PackedWeightCache? t_current;
    [ThreadStatic] private static long t_trusted;
    [ThreadStatic] private static bool t_everyWeight;

    /// <summary>Entries kept per layout, geometry and width: past them a new array takes the least recently used one's place.</summary>
    public const int MaxPerLayout = 4;

    private Entry[] _entries = new Entry[8];
    private int _count;
    private long _floats;
    private long _clock;

    public static PackedWeightCache Current => t_current ??= new PackedWeightCache();

    /// <summary>The stamp this thread's calls run under (<see cref="Trust"/>), 0 when none.</summary>
    public static long TrustedStamp => t_trusted;

    /// <summary>
    /// Whether the stamp covers every weight the calls pass, not only the ranges a network watches (convolutions' and batch
    /// norms'): a sealed <see cref="Networks.InferenceWeights"/>, whose network nothing writes any more. A dense layer's
    /// weights, unwatched (comparing them per call would cost a call on one sample more than the layer), are packed and
    /// kept only then.
    /// </summary>
    public static bool TrustsEveryWeight => t_trusted != 0 && t_everyWeight;

    /// <summary>
    /// Until the scope is disposed, this thread's calls run under <paramref name="stamp"/> (0: none): an entry checked or
    /// packed under the same non-zero stamp, for weights at the same address, is used without comparing the weights. The
    /// caller promises that under one stamp the weights at every address its calls pass are unchanged and never move
    /// (<see cref="Networks.InferenceWeights"/>); with <paramref name="everyWeight"/>, every weight the calls pass
    /// (<see cref="TrustsEveryWeight"/>).
    /// </summary>
    public static TrustScope Trust(long stamp, bool everyWeight = false) => new(stamp, everyWeight);

    /// <summary>What packs <c>w</c> into <c>packed</c> for one layout.</summary>
    public delegate void Packer(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width);

    /// <summary>
    /// <paramref name="w"/> packed by <paramref name="pack"/> (<paramref name="packedLength"/> floats): the kept packing when
    /// the weights at the same address with the same layout (<paramref name="layout"/>, <paramref name="g"/>,
    /// <paramref name="width"/>) equal its copy, else a fresh one (kept when the bounds allow, else in
    /// <paramref name="scratch"/> when it holds <paramref name="packedLength"/> floats; an empty span when it does not, for
    /// a caller that has another way).
    /// </summary>
    public ReadOnlySpan<float> Get(in Conv2DGeometry g, ReadOnlySpan<float> w, VectorWidth width, int layout, int packedLength, Packer pack, Span<float> scratch)
    {
        nint address = Address(w);
        Entry? same = null, equal = null, oldest = null;
        int sameKey = 0;
        for (int i = 0; i < _count; i++)
        {
            Entry entry = _entries[i];
            if (!entry.Matches(layout, width, g, w.Length, packedLength)) continue;
            sameKey++;
            if (entry.Address == address) same = entry;
            if (oldest is null || entry.LastUse < oldest.LastUse) oldest = entry;
        }
        if (same is null && sameKey > 0)
        {
            // Weights that moved (a garbage collection compacts small arrays) or another array with the same values.
            for (int i = 0; i < _count && equal is null; i++)
            {
                Entry entry = _entries[i];
                if (entry.Matches(layout, width, g, w.Length, packedLength) && SameBits(w, entry.Weights))
                    equal = entry;
            }
        }

        if (same is not null && t_trusted != 0 && same.Stamp == t_trusted)
        {
            same.LastUse = ++_clock;
            return same.Packed;
        }

        Entry? target = same ?? equal ?? (sameKey >= MaxPerLayout ? oldest : null);
        if (target is not null)
        {
            target.Address = address;
            target.LastUse = ++_clock;
            target.Stamp = t_trusted;
            if (!SameBits(w, target.Weights))
            {
                pack(g, w, target.Packed, width);
                w.CopyTo(target.Weights);
            }
            return target.Packed;
        }

        long floats = (long)w.Length + packedLength;
        if (w.Length > MaxEntryFloats || _floats + floats > MaxThreadFloats)
        {
            if (scratch.Length < packedLength) return default;
            pack(g, w, scratch, width);
            return scratch[..packedLength];
        }
        var added = new Entry(layout, width, g, w.ToArray(), new float[packedLength]) { Address = address, LastUse = ++_clock, Stamp = t_trusted };
        pack(g, w, added.Packed, width);
        if (_count == _entries.Length) Array.Resize(ref _entries, 2 * _count);
        _entries[_count++] = added;
        _floats += floats;
        return added.Packed;
    }

    /// <summary>
    /// Bit for bit: a vectorized compare of bytes (float equality runs element by element, and takes −0 for +0 and a NaN
    /// for any other).
    /// </summary>
    private static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

    private static unsafe nint Address(ReadOnlySpan<float> w) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(w));

    private sealed class Entry(int layout, VectorWidth width, Conv2DGeometry geometry, float[] weights, float[] packed)
    {
        public int Layout { get; } = layout;
        public VectorWidth Width { get; } = width;
        public Conv2DGeometry Geometry { get; } = geometry;
        public float[] Weights { get; } = weights;
        public float[] Packed { get; } = packed;
        public nint Address { get; set; }
        public long LastUse { get; set; }

        /// <summary>The stamp the entry was last checked or packed under (0: none).</summary>
        public long Stamp { get; set; }

        /// <summary>
        /// The same key: layout, width, geometry, weight and packing lengths (a layout whose packing the geometry alone does
        /// not fix, such as a Winograd tile size a test switches, packs to another length and so to another entry).
        /// </summary>
        public bool Matches(int layout, VectorWidth width, in Conv2DGeometry g, int weights, int packed)
            => Layout == layout && Width == width && Geometry == g && Weights.Length == weights && Packed.Length == packed;
    }

    /// <summary>Restores the thread's previous stamp when disposed.</summary>
    public readonly ref struct TrustScope
    {
        private readonly long _previous;
        private readonly bool _previousEveryWeight;

        internal TrustScope(long stamp, bool everyWeight)
        {
            _previous = t_trusted;
            _previousEveryWeight = t_everyWeight;
            t_trusted = stamp;
            t_everyWeight = everyWeight;
        }

        public void Dispose()
        {
            t_trusted = _previous;
            t_everyWeight = _previousEveryWeight;
        }
    }
}
