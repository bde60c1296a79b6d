using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="DropoutKernels"/>: the same counter-based bits one element at a time, and the products.</summary>
public static class DropoutReference
{
    /// <summary>mask (n, L): 1/(1 − p) where the element's 24 random bits reach round(p·2²⁴), else 0.</summary>
    public static void Mask<T>(ulong seed, long step, long firstSample, int n, int sampleLength, double p, Span<T> mask)
        where T : IFloatingPointIeee754<T>
    {
        uint threshold = DropoutRandom.Threshold(p);
        T scale = T.CreateChecked((float)(1.0 / (1.0 - p)));
        for (int s = 0; s < n; s++)
        {
            uint key = DropoutRandom.SampleKey(seed, step, firstSample + s);
            for (int i = 0; i < sampleLength; i++)
                mask[s * sampleLength + i] = DropoutRandom.Bits(key, (uint)i) >= threshold ? scale : T.Zero;
        }
    }

    /// <summary>y = x·mask.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> mask, Span<T> y)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * mask[i];
    }

    /// <summary>dx = dy·mask, or dx += dy·mask.</summary>
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> mask, Span<T> dx, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < dy.Length; i++) dx[i] = accumulate ? dy[i] * mask[i] + dx[i] : dy[i] * mask[i];
    }

    /// <summary>y[s, c, :] = x[s, c, :]·channelMask[s, c], or added to y when accumulating (the backward uses it with dy, dx).</summary>
    public static void Channel<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> channelMask, Span<T> y, int n, int channels, int spatial, bool accumulate)
        where T : IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
        for (int c = 0; c < channels; c++)
        for (int i = 0; i < spatial; i++)
        {
            int index = (s * channels + c) * spatial + i;
            T v = x[index] * channelMask[s * channels + c];
            y[index] = accumulate ? v + y[index] : v;
        }
    }
}
