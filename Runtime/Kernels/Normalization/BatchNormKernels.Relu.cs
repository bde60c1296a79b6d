using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

// Batch norm followed by ReLU, fused: one pass forward (normalize, affine map and ReLU), and in the backward the ReLU mask
// folded into both batch-norm passes, so the gradient after ReLU is never written out. With a convolution whose forward
// gathered the slice statistics (Conv3x3Kernels.ForwardWithStatistics), a training conv → BN → ReLU reads the convolution's
// output once forward (NormalizeRelu) and twice backward (SliceGradientSumsRelu, InputGradientRelu).
public static partial class BatchNormKernels
{
    /// <summary>
    /// y = max(x·scale[c] + shift[c], 0) (written) for the slice's n samples: <c>Normalize</c> then ReLU in one pass, the same
    /// bits. x and y are (n, C, S); y may be x (in place).
    /// </summary>
    public static void NormalizeRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, int n, int channels, int spatial)
        => NormalizeRelu(x, scale, shift, y, n, channels, spatial, Simd.Width);

    /// <inheritdoc cref="NormalizeRelu(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>
    public static void NormalizeRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, int n, int channels, int spatial, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(y.Length, length, nameof(y));
        KernelArguments.Exactly(scale.Length, channels, nameof(scale));
        KernelArguments.Exactly(shift.Length, channels, nameof(shift));
        ChannelDriver.Run(new ScaleShiftReluOperator(), x, x, y, scale, shift, scale, scale, n, channels, spatial, width);
    }

    /// <summary>
    /// Step 1 of the backward of batch norm + ReLU, for one slice: with dz = y &gt; 0 ? dy : 0 (the gradient before ReLU),
    /// sumDy (C) = Σ dz and sumDyXmu (C) = Σ dz·(x − mean) (both written), as <c>ReluBackward</c> then <c>SliceGradientSums</c>
    /// give them (to rounding: the sums run in another order). x is the batch norm's input, y the ReLU's output and dy its
    /// gradient, all (n, C, S).
    /// </summary>
    public static void SliceGradientSumsRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean,
        Span<float> sumDy, Span<float> sumDyXmu, int n, int channels, int spatial)
        => SliceGradientSumsRelu(x, y, dy, mean, sumDy, sumDyXmu, n, channels, spatial, Simd.Width);

    /// <inheritdoc cref="SliceGradientSumsRelu(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int)"/>
    public static void SliceGradientSumsRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean,
        Span<float> sumDy, Span<float> sumDyXmu, int n, int channels, int spatial, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(y.Length, length, nameof(y));
        KernelArguments.AtLeast(dy.Length, length, nameof(dy));
        KernelArguments.Exactly(mean.Length, channels, nameof(mean));
        KernelArguments.Exactly(sumDy.Length, channels, nameof(sumDy));
        KernelArguments.Exactly(sumDyXmu.Length, channels, nameof(sumDyXmu));
        switch (width)
        {
            case VectorWidth.V512: GradientSums<Vector512<float>, Lane512, ReluAfter>(x, y, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
            case VectorWidth.V256: GradientSums<Vector256<float>, Lane256, ReluAfter>(x, y, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
            case VectorWidth.V128: GradientSums<Vector128<float>, Lane128, ReluAfter>(x, y, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
            default: GradientSums<float, ScalarLane, ReluAfter>(x, y, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
        }
    }

    /// <summary>
    /// Step 3 of the backward of batch norm + ReLU, for one slice: dx = (dz − Σdz/M − (x − mean)·Σdz·(x − mean)·invStd²/M)·γ·invStd
    /// with dz = y &gt; 0 ? dy : 0, written, or added to dx when <paramref name="accumulate"/>: <c>ReluBackward</c> then
    /// <c>InputGradient</c> in one pass, the same bits. x, y, dy and dx are (n, C, S); dx may be dy (in place, when not
    /// accumulating); coefficients (3, C) as <see cref="MergeGradientSums"/> wrote them from <c>SliceGradientSumsRelu</c>'s sums.
    /// </summary>
    public static void InputGradientRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> coefficients, Span<float> dx, int n, int channels, int spatial, bool accumulate)
        => InputGradientRelu(x, y, dy, mean, coefficients, dx, n, channels, spatial, accumulate, Simd.Width);

    /// <inheritdoc cref="InputGradientRelu(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void InputGradientRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> coefficients, Span<float> dx, int n, int channels, int spatial, bool accumulate, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(y.Length, length, nameof(y));
        KernelArguments.AtLeast(dy.Length, length, nameof(dy));
        KernelArguments.AtLeast(dx.Length, length, nameof(dx));
        KernelArguments.Exactly(mean.Length, channels, nameof(mean));
        KernelArguments.Exactly(coefficients.Length, 3L * channels, nameof(coefficients));
        switch (width)
        {
            case VectorWidth.V512: ReluInputGradient<Vector512<float>, Lane512>(x, y, dy, mean, coefficients, dx, n, channels, spatial, accumulate); break;
            case VectorWidth.V256: ReluInputGradient<Vector256<float>, Lane256>(x, y, dy, mean, coefficients, dx, n, channels, spatial, accumulate); break;
            case VectorWidth.V128: ReluInputGradient<Vector128<float>, Lane128>(x, y, dy, mean, coefficients, dx, n, channels, spatial, accumulate); break;
            default: ReluInputGradient<float, ScalarLane>(x, y, dy, mean, coefficients, dx, n, channels, spatial, accumulate); break;
        }
    }

    // ---- the loops, written once over the lane; the tails run the same formulas on the scalar lane ----

    /// <summary>dz = y &gt; 0 ? dy : 0 (NaN y gives 0, as ReLU's backward).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T MaskedGradient<T, L>(T y, T dy) where T : struct where L : struct, ILane<T>
    {
        T zero = L.Splat(0f);
        return L.Select(L.GreaterThan(y, zero), dy, zero);
    }

    /// <summary>(dz − p3 − (x − p0)·p2)·p1, the operations of <c>BatchNormInputGradientOperator</c> in its order; + dst when accumulating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ReluInputGradientOf<T, L>(T x, T y, T dy, T dst, T p0, T p1, T p2, T p3, bool accumulate)
        where T : struct where L : struct, ILane<T>
    {
        T dz = MaskedGradient<T, L>(y, dy);
        T v = L.Multiply(L.Subtract(L.Subtract(dz, p3), L.Multiply(L.Subtract(x, p0), p2)), p1);
        return accumulate ? L.Add(dst, v) : v;
    }

    /// <summary>
    /// Σ dz and Σ dz·(x − mean) per channel in one pass over x and dy, with dz = dy, or with <typeparamref name="TAfter"/> ReLU
    /// the gradient before the ReLU after the batch norm (y &gt; 0 ? dy : 0; y is not read otherwise).
    /// </summary>
    private static void GradientSums<T, L, TAfter>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean,
        Span<float> sumDy, Span<float> sumDyXmu, int n, int channels, int spatial)
        where T : struct where L : struct, ILane<T> where TAfter : struct, IAfterSum
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float dys = ref MemoryMarshal.GetReference(dy);
        int lanes = L.Count;
        sumDy.Clear();
        sumDyXmu.Clear();
        if (spatial == 1)
        {
            // Rows of C features: the sums are rows too, updated by every sample's row.
            ref float a = ref MemoryMarshal.GetReference(sumDy);
            ref float b = ref MemoryMarshal.GetReference(sumDyXmu);
            ref float m = ref MemoryMarshal.GetReference(mean);
            for (int s = 0; s < n; s++)
            {
                int o = s * channels, c = 0;
                for (; c + lanes <= channels; c += lanes)
                    RowSums<T, L, TAfter>(ref a, ref b, ref m, ref Unsafe.Add(ref xs, o), ref Unsafe.Add(ref ys, o), ref Unsafe.Add(ref dys, o), c);
                for (; c < channels; c++)
                    RowSums<float, ScalarLane, TAfter>(ref a, ref b, ref m, ref Unsafe.Add(ref xs, o), ref Unsafe.Add(ref ys, o), ref Unsafe.Add(ref dys, o), c);
            }
            return;
        }

        // Planes of S: vector accumulators per channel over the slice's planes, summed across lanes at the end.
        Span<float> laneSums = stackalloc float[Vector512<float>.Count];
        for (int c = 0; c < channels; c++)
        {
            T meanVector = L.Splat(mean[c]);
            T a = L.Splat(0f), b = L.Splat(0f);
            float tailA = 0f, tailB = 0f;
            for (int s = 0; s < n; s++)
            {
                int o = (s * channels + c) * spatial, i = 0;
                for (; i + lanes <= spatial; i += lanes)
                {
                    T dz = TAfter.Relu ? MaskedGradient<T, L>(L.Load(ref ys, o + i), L.Load(ref dys, o + i)) : L.Load(ref dys, o + i);
                    a = L.Add(a, dz);
                    b = L.FusedMultiplyAdd(dz, L.Subtract(L.Load(ref xs, o + i), meanVector), b);
                }
                for (; i < spatial; i++)
                {
                    float dz = TAfter.Relu ? MaskedGradient<float, ScalarLane>(Unsafe.Add(ref ys, o + i), Unsafe.Add(ref dys, o + i)) : Unsafe.Add(ref dys, o + i);
                    tailA += dz;
                    tailB = MultiplyAdd.Of(dz, Unsafe.Add(ref xs, o + i) - mean[c], tailB);
                }
            }
            sumDy[c] = LaneSum<T, L>(a, laneSums) + tailA;
            sumDyXmu[c] = LaneSum<T, L>(b, laneSums) + tailB;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSums<T, L, TAfter>(ref float a, ref float b, ref float mean, ref float x, ref float y, ref float dy, int c)
        where T : struct where L : struct, ILane<T> where TAfter : struct, IAfterSum
    {
        T dz = TAfter.Relu ? MaskedGradient<T, L>(L.Load(ref y, c), L.Load(ref dy, c)) : L.Load(ref dy, c);
        L.Store(ref a, c, L.Add(L.Load(ref a, c), dz));
        L.Store(ref b, c, L.FusedMultiplyAdd(dz, L.Subtract(L.Load(ref x, c), L.Load(ref mean, c)), L.Load(ref b, c)));
    }

    private static float LaneSum<T, L>(T value, Span<float> scratch) where T : struct where L : struct, ILane<T>
    {
        L.Store(ref MemoryMarshal.GetReference(scratch), 0, value);
        float sum = 0f;
        for (int l = 0; l < L.Count; l++) sum += scratch[l];
        return sum;
    }

    private static void ReluInputGradient<T, L>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> coefficients, Span<float> dx, int n, int channels, int spatial, bool accumulate)
        where T : struct where L : struct, ILane<T>
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float dys = ref MemoryMarshal.GetReference(dy);
        ref float dxs = ref MemoryMarshal.GetReference(dx);
        ref float m = ref MemoryMarshal.GetReference(mean);
        ref float k1 = ref MemoryMarshal.GetReference(coefficients);
        ref float k2 = ref Unsafe.Add(ref k1, channels);
        ref float k3 = ref Unsafe.Add(ref k1, 2 * channels);
        int lanes = L.Count;
        if (spatial == 1)
        {
            for (int s = 0; s < n; s++)
            {
                int o = s * channels, c = 0;
                for (; c + lanes <= channels; c += lanes)
                    RowInputGradient<T, L>(ref xs, ref ys, ref dys, ref dxs, ref m, ref k1, ref k2, ref k3, o, c, accumulate);
                for (; c < channels; c++)
                    RowInputGradient<float, ScalarLane>(ref xs, ref ys, ref dys, ref dxs, ref m, ref k1, ref k2, ref k3, o, c, accumulate);
            }
            return;
        }
        for (int s = 0; s < n; s++)
        {
            for (int c = 0; c < channels; c++)
            {
                int o = (s * channels + c) * spatial, i = 0;
                float a0 = Unsafe.Add(ref m, c), a1 = Unsafe.Add(ref k1, c), a2 = Unsafe.Add(ref k2, c), a3 = Unsafe.Add(ref k3, c);
                T p0 = L.Splat(a0), p1 = L.Splat(a1), p2 = L.Splat(a2), p3 = L.Splat(a3);
                for (; i + lanes <= spatial; i += lanes)
                {
                    int e = o + i;
                    T dst = accumulate ? L.Load(ref dxs, e) : p0;
                    L.Store(ref dxs, e, ReluInputGradientOf<T, L>(L.Load(ref xs, e), L.Load(ref ys, e), L.Load(ref dys, e), dst, p0, p1, p2, p3, accumulate));
                }
                for (; i < spatial; i++)
                {
                    int e = o + i;
                    float dst = accumulate ? Unsafe.Add(ref dxs, e) : 0f;
                    Unsafe.Add(ref dxs, e) = ReluInputGradientOf<float, ScalarLane>(Unsafe.Add(ref xs, e), Unsafe.Add(ref ys, e), Unsafe.Add(ref dys, e), dst, a0, a1, a2, a3, accumulate);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowInputGradient<T, L>(ref float x, ref float y, ref float dy, ref float dx, ref float mean, ref float k1, ref float k2, ref float k3,
        int o, int c, bool accumulate)
        where T : struct where L : struct, ILane<T>
    {
        int e = o + c;
        T dst = accumulate ? L.Load(ref dx, e) : L.Splat(0f);
        L.Store(ref dx, e, ReluInputGradientOf<T, L>(L.Load(ref x, e), L.Load(ref y, e), L.Load(ref dy, e), dst,
            L.Load(ref mean, c), L.Load(ref k1, c), L.Load(ref k2, c), L.Load(ref k3, c), accumulate));
    }
}

/// <summary>max(x·p0 + p1, 0) (p0 the scale, p1 the shift): batch norm's map and ReLU in one pass.</summary>
internal readonly struct ScaleShiftReluOperator : IChannelOperator
{
    public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3) => MathF.Max(MultiplyAdd.Of(x, p0, p1), 0f);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3) => Vector128.Max(MultiplyAdd.Of(x, p0, p1), Vector128<float>.Zero);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3) => Vector256.Max(MultiplyAdd.Of(x, p0, p1), Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3) => Vector512.Max(MultiplyAdd.Of(x, p0, p1), Vector512<float>.Zero);
}
