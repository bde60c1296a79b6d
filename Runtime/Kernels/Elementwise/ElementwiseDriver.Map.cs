using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// The one driver per operator shape: picks the width (narrowed for short spans), runs whole vectors, then one
/// overlapped, masked tail vector. The destination may be one of the inputs (the same span: in-place), but must not
/// partially overlap an input. Callers validate lengths: every input and the destination hold at least the first
/// input's length.
/// </summary>
internal static partial class ElementwiseDriver
{
    // ---- y = f(x) ----

    public static void Unary<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, VectorWidth width)
        where TOp : struct, IUnaryOperator
    {
        int length = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512: Unary512(op, ref xs, ref ys, length); break;
            case VectorWidth.V256: Unary256(op, ref xs, ref ys, length); break;
            case VectorWidth.V128: Unary128(op, ref xs, ref ys, length); break;
            default:
                for (int i = 0; i < length; i++) Unsafe.Add(ref ys, i) = op.Invoke(Unsafe.Add(ref xs, i));
                break;
        }
    }

    private static void Unary512<TOp>(TOp op, ref float x, ref float y, int length) where TOp : struct, IUnaryOperator
    {
        nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector512<float>.Count)
            op.Invoke(Vector512.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector512<float> result = op.Invoke(Vector512.LoadUnsafe(ref x, last));
            Vector512.ConditionalSelect(VectorLanes.TailMask512(fresh), result, Vector512.LoadUnsafe(ref y, last)).StoreUnsafe(ref y, last);
        }
    }

    private static void Unary256<TOp>(TOp op, ref float x, ref float y, int length) where TOp : struct, IUnaryOperator
    {
        nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector256<float>.Count)
            op.Invoke(Vector256.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector256<float> result = op.Invoke(Vector256.LoadUnsafe(ref x, last));
            Vector256.ConditionalSelect(VectorLanes.TailMask256(fresh), result, Vector256.LoadUnsafe(ref y, last)).StoreUnsafe(ref y, last);
        }
    }

    private static void Unary128<TOp>(TOp op, ref float x, ref float y, int length) where TOp : struct, IUnaryOperator
    {
        nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector128<float>.Count)
            op.Invoke(Vector128.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector128<float> result = op.Invoke(Vector128.LoadUnsafe(ref x, last));
            Vector128.ConditionalSelect(VectorLanes.TailMask128(fresh), result, Vector128.LoadUnsafe(ref y, last)).StoreUnsafe(ref y, last);
        }
    }

    // ---- z = f(x, y) ----

    public static void Binary<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, VectorWidth width)
        where TOp : struct, IBinaryOperator
    {
        int length = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float zs = ref MemoryMarshal.GetReference(z);
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512: Binary512(op, ref xs, ref ys, ref zs, length); break;
            case VectorWidth.V256: Binary256(op, ref xs, ref ys, ref zs, length); break;
            case VectorWidth.V128: Binary128(op, ref xs, ref ys, ref zs, length); break;
            default:
                for (int i = 0; i < length; i++) Unsafe.Add(ref zs, i) = op.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
                break;
        }
    }

    private static void Binary512<TOp>(TOp op, ref float x, ref float y, ref float z, int length) where TOp : struct, IBinaryOperator
    {
        nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector512<float>.Count)
            op.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i)).StoreUnsafe(ref z, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector512<float> result = op.Invoke(Vector512.LoadUnsafe(ref x, last), Vector512.LoadUnsafe(ref y, last));
            Vector512.ConditionalSelect(VectorLanes.TailMask512(fresh), result, Vector512.LoadUnsafe(ref z, last)).StoreUnsafe(ref z, last);
        }
    }

    private static void Binary256<TOp>(TOp op, ref float x, ref float y, ref float z, int length) where TOp : struct, IBinaryOperator
    {
        nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector256<float>.Count)
            op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i)).StoreUnsafe(ref z, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector256<float> result = op.Invoke(Vector256.LoadUnsafe(ref x, last), Vector256.LoadUnsafe(ref y, last));
            Vector256.ConditionalSelect(VectorLanes.TailMask256(fresh), result, Vector256.LoadUnsafe(ref z, last)).StoreUnsafe(ref z, last);
        }
    }

    private static void Binary128<TOp>(TOp op, ref float x, ref float y, ref float z, int length) where TOp : struct, IBinaryOperator
    {
        nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector128<float>.Count)
            op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i)).StoreUnsafe(ref z, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector128<float> result = op.Invoke(Vector128.LoadUnsafe(ref x, last), Vector128.LoadUnsafe(ref y, last));
            Vector128.ConditionalSelect(VectorLanes.TailMask128(fresh), result, Vector128.LoadUnsafe(ref z, last)).StoreUnsafe(ref z, last);
        }
    }

    // ---- w = f(x, y, z) ----

    public static void Ternary<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> w, VectorWidth width)
        where TOp : struct, ITernaryOperator
    {
        int length = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float zs = ref MemoryMarshal.GetReference(z);
        ref float ws = ref MemoryMarshal.GetReference(w);
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512: Ternary512(op, ref xs, ref ys, ref zs, ref ws, length); break;
            case VectorWidth.V256: Ternary256(op, ref xs, ref ys, ref zs, ref ws, length); break;
            case VectorWidth.V128: Ternary128(op, ref xs, ref ys, ref zs, ref ws, length); break;
            default:
                for (int i = 0; i < length; i++)
                    Unsafe.Add(ref ws, i) = op.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i), Unsafe.Add(ref zs, i));
                break;
        }
    }

    private static void Ternary512<TOp>(TOp op, ref float x, ref float y, ref float z, ref float w, int length) where TOp : struct, ITernaryOperator
    {
        nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector512<float>.Count)
            op.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i), Vector512.LoadUnsafe(ref z, i)).StoreUnsafe(ref w, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector512<float> result = op.Invoke(Vector512.LoadUnsafe(ref x, last), Vector512.LoadUnsafe(ref y, last), Vector512.LoadUnsafe(ref z, last));
            Vector512.ConditionalSelect(VectorLanes.TailMask512(fresh), result, Vector512.LoadUnsafe(ref w, last)).StoreUnsafe(ref w, last);
        }
    }

    private static void Ternary256<TOp>(TOp op, ref float x, ref float y, ref float z, ref float w, int length) where TOp : struct, ITernaryOperator
    {
        nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector256<float>.Count)
            op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i), Vector256.LoadUnsafe(ref z, i)).StoreUnsafe(ref w, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector256<float> result = op.Invoke(Vector256.LoadUnsafe(ref x, last), Vector256.LoadUnsafe(ref y, last), Vector256.LoadUnsafe(ref z, last));
            Vector256.ConditionalSelect(VectorLanes.TailMask256(fresh), result, Vector256.LoadUnsafe(ref w, last)).StoreUnsafe(ref w, last);
        }
    }

    private static void Ternary128<TOp>(TOp op, ref float x, ref float y, ref float z, ref float w, int length) where TOp : struct, ITernaryOperator
    {
        nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
        for (; i <= last; i += (nuint)Vector128<float>.Count)
            op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i), Vector128.LoadUnsafe(ref z, i)).StoreUnsafe(ref w, i);
        int fresh = length - (int)i;
        if (fresh > 0)
        {
            Vector128<float> result = op.Invoke(Vector128.LoadUnsafe(ref x, last), Vector128.LoadUnsafe(ref y, last), Vector128.LoadUnsafe(ref z, last));
            Vector128.ConditionalSelect(VectorLanes.TailMask128(fresh), result, Vector128.LoadUnsafe(ref w, last)).StoreUnsafe(ref w, last);
        }
    }
}
