using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>x.</summary>
internal readonly struct IdentityOperator : IUnaryOperator
{
    public float Invoke(float x) => x;
    public Vector128<float> Invoke(Vector128<float> x) => x;
    public Vector256<float> Invoke(Vector256<float> x) => x;
    public Vector512<float> Invoke(Vector512<float> x) => x;
}

/// <summary>alpha·x.</summary>
internal readonly struct ScaleOperator(float alpha) : IUnaryOperator
{
    public float Invoke(float x) => alpha * x;
    public Vector128<float> Invoke(Vector128<float> x) => x * alpha;
    public Vector256<float> Invoke(Vector256<float> x) => x * alpha;
    public Vector512<float> Invoke(Vector512<float> x) => x * alpha;
}

/// <summary>x + y.</summary>
internal readonly struct AddOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x + y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
}

/// <summary>max(x + y, 0): a residual sum then ReLU in one pass; the values of <see cref="AddOperator"/> then <see cref="ReluOperator"/>.</summary>
internal readonly struct AddReluOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.Max(x + y, 0f);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.Max(x + y, Vector128<float>.Zero);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Max(x + y, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Max(x + y, Vector512<float>.Zero);
}

/// <summary>alpha·x + y, fused where the CPU has FMA (<see cref="MultiplyAdd"/>); every width gives the same bits.</summary>
internal readonly struct MultiplyAddOperator(float alpha) : IBinaryOperator
{
    public float Invoke(float x, float y) => MultiplyAdd.Of(alpha, x, y);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => MultiplyAdd.Of(Vector128.Create(alpha), x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => MultiplyAdd.Of(Vector256.Create(alpha), x, y);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => MultiplyAdd.Of(Vector512.Create(alpha), x, y);
}

/// <summary>Sum.</summary>
internal readonly struct SumAggregation : IAggregationOperator
{
    public float Identity => 0f;
    public float Invoke(float x, float y) => x + y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
    public float Reduce(Vector128<float> x) => Vector128.Sum(x);
    public float Reduce(Vector256<float> x) => Vector256.Sum(x);
    public float Reduce(Vector512<float> x) => Vector512.Sum(x);
}

/// <summary>Maximum, IEEE 754:2019 (NaN propagates), as <see cref="MathF.Max(float, float)"/>.</summary>
internal readonly struct MaxAggregation : IAggregationOperator
{
    public float Identity => float.NegativeInfinity;
    public float Invoke(float x, float y) => MathF.Max(x, y);
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.Max(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Max(x, y);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Max(x, y);

    public float Reduce(Vector128<float> x)
    {
        float max = x.GetElement(0);
        for (int i = 1; i < Vector128<float>.Count; i++) max = MathF.Max(max, x.GetElement(i));
        return max;
    }

    public float Reduce(Vector256<float> x) => Reduce(Vector128.Max(x.GetLower(), x.GetUpper()));
    public float Reduce(Vector512<float> x) => Reduce(Vector256.Max(x.GetLower(), x.GetUpper()));
}
