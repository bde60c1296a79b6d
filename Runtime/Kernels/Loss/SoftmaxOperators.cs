using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>d = exp(x − max); the sum of the d is the softmax denominator (shifted by the row maximum: no overflow).</summary>
internal readonly struct ExpShiftOperator(float max) : IUnaryMapSumOperator
{
    public float Invoke(float x, out float d) => d = MathF.Exp(x - max);
    public Vector128<float> Invoke(Vector128<float> x, out Vector128<float> d) => d = Vector128.Exp(x - Vector128.Create(max));
    public Vector256<float> Invoke(Vector256<float> x, out Vector256<float> d) => d = Vector256.Exp(x - Vector256.Create(max));
    public Vector512<float> Invoke(Vector512<float> x, out Vector512<float> d) => d = Vector512.Exp(x - Vector512.Create(max));
}

/// <summary>The cross-entropy term of a soft target: t·(logsumexp − x) = −t·log softmax(x).</summary>
internal readonly struct CrossEntropyTermOperator(float logSumExp) : IBinaryOperator
{
    public float Invoke(float x, float t) => t * (logSumExp - x);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> t) => t * (Vector128.Create(logSumExp) - x);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> t) => t * (Vector256.Create(logSumExp) - x);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> t) => t * (Vector512.Create(logSumExp) - x);
}

/// <summary>
/// Soft-target cross-entropy gradient from e = exp(x − max): e·a − t·g with a = g·Σt / Σe, i.e. (softmax·Σt − t)·g.
/// </summary>
internal readonly struct SoftTargetGradientOperator(float a, float g) : IBinaryOperator
{
    public float Invoke(float e, float t) => e * a - t * g;
    public Vector128<float> Invoke(Vector128<float> e, Vector128<float> t) => e * a - t * g;
    public Vector256<float> Invoke(Vector256<float> e, Vector256<float> t) => e * a - t * g;
    public Vector512<float> Invoke(Vector512<float> e, Vector512<float> t) => e * a - t * g;
}
