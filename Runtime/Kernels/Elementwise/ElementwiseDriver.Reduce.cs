using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

// Reductions: the same width choice and overlapped tail as the maps; tail lanes already counted are replaced by the
// aggregation's identity (or zero for sums), so nothing is counted twice.
internal static partial class ElementwiseDriver
{
    // ---- aggregate(transform(x)) ----

    public static float Aggregate<TTransform, TAggregate>(TTransform transform, TAggregate aggregate, ReadOnlySpan<float> x, VectorWidth width)
        where TTransform : struct, IUnaryOperator
        where TAggregate : struct, IAggregationOperator
    {
        int length = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512:
            {
                Vector512<float> identity = Vector512.Create(aggregate.Identity), acc = identity;
                nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector512<float>.Count)
                    acc = aggregate.Invoke(acc, transform.Invoke(Vector512.LoadUnsafe(ref xs, i)));
                int fresh = length - (int)i;
                if (fresh > 0)
                    acc = aggregate.Invoke(acc, Vector512.ConditionalSelect(VectorLanes.TailMask512(fresh), transform.Invoke(Vector512.LoadUnsafe(ref xs, last)), identity));
                return aggregate.Reduce(acc);
            }
            case VectorWidth.V256:
            {
                Vector256<float> identity = Vector256.Create(aggregate.Identity), acc = identity;
                nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector256<float>.Count)
                    acc = aggregate.Invoke(acc, transform.Invoke(Vector256.LoadUnsafe(ref xs, i)));
                int fresh = length - (int)i;
                if (fresh > 0)
                    acc = aggregate.Invoke(acc, Vector256.ConditionalSelect(VectorLanes.TailMask256(fresh), transform.Invoke(Vector256.LoadUnsafe(ref xs, last)), identity));
                return aggregate.Reduce(acc);
            }
            case VectorWidth.V128:
            {
                Vector128<float> identity = Vector128.Create(aggregate.Identity), acc = identity;
                nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector128<float>.Count)
                    acc = aggregate.Invoke(acc, transform.Invoke(Vector128.LoadUnsafe(ref xs, i)));
                int fresh = length - (int)i;
                if (fresh > 0)
                    acc = aggregate.Invoke(acc, Vector128.ConditionalSelect(VectorLanes.TailMask128(fresh), transform.Invoke(Vector128.LoadUnsafe(ref xs, last)), identity));
                return aggregate.Reduce(acc);
            }
            default:
            {
                float acc = aggregate.Identity;
                for (int i = 0; i < length; i++) acc = aggregate.Invoke(acc, transform.Invoke(Unsafe.Add(ref xs, i)));
                return acc;
            }
        }
    }

    // ---- aggregate(f(x, y)) ----

    public static float Aggregate<TTransform, TAggregate>(TTransform transform, TAggregate aggregate, ReadOnlySpan<float> x, ReadOnlySpan<float> y, VectorWidth width)
        where TTransform : struct, IBinaryOperator
        where TAggregate : struct, IAggregationOperator
    {
        int length = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512:
            {
                Vector512<float> identity = Vector512.Create(aggregate.Identity), acc = identity;
                nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector512<float>.Count)
                    acc = aggregate.Invoke(acc, transform.Invoke(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ys, i)));
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector512<float> value = transform.Invoke(Vector512.LoadUnsafe(ref xs, last), Vector512.LoadUnsafe(ref ys, last));
                    acc = aggregate.Invoke(acc, Vector512.ConditionalSelect(VectorLanes.TailMask512(fresh), value, identity));
                }
                return aggregate.Reduce(acc);
            }
            case VectorWidth.V256:
            {
                Vector256<float> identity = Vector256.Create(aggregate.Identity), acc = identity;
                nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector256<float>.Count)
                    acc = aggregate.Invoke(acc, transform.Invoke(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ys, i)));
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector256<float> value = transform.Invoke(Vector256.LoadUnsafe(ref xs, last), Vector256.LoadUnsafe(ref ys, last));
                    acc = aggregate.Invoke(acc, Vector256.ConditionalSelect(VectorLanes.TailMask256(fresh), value, identity));
                }
                return aggregate.Reduce(acc);
            }
            case VectorWidth.V128:
            {
                Vector128<float> identity = Vector128.Create(aggregate.Identity), acc = identity;
                nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector128<float>.Count)
                    acc = aggregate.Invoke(acc, transform.Invoke(Vector128.LoadUnsafe(ref xs, i), Vector128.LoadUnsafe(ref ys, i)));
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector128<float> value = transform.Invoke(Vector128.LoadUnsafe(ref xs, last), Vector128.LoadUnsafe(ref ys, last));
                    acc = aggregate.Invoke(acc, Vector128.ConditionalSelect(VectorLanes.TailMask128(fresh), value, identity));
                }
                return aggregate.Reduce(acc);
            }
            default:
            {
                float acc = aggregate.Identity;
                for (int i = 0; i < length; i++) acc = aggregate.Invoke(acc, transform.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i)));
                return acc;
            }
        }
    }

    // ---- d = f(x), returns Σ g(x) ----

    public static float MapSum<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> d, VectorWidth width)
        where TOp : struct, IUnaryMapSumOperator
    {
        int length = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(d);
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512:
            {
                Vector512<float> acc = Vector512<float>.Zero, dv;
                nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector512<float>.Count)
                {
                    acc += op.Invoke(Vector512.LoadUnsafe(ref xs, i), out dv);
                    dv.StoreUnsafe(ref ds, i);
                }
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector512<float> mask = VectorLanes.TailMask512(fresh);
                    acc += Vector512.ConditionalSelect(mask, op.Invoke(Vector512.LoadUnsafe(ref xs, last), out dv), Vector512<float>.Zero);
                    Vector512.ConditionalSelect(mask, dv, Vector512.LoadUnsafe(ref ds, last)).StoreUnsafe(ref ds, last);
                }
                return Vector512.Sum(acc);
            }
            case VectorWidth.V256:
            {
                Vector256<float> acc = Vector256<float>.Zero, dv;
                nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector256<float>.Count)
                {
                    acc += op.Invoke(Vector256.LoadUnsafe(ref xs, i), out dv);
                    dv.StoreUnsafe(ref ds, i);
                }
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector256<float> mask = VectorLanes.TailMask256(fresh);
                    acc += Vector256.ConditionalSelect(mask, op.Invoke(Vector256.LoadUnsafe(ref xs, last), out dv), Vector256<float>.Zero);
                    Vector256.ConditionalSelect(mask, dv, Vector256.LoadUnsafe(ref ds, last)).StoreUnsafe(ref ds, last);
                }
                return Vector256.Sum(acc);
            }
            case VectorWidth.V128:
            {
                Vector128<float> acc = Vector128<float>.Zero, dv;
                nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector128<float>.Count)
                {
                    acc += op.Invoke(Vector128.LoadUnsafe(ref xs, i), out dv);
                    dv.StoreUnsafe(ref ds, i);
                }
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector128<float> mask = VectorLanes.TailMask128(fresh);
                    acc += Vector128.ConditionalSelect(mask, op.Invoke(Vector128.LoadUnsafe(ref xs, last), out dv), Vector128<float>.Zero);
                    Vector128.ConditionalSelect(mask, dv, Vector128.LoadUnsafe(ref ds, last)).StoreUnsafe(ref ds, last);
                }
                return Vector128.Sum(acc);
            }
            default:
            {
                float acc = 0f;
                for (int i = 0; i < length; i++)
                {
                    acc += op.Invoke(Unsafe.Add(ref xs, i), out float dv);
                    Unsafe.Add(ref ds, i) = dv;
                }
                return acc;
            }
        }
    }

    // ---- d = f(x, y), returns Σ g(x, y) ----

    public static float MapSum<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d, VectorWidth width)
        where TOp : struct, IBinaryMapSumOperator
    {
        int length = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(d);
        switch (VectorLanes.Narrow(width, length))
        {
            case VectorWidth.V512:
            {
                Vector512<float> acc = Vector512<float>.Zero, dv;
                nuint last = (nuint)(length - Vector512<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector512<float>.Count)
                {
                    acc += op.Invoke(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ys, i), out dv);
                    dv.StoreUnsafe(ref ds, i);
                }
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector512<float> mask = VectorLanes.TailMask512(fresh);
                    acc += Vector512.ConditionalSelect(mask, op.Invoke(Vector512.LoadUnsafe(ref xs, last), Vector512.LoadUnsafe(ref ys, last), out dv), Vector512<float>.Zero);
                    Vector512.ConditionalSelect(mask, dv, Vector512.LoadUnsafe(ref ds, last)).StoreUnsafe(ref ds, last);
                }
                return Vector512.Sum(acc);
            }
            case VectorWidth.V256:
            {
                Vector256<float> acc = Vector256<float>.Zero, dv;
                nuint last = (nuint)(length - Vector256<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector256<float>.Count)
                {
                    acc += op.Invoke(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ys, i), out dv);
                    dv.StoreUnsafe(ref ds, i);
                }
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector256<float> mask = VectorLanes.TailMask256(fresh);
                    acc += Vector256.ConditionalSelect(mask, op.Invoke(Vector256.LoadUnsafe(ref xs, last), Vector256.LoadUnsafe(ref ys, last), out dv), Vector256<float>.Zero);
                    Vector256.ConditionalSelect(mask, dv, Vector256.LoadUnsafe(ref ds, last)).StoreUnsafe(ref ds, last);
                }
                return Vector256.Sum(acc);
            }
            case VectorWidth.V128:
            {
                Vector128<float> acc = Vector128<float>.Zero, dv;
                nuint last = (nuint)(length - Vector128<float>.Count), i = 0;
                for (; i <= last; i += (nuint)Vector128<float>.Count)
                {
                    acc += op.Invoke(Vector128.LoadUnsafe(ref xs, i), Vector128.LoadUnsafe(ref ys, i), out dv);
                    dv.StoreUnsafe(ref ds, i);
                }
                int fresh = length - (int)i;
                if (fresh > 0)
                {
                    Vector128<float> mask = VectorLanes.TailMask128(fresh);
                    acc += Vector128.ConditionalSelect(mask, op.Invoke(Vector128.LoadUnsafe(ref xs, last), Vector128.LoadUnsafe(ref ys, last), out dv), Vector128<float>.Zero);
                    Vector128.ConditionalSelect(mask, dv, Vector128.LoadUnsafe(ref ds, last)).StoreUnsafe(ref ds, last);
                }
                return Vector128.Sum(acc);
            }
            default:
            {
                float acc = 0f;
                for (int i = 0; i < length; i++)
                {
                    acc += op.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i), out float dv);
                    Unsafe.Add(ref ds, i) = dv;
                }
                return acc;
            }
        }
    }
}
