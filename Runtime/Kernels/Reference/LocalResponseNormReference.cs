using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="LocalResponseNormKernels"/>: x, y (n, C, S); PyTorch's formula, powers with <c>Pow</c>.</summary>
public static class LocalResponseNormReference
{
    /// <summary>y = x·(k + alpha/size·Σ_{j ∈ window(c)} x[j]²)^(−beta).</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int n, int channels, int spatial, int size, double alpha, double beta, double k)
        where T : IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
        for (int c = 0; c < channels; c++)
        for (int i = 0; i < spatial; i++)
            y[(s * channels + c) * spatial + i] = x[(s * channels + c) * spatial + i] * T.Pow(Scale(x, s, c, i, channels, spatial, size, alpha, k), T.CreateChecked(-beta));
    }

    /// <summary>
    /// dx (written) by the chain rule written out: dx[i] = dy[i]·scale[i]^−β − 2αβ/size·x[i]·Σ_{c: i ∈ window(c)} dy[c]·x[c]·scale[c]^(−β−1).
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int n, int channels, int spatial, int size, double alpha, double beta, double k)
        where T : IFloatingPointIeee754<T>
    {
        T b = T.CreateChecked(beta), cross = T.CreateChecked(2 * alpha * beta / size);
        for (int s = 0; s < n; s++)
        for (int i = 0; i < channels; i++)
        for (int p = 0; p < spatial; p++)
        {
            int index = (s * channels + i) * spatial + p;
            T sum = T.Zero;
            for (int c = 0; c < channels; c++)
            {
                if (c - size / 2 > i || c + (size - 1) / 2 < i) continue;   // i is outside c's window
                int other = (s * channels + c) * spatial + p;
                sum += dy[other] * x[other] * T.Pow(Scale(x, s, c, p, channels, spatial, size, alpha, k), -b - T.One);
            }
            dx[index] = dy[index] * T.Pow(Scale(x, s, i, p, channels, spatial, size, alpha, k), -b) - cross * x[index] * sum;
        }
    }

    private static T Scale<T>(ReadOnlySpan<T> x, int s, int c, int i, int channels, int spatial, int size, double alpha, double k)
        where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int j = Math.Max(0, c - size / 2); j <= Math.Min(channels - 1, c + (size - 1) / 2); j++)
        {
            T v = x[(s * channels + j) * spatial + i];
            sum += v * v;
        }
        return T.CreateChecked(k) + T.CreateChecked(alpha / size) * sum;
    }
}
