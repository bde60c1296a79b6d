using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>Plain loops for <see cref="VectorOps"/>.</summary>
public static class VectorOpsReference
{
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++) dst[i] = a[i] + b[i];
    }

    public static void Scale<T>(ReadOnlySpan<T> x, T alpha, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) dst[i] = alpha * x[i];
    }

    public static void AddScaled<T>(ReadOnlySpan<T> x, T alpha, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) dst[i] = T.FusedMultiplyAdd(alpha, x[i], dst[i]);
    }

    public static T Sum<T>(ReadOnlySpan<T> x) where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        foreach (T v in x) sum += v;
        return sum;
    }

    public static int AllFinite<T>(ReadOnlySpan<T> x) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (!T.IsFinite(x[i])) return i;
        }
        return -1;
    }
}
