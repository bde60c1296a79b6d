using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

// The operator shapes the element-wise drivers take (System.Numerics.Tensors' IUnaryOperator pattern): a small struct
// with one Invoke per width. The drivers are generic over the struct, so the JIT compiles one specialized loop per
// operator with every Invoke inlined. Parameters (a slope, a scale) are fields of the struct.

/// <summary>y = f(x).</summary>
internal interface IUnaryOperator
{
    float Invoke(float x);
    Vector128<float> Invoke(Vector128<float> x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>z = f(x, y).</summary>
internal interface IBinaryOperator
{
    float Invoke(float x, float y);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>w = f(x, y, z).</summary>
internal interface ITernaryOperator
{
    float Invoke(float x, float y, float z);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> z);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z);
}

/// <summary>An associative, commutative combination with an identity (sum, max), reduced across lanes at the end.</summary>
internal interface IAggregationOperator
{
    float Identity { get; }
    float Invoke(float x, float y);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
    float Reduce(Vector128<float> x);
    float Reduce(Vector256<float> x);
    float Reduce(Vector512<float> x);
}

/// <summary>
/// Element-wise map with a summed side result: writes <c>d = f(x, y)</c> and returns the term <c>g(x, y)</c> the driver sums
/// (a loss term and its gradient).
/// </summary>
internal interface IBinaryMapSumOperator
{
    float Invoke(float x, float y, out float d);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, out Vector128<float> d);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, out Vector256<float> d);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, out Vector512<float> d);
}

/// <summary>Unary form of <see cref="IBinaryMapSumOperator"/>: writes <c>d = f(x)</c>, returns the term <c>g(x)</c>.</summary>
internal interface IUnaryMapSumOperator
{
    float Invoke(float x, out float d);
    Vector128<float> Invoke(Vector128<float> x, out Vector128<float> d);
    Vector256<float> Invoke(Vector256<float> x, out Vector256<float> d);
    Vector512<float> Invoke(Vector512<float> x, out Vector512<float> d);
}
