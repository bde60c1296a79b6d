using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>Squared error: term = (p − t)²; gradient d = 2·(p − t)·g.</summary>
internal readonly struct SquaredErrorOperator(float g) : IBinaryMapSumOperator
{
    public float Invoke(float p, float t, out float d)
    {
        float diff = p - t;
        d = diff * (2f * g);
        return diff * diff;
    }

    public Vector128<float> Invoke(Vector128<float> p, Vector128<float> t, out Vector128<float> d)
    {
        Vector128<float> diff = p - t;
        d = diff * (2f * g);
        return diff * diff;
    }

    public Vector256<float> Invoke(Vector256<float> p, Vector256<float> t, out Vector256<float> d)
    {
        Vector256<float> diff = p - t;
        d = diff * (2f * g);
        return diff * diff;
    }

    public Vector512<float> Invoke(Vector512<float> p, Vector512<float> t, out Vector512<float> d)
    {
        Vector512<float> diff = p - t;
        d = diff * (2f * g);
        return diff * diff;
    }
}
