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
/// An entry is found by the weights' address and the packing's layout, and used only when the weights are equal, float for
/// float, to the copy it keeps: a change anywhere (an optimizer step, a load, a write into <c>Parameters</c>, a batch norm
/// refolded into other values) repacks, so a hit is always the packing of the current weights. A moved array only misses.
/// The compare costs a read of the weights (vectorized); a training step, whose weights changed, pays it and a copy.
/// </para>
/// <para>
/// Entries are bounded: weights of at most <see cref="MaxEntryFloats"/> floats and <see cref="MaxThreadFloats"/> floats of
/// copies and packings per thread; past them the caller packs into its scratch every call, as before.
/// </para>
/// </remarks>
internal sealed class PackedWeightCache
{
    /// <summary>Largest weight tensor kept (a 3×3 layer of 256 → 256 channels is 589,824).</summary>
    public const int MaxEntryFloats = 1 << 20;

    /// <summary>Floats of copies and packings one thread keeps (64 MiB).</summary>
    public const long MaxThreadFloats = 1L << 24;

    /// <summary>Layouts: <see cref="Conv3x3Kernels.PackWeights"/>, <see cref="WinogradConvolution.PackForward"/>, <see cref="WinogradConvolution.PackTransposed"/>.</summary>
    public const int Direct3x3Forward = 1, WinogradForward = 2, WinogradTransposed = 3;

    [ThreadStatic] private static PackedWeightCache? t_current;

    private Entry[] _entries = new Entry[8];
    private int _count;
    private long _floats;

    public static PackedWeightCache Current => t_current ??= new PackedWeightCache();

    /// <summary>What packs <c>w</c> into <c>packed</c> for one layout.</summary>
    public delegate void Packer(in Conv2DGeometry g, ReadOnlySpan<float> w, Span<float> packed, VectorWidth width);

    /// <summary>
    /// <paramref name="w"/> packed by <paramref name="pack"/> (<paramref name="packedLength"/> floats): the kept packing when
    /// the weights at the same address with the same layout (<paramref name="layout"/>, <paramref name="g"/>,
    /// <paramref name="width"/>) equal its copy, else a fresh one (kept when the bounds allow, else in
    /// <paramref name="scratch"/>, which must hold <paramref name="packedLength"/> floats).
    /// </summary>
    public ReadOnlySpan<float> Get(in Conv2DGeometry g, ReadOnlySpan<float> w, VectorWidth width, int layout, int packedLength, Packer pack, Span<float> scratch)
    {
        nint address = Address(w);
        for (int i = 0; i < _count; i++)
        {
            Entry entry = _entries[i];
            if (entry.Address != address || entry.Layout != layout || entry.Width != width || entry.Geometry != g || entry.Weights.Length != w.Length) continue;
            if (!w.SequenceEqual(entry.Weights))
            {
                pack(g, w, entry.Packed, width);
                w.CopyTo(entry.Weights);
            }
            return entry.Packed;
        }

        long floats = (long)w.Length + packedLength;
        if (w.Length > MaxEntryFloats || _floats + floats > MaxThreadFloats)
        {
            pack(g, w, scratch, width);
            return scratch[..packedLength];
        }
        var added = new Entry(address, layout, width, g, w.ToArray(), new float[packedLength]);
        pack(g, w, added.Packed, width);
        if (_count == _entries.Length) Array.Resize(ref _entries, 2 * _count);
        _entries[_count++] = added;
        _floats += floats;
        return added.Packed;
    }

    private static unsafe nint Address(ReadOnlySpan<float> w) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(w));

    private sealed record Entry(nint Address, int Layout, VectorWidth Width, Conv2DGeometry Geometry, float[] Weights, float[] Packed);
}
