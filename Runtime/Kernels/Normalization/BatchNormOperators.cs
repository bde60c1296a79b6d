using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

// The element-wise pieces of BatchNormKernels. Channel operators (ChannelDriver) read per-channel coefficients p0..p3;
// the plane transforms (ElementwiseDriver.Aggregate) carry their channel's coefficient as a field.

/// <summary>dst + (x − p0), p0 a shift (the first row): a per-feature sum of deviations over rows.</summary>
internal readonly struct SumDeviationOperator : IChannelOperator
{
    public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3) => dst + (x - p0);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3) => dst + (x - p0);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3) => dst + (x - p0);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3) => dst + (x - p0);
}

/// <summary>dst + (x − p0)², p0 the mean: a per-feature M2 over rows.</summary>
internal readonly struct SumSquaredDeviationOperator : IChannelOperator
{
    public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3) { float t = x - p0; return MultiplyAdd.Of(t, t, dst); }
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3) { var t = x - p0; return MultiplyAdd.Of(t, t, dst); }
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3) { var t = x - p0; return MultiplyAdd.Of(t, t, dst); }
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3) { var t = x - p0; return MultiplyAdd.Of(t, t, dst); }
}

/// <summary>x·p0 + p1 (p0 the scale, p1 the shift): the normalization and affine map in one multiply-add.</summary>
internal readonly struct ScaleShiftOperator : IChannelOperator
{
    public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3) => MultiplyAdd.Of(x, p0, p1);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3) => MultiplyAdd.Of(x, p0, p1);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3) => MultiplyAdd.Of(x, p0, p1);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3) => MultiplyAdd.Of(x, p0, p1);
}

/// <summary>
/// The batch norm input gradient ((dy − p3) − (x − p0)·p2)·p1 with p0 = mean, p1 = γ·invStd, p2 = Σdy·(x − mean)·invStd²/M,
/// p3 = Σdy/M; written, or added to dst when <c>accumulate</c>.
/// </summary>
internal readonly struct BatchNormInputGradientOperator(bool accumulate) : IChannelOperator
{
    public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3)
    {
        float v = (dy - p3 - (x - p0) * p2) * p1;
        return accumulate ? dst + v : v;
    }

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3)
    {
        var v = (dy - p3 - (x - p0) * p2) * p1;
        return accumulate ? dst + v : v;
    }

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3)
    {
        var v = (dy - p3 - (x - p0) * p2) * p1;
        return accumulate ? dst + v : v;
    }

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3)
    {
        var v = (dy - p3 - (x - p0) * p2) * p1;
        return accumulate ? dst + v : v;
    }
}

/// <summary>x − shift, summed over a plane by the aggregation driver.</summary>
internal readonly struct DeviationOperator(float shift) : IUnaryOperator
{
    public float Invoke(float x) => x - shift;
    public Vector128<float> Invoke(Vector128<float> x) => x - Vector128.Create(shift);
    public Vector256<float> Invoke(Vector256<float> x) => x - Vector256.Create(shift);
    public Vector512<float> Invoke(Vector512<float> x) => x - Vector512.Create(shift);
}

/// <summary>(x − mean)², summed over a plane by the aggregation driver.</summary>
internal readonly struct SquaredDeviationOperator(float mean) : IUnaryOperator
{
    public float Invoke(float x) { float t = x - mean; return t * t; }
    public Vector128<float> Invoke(Vector128<float> x) { var t = x - Vector128.Create(mean); return t * t; }
    public Vector256<float> Invoke(Vector256<float> x) { var t = x - Vector256.Create(mean); return t * t; }
    public Vector512<float> Invoke(Vector512<float> x) { var t = x - Vector512.Create(mean); return t * t; }
}
