using System;

namespace Compiled.Kernels;

/// <summary>Per-thread scratch of the convolution kernels: grown on first need, then reused (no allocation after warm-up).</summary>
internal sealed class Conv2DWorkspace
{
    [ThreadStatic] private static Conv2DWorkspace? t_current;

    private float[] _weightGradientT = Array.Empty<float>();

    public static Conv2DWorkspace Current => t_current ??= new Conv2DWorkspace();

    /// <summary>The batch's weight gradient, transposed: [Cin·KH·KW, Cout].</summary>
    public Span<float> TransposedWeightGradient(int length)
    {
        if (_weightGradientT.Length < length) _weightGradientT = new float[length];
        return _weightGradientT.AsSpan(0, length);
    }
}
