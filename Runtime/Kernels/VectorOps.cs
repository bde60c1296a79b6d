using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Element-wise helpers over flat float buffers for optimizers and gradient reduction. Every span of one call has the
/// same length; a destination may be one of the inputs (the same span), never a partial overlap. Add, Scale and
/// AddScaled give the same bits at every width (AddScaled is fused where the CPU has FMA, see MultiplyAdd).
/// </summary>
public static class VectorOps
{
    /// <summary>dst = a + b.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst) => Add(a, b, dst, Simd.Width);

    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(b.Length, a.Length, nameof(b));
        KernelArguments.Exactly(dst.Length, a.Length, nameof(dst));
        ElementwiseDriver.Binary(new AddOperator(), a, b, dst, width);
    }

    /// <summary>dst = alpha·x.</summary>
    public static void Scale(ReadOnlySpan<float> x, float alpha, Span<float> dst) => Scale(x, alpha, dst, Simd.Width);

    public static void Scale(ReadOnlySpan<float> x, float alpha, Span<float> dst, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(dst.Length, x.Length, nameof(dst));
        ElementwiseDriver.Unary(new ScaleOperator(alpha), x, dst, width);
    }

    /// <summary>values = alpha·values (in place).</summary>
    public static void Scale(Span<float> values, float alpha) => Scale(values, alpha, values, Simd.Width);

    public static void Scale(Span<float> values, float alpha, VectorWidth width) => Scale(values, alpha, values, width);

    /// <summary>dst += alpha·x (axpy), a fused multiply-add where the CPU has FMA.</summary>
    public static void AddScaled(ReadOnlySpan<float> x, float alpha, Span<float> dst) => AddScaled(x, alpha, dst, Simd.Width);

    public static void AddScaled(ReadOnlySpan<float> x, float alpha, Span<float> dst, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(dst.Length, x.Length, nameof(dst));
        ElementwiseDriver.Binary(new MultiplyAddOperator(alpha), x, dst, dst, width);
    }

    /// <summary>Σ x (lane-wise partial sums, so the rounding differs by width).</summary>
    public static float Sum(ReadOnlySpan<float> x) => Sum(x, Simd.Width);

    public static float Sum(ReadOnlySpan<float> x, VectorWidth width)
    {
        KernelArguments.Width(width);
        return ElementwiseDriver.Aggregate(new IdentityOperator(), new SumAggregation(), x, width);
    }

    /// <summary>
    /// sums[p] += <see cref="Sum(ReadOnlySpan{float}, VectorWidth)"/> of plane p, planes[p·length, (p + 1)·length), for every
    /// p &lt; sums.Length (a convolution's bias gradient: one plane of dy per output channel). Each plane's sum is the same
    /// float as Sum's (the same vectors added in the same order, the same tail and final reduction), but four planes run
    /// side by side: one plane's additions form a chain, each waiting for the one before, while four chains keep the adder
    /// busy (LeNet-5's per-plane sums of its bias gradients cost 1.2% of a training step one chain at a time).
    /// </summary>
    internal static void AddPlaneSums(ReadOnlySpan<float> planes, int length, Span<float> sums, VectorWidth width)
    {
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512: AddPlaneSums<Vector512<float>, Lane512>(planes, length, sums); break;
            case VectorWidth.V256: AddPlaneSums<Vector256<float>, Lane256>(planes, length, sums); break;
            case VectorWidth.V128: AddPlaneSums<Vector128<float>, Lane128>(planes, length, sums); break;
            default:
                for (int p = 0; p < sums.Length; p++) sums[p] += Sum(planes.Slice(p * length, length), VectorWidth.Scalar);
                break;
        }
    }

    private static void AddPlaneSums<T, L>(ReadOnlySpan<float> planes, int length, Span<float> sums) where T : struct where L : struct, ILane<T>
    {
        int lanes = L.Count, last = length - lanes, fresh = length % lanes, p = 0;
        T tail = fresh > 0 ? TailMask<T>(fresh) : default, zero = L.Splat(0f);
        ref float x = ref MemoryMarshal.GetReference(planes);
        for (; p + 4 <= sums.Length; p += 4)
        {
            ref float x0 = ref Unsafe.Add(ref x, p * length);
            ref float x1 = ref Unsafe.Add(ref x0, length);
            ref float x2 = ref Unsafe.Add(ref x1, length);
            ref float x3 = ref Unsafe.Add(ref x2, length);
            T a0 = zero, a1 = zero, a2 = zero, a3 = zero;
            int i = 0;
            for (; i <= last; i += lanes)
            {
                a0 = L.Add(a0, L.Load(ref x0, i));
                a1 = L.Add(a1, L.Load(ref x1, i));
                a2 = L.Add(a2, L.Load(ref x2, i));
                a3 = L.Add(a3, L.Load(ref x3, i));
            }
            if (fresh > 0)
            {
                a0 = L.Add(a0, L.Select(tail, L.Load(ref x0, last), zero));
                a1 = L.Add(a1, L.Select(tail, L.Load(ref x1, last), zero));
                a2 = L.Add(a2, L.Select(tail, L.Load(ref x2, last), zero));
                a3 = L.Add(a3, L.Select(tail, L.Load(ref x3, last), zero));
            }
            sums[p] += L.Sum(a0);
            sums[p + 1] += L.Sum(a1);
            sums[p + 2] += L.Sum(a2);
            sums[p + 3] += L.Sum(a3);
        }
        for (; p < sums.Length; p++)
        {
            ref float x0 = ref Unsafe.Add(ref x, p * length);
            T a0 = zero;
            for (int i = 0; i <= last; i += lanes) a0 = L.Add(a0, L.Load(ref x0, i));
            if (fresh > 0) a0 = L.Add(a0, L.Select(tail, L.Load(ref x0, last), zero));
            sums[p] += L.Sum(a0);
        }
    }

    private static T TailMask<T>(int fresh) where T : struct
    {
        if (typeof(T) == typeof(Vector512<float>)) { Vector512<float> m = VectorLanes.TailMask512(fresh); return Unsafe.As<Vector512<float>, T>(ref m); }
        if (typeof(T) == typeof(Vector256<float>)) { Vector256<float> m = VectorLanes.TailMask256(fresh); return Unsafe.As<Vector256<float>, T>(ref m); }
        Vector128<float> n = VectorLanes.TailMask128(fresh);
        return Unsafe.As<Vector128<float>, T>(ref n);
    }

    /// <summary>The index of the first NaN or ±∞ in <paramref name="x"/>, or −1 when every value is finite.</summary>
    public static int AllFinite(ReadOnlySpan<float> x) => AllFinite(x, Simd.Width);

    public static int AllFinite(ReadOnlySpan<float> x, VectorWidth width)
    {
        KernelArguments.Width(width);
        // x − x is 0 for every finite x and NaN for NaN and ±∞: whole vectors are checked with one compare,
        // and the first failing vector is scanned for the exact index.
        ref float xs = ref MemoryMarshal.GetReference(x);
        int length = x.Length, i = 0;
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512:
                for (; i + Vector512<float>.Count <= length; i += Vector512<float>.Count)
                {
                    Vector512<float> v = Vector512.LoadUnsafe(ref xs, (nuint)i);
                    if (!Vector512.EqualsAll(v - v, Vector512<float>.Zero)) break;
                }
                break;
            case VectorWidth.V256:
                for (; i + Vector256<float>.Count <= length; i += Vector256<float>.Count)
                {
                    Vector256<float> v = Vector256.LoadUnsafe(ref xs, (nuint)i);
                    if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero)) break;
                }
                break;
            case VectorWidth.V128:
                for (; i + Vector128<float>.Count <= length; i += Vector128<float>.Count)
                {
                    Vector128<float> v = Vector128.LoadUnsafe(ref xs, (nuint)i);
                    if (!Vector128.EqualsAll(v - v, Vector128<float>.Zero)) break;
                }
                break;
        }
        for (; i < length; i++)
        {
            if (!float.IsFinite(x[i])) return i;
        }
        return -1;
    }
}
