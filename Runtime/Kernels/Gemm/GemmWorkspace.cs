using System;

namespace Compiled.Kernels;

/// <summary>Per-thread packing buffers: grown on first need, then reused, so a GEMM allocates nothing after warm-up.</summary>
internal sealed class GemmWorkspace
{
    [ThreadStatic] private static GemmWorkspace? t_current;

    private float[] _packedB = Array.Empty<float>();
    private float[] _edgeB = Array.Empty<float>();
    private float[] _tile = Array.Empty<float>();

    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary>Packed panels of op(B): KC × (columns rounded up to NR).</summary>
    public float[] PackedB(int length) => Ensure(ref _packedB, length);

    /// <summary>The last, partial column panel of op(B), zero-padded to NR: KC × NR.</summary>
    public float[] EdgeB(int length) => Ensure(ref _edgeB, length);

    /// <summary>An MR × NR tile for edge tiles of C.</summary>
    public float[] Tile(int length) => Ensure(ref _tile, length);

    private static float[] Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
        return buffer;
    }
}
