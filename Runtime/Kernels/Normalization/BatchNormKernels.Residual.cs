using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

// Batch norm at the end of a residual block, fused with the sum and the ReLU after it: in training, y = max(x·scale + shift
// + r, 0) in one pass where Normalize, JoinKernels.Add and ActivationKernels.Relu take three (the sum is never written; the
// backward of the ReLU reads y, the sum's reads nothing, the batch norm's its saved x).
public static partial class BatchNormKernels
{
    /// <summary>
    /// y = x·scale[c] + shift[c] + residual, then max(·, 0) when <paramref name="relu"/> (written), for n samples (n, C, S):
    /// the bits of <see cref="Normalize(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>,
    /// then <see cref="JoinKernels.Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> with the residual, then
    /// <see cref="ActivationKernels.Relu(ReadOnlySpan{float}, Span{float})"/>. y may be x or the residual (the same span),
    /// not a partial overlap of either.
    /// </summary>
    public static void NormalizeResidual(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, ReadOnlySpan<float> residual, Span<float> y,
        int n, int channels, int spatial, bool relu)
        => NormalizeResidual(x, scale, shift, residual, y, n, channels, spatial, relu, Simd.Width);

    /// <inheritdoc cref="NormalizeResidual(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void NormalizeResidual(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, ReadOnlySpan<float> residual, Span<float> y,
        int n, int channels, int spatial, bool relu, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(residual.Length, length, nameof(residual));
        KernelArguments.AtLeast(y.Length, length, nameof(y));
        KernelArguments.Exactly(scale.Length, channels, nameof(scale));
        KernelArguments.Exactly(shift.Length, channels, nameof(shift));
        Span<float> output = y[..(int)length];
        if (PartlyOverlaps(x[..(int)length], output) || PartlyOverlaps(residual[..(int)length], output))
            throw new ArgumentException("y partly overlaps x or residual: it may be either whole, nothing else.", nameof(y));
        if (relu) ChannelDriver.Run(new ScaleShiftAddOperator<ReluAfter>(), x, residual, y, scale, shift, scale, scale, n, channels, spatial, width);
        else ChannelDriver.Run(new ScaleShiftAddOperator<NothingAfter>(), x, residual, y, scale, shift, scale, scale, n, channels, spatial, width);
    }

    private static bool PartlyOverlaps(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        => a.Overlaps(b, out int offset) && !(offset == 0 && a.Length == b.Length);
}

/// <summary>
/// A ReLU after the batch norm or nothing (a type, so each is its own instantiation): what <see cref="ScaleShiftAddOperator{TAfter}"/>
/// applies to the sum, and whose mask the backward's gradient sums apply to dy (<see cref="BatchNormKernels"/>' GradientSums).
/// </summary>
internal interface IAfterSum
{
    static abstract bool Relu { get; }
}

internal readonly struct ReluAfter : IAfterSum { public static bool Relu => true; }
internal readonly struct NothingAfter : IAfterSum { public static bool Relu => false; }

/// <summary>(x·p0 + p1) + dy, then max(·, 0) with <typeparamref name="TAfter"/> ReLU: dy carries the residual.</summary>
internal readonly struct ScaleShiftAddOperator<TAfter> : IChannelOperator where TAfter : struct, IAfterSum
{
    public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3)
    {
        float v = MultiplyAdd.Of(x, p0, p1) + dy;
        return TAfter.Relu ? MathF.Max(v, 0f) : v;
    }

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3)
    {
        Vector128<float> v = MultiplyAdd.Of(x, p0, p1) + dy;
        return TAfter.Relu ? Vector128.Max(v, Vector128<float>.Zero) : v;
    }

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3)
    {
        Vector256<float> v = MultiplyAdd.Of(x, p0, p1) + dy;
        return TAfter.Relu ? Vector256.Max(v, Vector256<float>.Zero) : v;
    }

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3)
    {
        Vector512<float> v = MultiplyAdd.Of(x, p0, p1) + dy;
        return TAfter.Relu ? Vector512.Max(v, Vector512<float>.Zero) : v;
    }
}
