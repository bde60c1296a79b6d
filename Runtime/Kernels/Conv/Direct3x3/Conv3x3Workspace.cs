using System;

namespace Compiled.Kernels;

/// <summary>Per-thread scratch of <see cref="Conv3x3Kernels"/>: grown on first need, then reused (no allocation after warm-up).</summary>
internal sealed class Conv3x3Workspace
{
    [ThreadStatic] private static Conv3x3Workspace? t_current;

    private float[] _source = Array.Empty<float>();
    private float[] _packed = Array.Empty<float>();
    private float[] _tile = Array.Empty<float>();
    private float[] _mask = Array.Empty<float>();
    private float[] _sums = Array.Empty<float>();
    private float[] _shifts = Array.Empty<float>();
    private int[] _offsets = Array.Empty<int>();
    private float[] _groupSource = Array.Empty<float>();
    private float[] _groupGradient = Array.Empty<float>();
    private float[] _weightGradientT = Array.Empty<float>();

    public static Conv3x3Workspace Current => t_current ??= new Conv3x3Workspace();

    /// <summary>One sample's phase planes (<see cref="Conv3x3Grid.SourceLength"/>).</summary>
    public Span<float> Source(int length) => Get(ref _source, length);

    /// <summary>Weights packed for the micro-kernel, when the caller did not pack them.</summary>
    public Span<float> Packed(int length) => Get(ref _packed, length);

    /// <summary>One register tile, stored for its epilogue.</summary>
    public Span<float> Tile(int length) => Get(ref _tile, length);

    /// <summary>1 at valid grid positions, 0 at junk ones.</summary>
    public Span<float> Mask(int length) => Get(ref _mask, length);

    /// <summary>Per-channel vectors of shifted sums and sums of squares (the fused batch-norm statistics).</summary>
    public Span<float> Sums(int length) => Get(ref _sums, length);

    /// <summary>Per-channel shifts of those sums.</summary>
    public Span<float> Shifts(int length) => Get(ref _shifts, length);

    /// <summary>A group of samples' phase planes, for the weight gradient.</summary>
    public Span<float> GroupSource(int length) => Get(ref _groupSource, length);

    /// <summary>A group of samples' output gradients, transposed: [sample, OH·OW, Cout rounded up to a vector].</summary>
    public Span<float> GroupGradient(int length) => Get(ref _groupGradient, length);

    /// <summary>The chunk's weight gradient, transposed: [Cin·9, Cout rounded up to a vector].</summary>
    public Span<float> TransposedWeightGradient(int length) => Get(ref _weightGradientT, length);

    /// <summary>Offsets of the patch entries in the source.</summary>
    public Span<int> Offsets(int length)
    {
        if (_offsets.Length < length) _offsets = new int[length];
        return _offsets.AsSpan(0, length);
    }

    private static Span<float> Get(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
        return buffer.AsSpan(0, length);
    }
}
