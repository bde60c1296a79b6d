using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// A per-element map whose coefficients depend on the channel: <c>dst = f(x, dy, dst, p0[c], p1[c], p2[c], p3[c])</c>
/// (System.Numerics.Tensors' operator pattern, one Invoke per width). An operator that ignores an input still receives it.
/// </summary>
internal interface IChannelOperator
{
    float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3);
}

/// <summary>
/// Runs an <see cref="IChannelOperator"/> over tensors laid out (n, C, S), channel c's coefficients taken from p0..p3 (C).
/// S = 1 (after a dense layer: rows of C features) runs along each row with the coefficients loaded as vectors;
/// S &gt; 1 (after a convolution: planes of S = H·W) runs along each plane with the coefficients broadcast. Either way the
/// width is narrowed for short runs (<see cref="VectorLanes.Narrow"/>) and the last vector is an overlapped, masked tail,
/// so <c>dst</c> may be <c>x</c> or <c>dy</c> (the same span), never a partial overlap. Callers validate lengths.
/// With <c>intoOneRow</c> (S = 1 only) dst is one row (C) that every sample's row updates in turn: a per-feature reduction.
/// </summary>
internal static class ChannelDriver
{
    public static void Run<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dst,
        ReadOnlySpan<float> p0, ReadOnlySpan<float> p1, ReadOnlySpan<float> p2, ReadOnlySpan<float> p3,
        int n, int channels, int spatial, VectorWidth width, bool intoOneRow = false)
        where TOp : struct, IChannelOperator
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float dys = ref MemoryMarshal.GetReference(dy);
        ref float ds = ref MemoryMarshal.GetReference(dst);
        ref float c0 = ref MemoryMarshal.GetReference(p0);
        ref float c1 = ref MemoryMarshal.GetReference(p1);
        ref float c2 = ref MemoryMarshal.GetReference(p2);
        ref float c3 = ref MemoryMarshal.GetReference(p3);
        if (spatial == 1 || intoOneRow)
        {
            VectorWidth rowWidth = VectorLanes.Narrow(width, channels);
            for (int s = 0; s < n; s++)
            {
                nint o = (nint)s * channels;
                ref float xr = ref Unsafe.Add(ref xs, o);
                ref float dyr = ref Unsafe.Add(ref dys, o);
                ref float dr = ref Unsafe.Add(ref ds, intoOneRow ? 0 : o);
                switch (rowWidth)
                {
                    case VectorWidth.V512: Row512(op, ref xr, ref dyr, ref dr, ref c0, ref c1, ref c2, ref c3, channels); break;
                    case VectorWidth.V256: Row256(op, ref xr, ref dyr, ref dr, ref c0, ref c1, ref c2, ref c3, channels); break;
                    case VectorWidth.V128: Row128(op, ref xr, ref dyr, ref dr, ref c0, ref c1, ref c2, ref c3, channels); break;
                    default:
                        for (int i = 0; i < channels; i++)
                            Unsafe.Add(ref dr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref dyr, i), Unsafe.Add(ref dr, i),
                                Unsafe.Add(ref c0, i), Unsafe.Add(ref c1, i), Unsafe.Add(ref c2, i), Unsafe.Add(ref c3, i));
                        break;
                }
            }
            return;
        }

        VectorWidth planeWidth = VectorLanes.Narrow(width, spatial);
        for (int s = 0; s < n; s++)
        {
            for (int c = 0; c < channels; c++)
            {
                nint o = ((nint)s * channels + c) * spatial;
                ref float xr = ref Unsafe.Add(ref xs, o);
                ref float dyr = ref Unsafe.Add(ref dys, o);
                ref float dr = ref Unsafe.Add(ref ds, o);
                float a0 = Unsafe.Add(ref c0, c), a1 = Unsafe.Add(ref c1, c), a2 = Unsafe.Add(ref c2, c), a3 = Unsafe.Add(ref c3, c);
                switch (planeWidth)
                {
                    case VectorWidth.V512: Plane512(op, ref xr, ref dyr, ref dr, a0, a1, a2, a3, spatial); break;
                    case VectorWidth.V256: Plane256(op, ref xr, ref dyr, ref dr, a0, a1, a2, a3, spatial); break;
                    case VectorWidth.V128: Plane128(op, ref xr, ref dyr, ref dr, a0, a1, a2, a3, spatial); break;
                    default:
                        for (int i = 0; i < spatial; i++)
                            Unsafe.Add(ref dr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref dyr, i), Unsafe.Add(ref dr, i), a0, a1, a2, a3);
                        break;
                }
            }
        }
    }

    // ---- rows: coefficients loaded per lane ----

    private static void Row512<TOp>(TOp op, ref float x, ref float dy, ref float d, ref float c0, ref float c1, ref float c2, ref float c3, int length)
        where TOp : struct, IChannelOperator
    {
        nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector512<float>.Count)
            op.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref dy, i), Vector512.LoadUnsafe(ref d, i),
                Vector512.LoadUnsafe(ref c0, i), Vector512.LoadUnsafe(ref c1, i), Vector512.LoadUnsafe(ref c2, i), Vector512.LoadUnsafe(ref c3, i)).StoreUnsafe(ref d, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector512<float> old = Vector512.LoadUnsafe(ref d, last);
            Vector512<float> result = op.Invoke(Vector512.LoadUnsafe(ref x, last), Vector512.LoadUnsafe(ref dy, last), old,
                Vector512.LoadUnsafe(ref c0, last), Vector512.LoadUnsafe(ref c1, last), Vector512.LoadUnsafe(ref c2, last), Vector512.LoadUnsafe(ref c3, last));
            Vector512.ConditionalSelect(VectorLanes.TailMask512(fresh), result, old).StoreUnsafe(ref d, last);
        }
    }

    private static void Row256<TOp>(TOp op, ref float x, ref float dy, ref float d, ref float c0, ref float c1, ref float c2, ref float c3, int length)
        where TOp : struct, IChannelOperator
    {
        nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector256<float>.Count)
            op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref dy, i), Vector256.LoadUnsafe(ref d, i),
                Vector256.LoadUnsafe(ref c0, i), Vector256.LoadUnsafe(ref c1, i), Vector256.LoadUnsafe(ref c2, i), Vector256.LoadUnsafe(ref c3, i)).StoreUnsafe(ref d, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector256<float> old = Vector256.LoadUnsafe(ref d, last);
            Vector256<float> result = op.Invoke(Vector256.LoadUnsafe(ref x, last), Vector256.LoadUnsafe(ref dy, last), old,
                Vector256.LoadUnsafe(ref c0, last), Vector256.LoadUnsafe(ref c1, last), Vector256.LoadUnsafe(ref c2, last), Vector256.LoadUnsafe(ref c3, last));
            Vector256.ConditionalSelect(VectorLanes.TailMask256(fresh), result, old).StoreUnsafe(ref d, last);
        }
    }

    private static void Row128<TOp>(TOp op, ref float x, ref float dy, ref float d, ref float c0, ref float c1, ref float c2, ref float c3, int length)
        where TOp : struct, IChannelOperator
    {
        nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector128<float>.Count)
            op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref dy, i), Vector128.LoadUnsafe(ref d, i),
                Vector128.LoadUnsafe(ref c0, i), Vector128.LoadUnsafe(ref c1, i), Vector128.LoadUnsafe(ref c2, i), Vector128.LoadUnsafe(ref c3, i)).StoreUnsafe(ref d, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector128<float> old = Vector128.LoadUnsafe(ref d, last);
            Vector128<float> result = op.Invoke(Vector128.LoadUnsafe(ref x, last), Vector128.LoadUnsafe(ref dy, last), old,
                Vector128.LoadUnsafe(ref c0, last), Vector128.LoadUnsafe(ref c1, last), Vector128.LoadUnsafe(ref c2, last), Vector128.LoadUnsafe(ref c3, last));
            Vector128.ConditionalSelect(VectorLanes.TailMask128(fresh), result, old).StoreUnsafe(ref d, last);
        }
    }

    // ---- planes: coefficients broadcast ----

    private static void Plane512<TOp>(TOp op, ref float x, ref float dy, ref float d, float a0, float a1, float a2, float a3, int length)
        where TOp : struct, IChannelOperator
    {
        Vector512<float> v0 = Vector512.Create(a0), v1 = Vector512.Create(a1), v2 = Vector512.Create(a2), v3 = Vector512.Create(a3);
        nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector512<float>.Count)
            op.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref dy, i), Vector512.LoadUnsafe(ref d, i), v0, v1, v2, v3).StoreUnsafe(ref d, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector512<float> old = Vector512.LoadUnsafe(ref d, last);
            Vector512<float> result = op.Invoke(Vector512.LoadUnsafe(ref x, last), Vector512.LoadUnsafe(ref dy, last), old, v0, v1, v2, v3);
            Vector512.ConditionalSelect(VectorLanes.TailMask512(fresh), result, old).StoreUnsafe(ref d, last);
        }
    }

    private static void Plane256<TOp>(TOp op, ref float x, ref float dy, ref float d, float a0, float a1, float a2, float a3, int length)
        where TOp : struct, IChannelOperator
    {
        Vector256<float> v0 = Vector256.Create(a0), v1 = Vector256.Create(a1), v2 = Vector256.Create(a2), v3 = Vector256.Create(a3);
        nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector256<float>.Count)
            op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref dy, i), Vector256.LoadUnsafe(ref d, i), v0, v1, v2, v3).StoreUnsafe(ref d, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector256<float> old = Vector256.LoadUnsafe(ref d, last);
            Vector256<float> result = op.Invoke(Vector256.LoadUnsafe(ref x, last), Vector256.LoadUnsafe(ref dy, last), old, v0, v1, v2, v3);
            Vector256.ConditionalSelect(VectorLanes.TailMask256(fresh), result, old).StoreUnsafe(ref d, last);
        }
    }

    private static void Plane128<TOp>(TOp op, ref float x, ref float dy, ref float d, float a0, float a1, float a2, float a3, int length)
        where TOp : struct, IChannelOperator
    {
        Vector128<float> v0 = Vector128.Create(a0), v1 = Vector128.Create(a1), v2 = Vector128.Create(a2), v3 = Vector128.Create(a3);
        nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector128<float>.Count)
            op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref dy, i), Vector128.LoadUnsafe(ref d, i), v0, v1, v2, v3).StoreUnsafe(ref d, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector128<float> old = Vector128.LoadUnsafe(ref d, last);
            Vector128<float> result = op.Invoke(Vector128.LoadUnsafe(ref x, last), Vector128.LoadUnsafe(ref dy, last), old, v0, v1, v2, v3);
            Vector128.ConditionalSelect(VectorLanes.TailMask128(fresh), result, old).StoreUnsafe(ref d, last);
        }
    }
}
