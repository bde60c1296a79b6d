using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// One output row of pooling, vectorized across output columns, for column strides 1 and 2 (stride 2 reads two vectors and
/// keeps the even elements); any window, and any row stride. Rows of at least one vector; the last vector overlaps the previous one (recomputing a few outputs
/// with the same result). Window elements are visited in row-major order with PyTorch's rule (take when greater or NaN),
/// so ties keep the first maximum and the results match the scalar path bit for bit. Max pooling keeps the arg-max indices
/// its backward reads (<see cref="WithArgmax"/>) or, in inference, only the values (<see cref="ValuesOnly"/>: the index
/// arithmetic compiled out).
/// </summary>
internal static class PoolRows
{
    /// <summary>Max pooling writes the arg-max indices too.</summary>
    public readonly struct WithArgmax : IConstant { public static int Value => 1; }

    /// <summary>Max pooling writes the values only (inference).</summary>
    public readonly struct ValuesOnly : IConstant { public static int Value => 0; }

    // ---- Vector512 ----

    public static void MaxRow512<TArgmax>(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y, ref int argmax, int indexBase)
        where TArgmax : struct, IConstant
    {
        const int V = 16;
        Vector512<int> laneStep = Vector512<int>.Indices * strideWidth;
        for (int ow0 = 0; ; ow0 += V)
        {
            if (ow0 > outWidth - V) ow0 = outWidth - V;
            Vector512<float> max = Vector512.Create(float.NegativeInfinity);
            Vector512<int> arg = Vector512.Create(indexBase + oh * strideHeight * inWidth + ow0 * strideWidth) + laneStep;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                int offset = (oh * strideHeight + kh) * inWidth + ow0 * strideWidth;
                ref float row = ref Unsafe.Add(ref plane, offset);
                for (int kw = 0; kw < windowWidth; kw++)
                {
                    Vector512<float> v = strideWidth == 1 ? Vector512.LoadUnsafe(ref row, (nuint)kw) : LoadEven512(ref Unsafe.Add(ref row, kw));
                    Vector512<float> take = Vector512.GreaterThan(v, max) | Vector512.IsNaN(v);
                    max = Vector512.ConditionalSelect(take, v, max);
                    if (TArgmax.Value != 0) arg = Vector512.ConditionalSelect(take.AsInt32(), Vector512.Create(indexBase + offset + kw) + laneStep, arg);
                }
            }
            max.StoreUnsafe(ref y, (nuint)ow0);
            if (TArgmax.Value != 0) arg.StoreUnsafe(ref argmax, (nuint)ow0);
            if (ow0 == outWidth - V) break;
        }
    }

    public static void AvgRow512(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y)
    {
        const int V = 16;
        Vector512<float> area = Vector512.Create((float)(windowHeight * windowWidth));
        for (int ow0 = 0; ; ow0 += V)
        {
            if (ow0 > outWidth - V) ow0 = outWidth - V;
            Vector512<float> sum = Vector512<float>.Zero;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                ref float row = ref Unsafe.Add(ref plane, (oh * strideHeight + kh) * inWidth + ow0 * strideWidth);
                for (int kw = 0; kw < windowWidth; kw++)
                    sum += strideWidth == 1 ? Vector512.LoadUnsafe(ref row, (nuint)kw) : LoadEven512(ref Unsafe.Add(ref row, kw));
            }
            (sum / area).StoreUnsafe(ref y, (nuint)ow0);
            if (ow0 == outWidth - V) break;
        }
    }

    /// <summary>Elements 0, 2, …, 2(V − 1) from <paramref name="source"/>; reads nothing past element 2(V − 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadEven512(ref float source)
    {
        const int V = 16;
        // Lower half from the vector at 0 (its even elements), upper half from the vector at V − 1 (its odd elements),
        // so the last element read is the last one needed.
        Vector512<float> low = Vector512.Shuffle(Vector512.LoadUnsafe(ref source), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14));
        Vector512<float> high = Vector512.Shuffle(Vector512.LoadUnsafe(ref source, V - 1), Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15));
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(V / 2)).AsSingle(), low, high);
    }

    // ---- Vector256 ----

    public static void MaxRow256<TArgmax>(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y, ref int argmax, int indexBase)
        where TArgmax : struct, IConstant
    {
        const int V = 8;
        Vector256<int> laneStep = Vector256<int>.Indices * strideWidth;
        for (int ow0 = 0; ; ow0 += V)
        {
            if (ow0 > outWidth - V) ow0 = outWidth - V;
            Vector256<float> max = Vector256.Create(float.NegativeInfinity);
            Vector256<int> arg = Vector256.Create(indexBase + oh * strideHeight * inWidth + ow0 * strideWidth) + laneStep;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                int offset = (oh * strideHeight + kh) * inWidth + ow0 * strideWidth;
                ref float row = ref Unsafe.Add(ref plane, offset);
                for (int kw = 0; kw < windowWidth; kw++)
                {
                    Vector256<float> v = strideWidth == 1 ? Vector256.LoadUnsafe(ref row, (nuint)kw) : LoadEven256(ref Unsafe.Add(ref row, kw));
                    Vector256<float> take = Vector256.GreaterThan(v, max) | Vector256.IsNaN(v);
                    max = Vector256.ConditionalSelect(take, v, max);
                    if (TArgmax.Value != 0) arg = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(indexBase + offset + kw) + laneStep, arg);
                }
            }
            max.StoreUnsafe(ref y, (nuint)ow0);
            if (TArgmax.Value != 0) arg.StoreUnsafe(ref argmax, (nuint)ow0);
            if (ow0 == outWidth - V) break;
        }
    }

    public static void AvgRow256(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y)
    {
        const int V = 8;
        Vector256<float> area = Vector256.Create((float)(windowHeight * windowWidth));
        for (int ow0 = 0; ; ow0 += V)
        {
            if (ow0 > outWidth - V) ow0 = outWidth - V;
            Vector256<float> sum = Vector256<float>.Zero;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                ref float row = ref Unsafe.Add(ref plane, (oh * strideHeight + kh) * inWidth + ow0 * strideWidth);
                for (int kw = 0; kw < windowWidth; kw++)
                    sum += strideWidth == 1 ? Vector256.LoadUnsafe(ref row, (nuint)kw) : LoadEven256(ref Unsafe.Add(ref row, kw));
            }
            (sum / area).StoreUnsafe(ref y, (nuint)ow0);
            if (ow0 == outWidth - V) break;
        }
    }

    /// <summary>Elements 0, 2, …, 2(V − 1) from <paramref name="source"/>; reads nothing past element 2(V − 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadEven256(ref float source)
    {
        const int V = 8;
        // Lower half from the vector at 0 (its even elements), upper half from the vector at V − 1 (its odd elements),
        // so the last element read is the last one needed.
        Vector256<float> low = Vector256.Shuffle(Vector256.LoadUnsafe(ref source), Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6));
        Vector256<float> high = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, V - 1), Vector256.Create(1, 3, 5, 7, 1, 3, 5, 7));
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(V / 2)).AsSingle(), low, high);
    }

    // ---- Vector128 ----

    public static void MaxRow128<TArgmax>(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y, ref int argmax, int indexBase)
        where TArgmax : struct, IConstant
    {
        const int V = 4;
        Vector128<int> laneStep = Vector128<int>.Indices * strideWidth;
        for (int ow0 = 0; ; ow0 += V)
        {
            if (ow0 > outWidth - V) ow0 = outWidth - V;
            Vector128<float> max = Vector128.Create(float.NegativeInfinity);
            Vector128<int> arg = Vector128.Create(indexBase + oh * strideHeight * inWidth + ow0 * strideWidth) + laneStep;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                int offset = (oh * strideHeight + kh) * inWidth + ow0 * strideWidth;
                ref float row = ref Unsafe.Add(ref plane, offset);
                for (int kw = 0; kw < windowWidth; kw++)
                {
                    Vector128<float> v = strideWidth == 1 ? Vector128.LoadUnsafe(ref row, (nuint)kw) : LoadEven128(ref Unsafe.Add(ref row, kw));
                    Vector128<float> take = Vector128.GreaterThan(v, max) | Vector128.IsNaN(v);
                    max = Vector128.ConditionalSelect(take, v, max);
                    if (TArgmax.Value != 0) arg = Vector128.ConditionalSelect(take.AsInt32(), Vector128.Create(indexBase + offset + kw) + laneStep, arg);
                }
            }
            max.StoreUnsafe(ref y, (nuint)ow0);
            if (TArgmax.Value != 0) arg.StoreUnsafe(ref argmax, (nuint)ow0);
            if (ow0 == outWidth - V) break;
        }
    }

    public static void AvgRow128(ref float plane, int inWidth, int strideHeight, int strideWidth, int windowHeight, int windowWidth, int oh, int outWidth, ref float y)
    {
        const int V = 4;
        Vector128<float> area = Vector128.Create((float)(windowHeight * windowWidth));
        for (int ow0 = 0; ; ow0 += V)
        {
            if (ow0 > outWidth - V) ow0 = outWidth - V;
            Vector128<float> sum = Vector128<float>.Zero;
            for (int kh = 0; kh < windowHeight; kh++)
            {
                ref float row = ref Unsafe.Add(ref plane, (oh * strideHeight + kh) * inWidth + ow0 * strideWidth);
                for (int kw = 0; kw < windowWidth; kw++)
                    sum += strideWidth == 1 ? Vector128.LoadUnsafe(ref row, (nuint)kw) : LoadEven128(ref Unsafe.Add(ref row, kw));
            }
            (sum / area).StoreUnsafe(ref y, (nuint)ow0);
            if (ow0 == outWidth - V) break;
        }
    }

    /// <summary>Elements 0, 2, …, 2(V − 1) from <paramref name="source"/>; reads nothing past element 2(V − 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LoadEven128(ref float source)
    {
        const int V = 4;
        // Lower half from the vector at 0 (its even elements), upper half from the vector at V − 1 (its odd elements),
        // so the last element read is the last one needed.
        Vector128<float> low = Vector128.Shuffle(Vector128.LoadUnsafe(ref source), Vector128.Create(0, 2, 0, 2));
        Vector128<float> high = Vector128.Shuffle(Vector128.LoadUnsafe(ref source, V - 1), Vector128.Create(1, 3, 1, 3));
        return Vector128.ConditionalSelect(Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(V / 2)).AsSingle(), low, high);
    }
}
