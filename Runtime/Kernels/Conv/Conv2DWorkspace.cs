using System;

namespace Compiled.Kernels;

/// <summary>Per-thread scratch of the convolution kernels: grown on first need, then reused (no allocation after warm-up).</summary>
internal sealed class Conv2DWorkspace
{
    [ThreadStatic] private static Conv2DWorkspace? t_current;

    private float[] _weightGradientT = Array.Empty<float>();
    private float[] _source = Array.Empty<float>();
    private float[] _grid = Array.Empty<float>();
    private float[] _packed = Array.Empty<float>();
    private float[] _accumulators = Array.Empty<float>();
    private int[] _offsets = Array.Empty<int>();
    private float[] _scatterWeights = Array.Empty<float>();
    private float[] _scatterPlanes = Array.Empty<float>();
    private int[] _scatterCorners = Array.Empty<int>();
    private float[] _channelVector = Array.Empty<float>();
    private float[] _columns = Array.Empty<float>();

    public static Conv2DWorkspace Current => t_current ??= new Conv2DWorkspace();

    /// <summary>The batch's weight gradient, transposed: [Cin·KH·KW, Cout].</summary>
    public Span<float> TransposedWeightGradient(int length) => Get(ref _weightGradientT, length);

    /// <summary>One sample's zero-bordered input planes (<see cref="ConvGrid.SourceLength"/>).</summary>
    public Span<float> Source(int length) => Get(ref _source, length);

    /// <summary>Results or gradients on the output grid.</summary>
    public Span<float> Grid(int length) => Get(ref _grid, length);

    /// <summary>Weights packed for the grid micro-kernels.</summary>
    public Span<float> Packed(int length) => Get(ref _packed, length);

    /// <summary>Vector accumulators of the grid weight gradient.</summary>
    public Span<float> Accumulators(int length) => Get(ref _accumulators, length);

    /// <summary>Weights packed for <see cref="SparseInputGradient"/>.</summary>
    public Span<float> ScatterWeights(int length) => Get(ref _scatterWeights, length);

    /// <summary>Packed weights and one padded sample of <see cref="ChannelVectorConvolution"/>.</summary>
    public Span<float> ChannelVector(int length) => Get(ref _channelVector, length);

    /// <summary>An im2col buffer of a thread that runs part of another thread's call (<see cref="OneSampleSplit"/>).</summary>
    public Span<float> Columns(int length) => Get(ref _columns, length);

    /// <summary>One sample's padded input gradient for <see cref="SparseInputGradient"/>.</summary>
    public Span<float> ScatterPlanes(int length) => Get(ref _scatterPlanes, length);

    /// <summary>Where each output position's window starts in <see cref="SparseInputGradient"/>'s padded plane.</summary>
    public Span<int> ScatterCorners(int length)
    {
        if (_scatterCorners.Length < length) _scatterCorners = new int[length];
        return _scatterCorners.AsSpan(0, length);
    }

    /// <summary>Offsets of the patch entries in the padded source.</summary>
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
