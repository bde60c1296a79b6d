using System;

namespace Compiled.Kernels;

/// <summary>Per-thread scratch of the dense kernels: grown on first need, then reused (no allocation after warm-up).</summary>
internal sealed class DenseWorkspace
{
    [ThreadStatic] private static DenseWorkspace? t_current;

    private float[] _outputT = Array.Empty<float>();

    public static DenseWorkspace Current => t_current ??= new DenseWorkspace();

    /// <summary>The layer's output, transposed: [out, n].</summary>
    public Span<float> TransposedOutput(int length)
    {
        if (_outputT.Length < length) _outputT = new float[length];
        return _outputT.AsSpan(0, length);
    }
}
