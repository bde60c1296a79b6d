using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// One row of the multi-class hinge: with shift = margin − s_y, z = shift + s_j; term = max(z, 0); gradient
/// d = z &gt; 0 ? step : 0. Applied to every class, the label's own lane included (the caller takes it out).
/// </summary>
internal readonly struct HingeOperator(float shift, float step) : IUnaryMapSumOperator
{
    public float Invoke(float s, out float d)
    {
        float z = shift + s;
        d = z > 0f ? step : 0f;
        return MathF.Max(z, 0f);
    }

    public Vector128<float> Invoke(Vector128<float> s, out Vector128<float> d)
    {
        Vector128<float> z = Vector128.Create(shift) + s;
        d = Vector128.GreaterThan(z, Vector128<float>.Zero) & Vector128.Create(step);
        return Vector128.Max(z, Vector128<float>.Zero);
    }

    public Vector256<float> Invoke(Vector256<float> s, out Vector256<float> d)
    {
        Vector256<float> z = Vector256.Create(shift) + s;
        d = Vector256.GreaterThan(z, Vector256<float>.Zero) & Vector256.Create(step);
        return Vector256.Max(z, Vector256<float>.Zero);
    }

    public Vector512<float> Invoke(Vector512<float> s, out Vector512<float> d)
    {
        Vector512<float> z = Vector512.Create(shift) + s;
        d = Vector512.GreaterThan(z, Vector512<float>.Zero) & Vector512.Create(step);
        return Vector512.Max(z, Vector512<float>.Zero);
    }
}
