using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Binary cross-entropy on logits, stable form: term = max(x, 0) − x·t + log(1 + exp(−|x|)) (exp of a non-positive
/// number: no overflow); gradient d = (sigmoid(x) − t)·g.
/// </summary>
internal readonly struct BinaryCrossEntropyOperator(float g) : IBinaryMapSumOperator
{
    public float Invoke(float x, float t, out float d)
    {
        d = (1f / (1f + MathF.Exp(-x)) - t) * g;
        return MathF.Max(x, 0f) - x * t + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
    }

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> t, out Vector128<float> d)
    {
        Vector128<float> one = Vector128<float>.One;
        d = (one / (one + Vector128.Exp(-x)) - t) * g;
        return Vector128.Max(x, Vector128<float>.Zero) - x * t + Vector128.Log(one + Vector128.Exp(-Vector128.Abs(x)));
    }

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> t, out Vector256<float> d)
    {
        Vector256<float> one = Vector256<float>.One;
        d = (one / (one + Vector256.Exp(-x)) - t) * g;
        return Vector256.Max(x, Vector256<float>.Zero) - x * t + Vector256.Log(one + Vector256.Exp(-Vector256.Abs(x)));
    }

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> t, out Vector512<float> d)
    {
        Vector512<float> one = Vector512<float>.One;
        d = (one / (one + Vector512.Exp(-x)) - t) * g;
        return Vector512.Max(x, Vector512<float>.Zero) - x * t + Vector512.Log(one + Vector512.Exp(-Vector512.Abs(x)));
    }
}
