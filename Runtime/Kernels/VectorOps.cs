using System;
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
