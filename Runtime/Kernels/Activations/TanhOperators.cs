using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// tanh. Vector paths: for |x| &lt; 0.625 Cephes' odd minimax polynomial (tanhf, about 2 ulp); beyond,
/// (1 − t) / (1 + t) with t = exp(−2|x|) ∈ (0, 1], which cannot overflow, and the sign copied from x.
/// The scalar path is <see cref="MathF.Tanh(float)"/>.
/// </summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    private const float PolynomialLimit = 0.625f;
    private const float C1 = -3.33332819422e-1f;
    private const float C2 = 1.33314422036e-1f;
    private const float C3 = -5.37397155531e-2f;
    private const float C4 = 2.06390887954e-2f;
    private const float C5 = -5.70498872745e-3f;

    public float Invoke(float x) => MathF.Tanh(x);

    public Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> ax = Vector128.Abs(x);
        Vector128<float> t = Vector128.Exp(ax * -2f);
        Vector128<float> large = Vector128.CopySign((Vector128<float>.One - t) / (Vector128<float>.One + t), x);
        Vector128<float> z = x * x;
        Vector128<float> p = MultiplyAdd.Of(z, Vector128.Create(C5), Vector128.Create(C4));
        p = MultiplyAdd.Of(p, z, Vector128.Create(C3));
        p = MultiplyAdd.Of(p, z, Vector128.Create(C2));
        p = MultiplyAdd.Of(p, z, Vector128.Create(C1));
        Vector128<float> small = MultiplyAdd.Of(p * z, x, x);
        return Vector128.ConditionalSelect(Vector128.LessThan(ax, Vector128.Create(PolynomialLimit)), small, large);
    }

    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> ax = Vector256.Abs(x);
        Vector256<float> t = Vector256.Exp(ax * -2f);
        Vector256<float> large = Vector256.CopySign((Vector256<float>.One - t) / (Vector256<float>.One + t), x);
        Vector256<float> z = x * x;
        Vector256<float> p = MultiplyAdd.Of(z, Vector256.Create(C5), Vector256.Create(C4));
        p = MultiplyAdd.Of(p, z, Vector256.Create(C3));
        p = MultiplyAdd.Of(p, z, Vector256.Create(C2));
        p = MultiplyAdd.Of(p, z, Vector256.Create(C1));
        Vector256<float> small = MultiplyAdd.Of(p * z, x, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(PolynomialLimit)), small, large);
    }

    public Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> ax = Vector512.Abs(x);
        Vector512<float> t = Vector512.Exp(ax * -2f);
        Vector512<float> large = Vector512.CopySign((Vector512<float>.One - t) / (Vector512<float>.One + t), x);
        Vector512<float> z = x * x;
        Vector512<float> p = MultiplyAdd.Of(z, Vector512.Create(C5), Vector512.Create(C4));
        p = MultiplyAdd.Of(p, z, Vector512.Create(C3));
        p = MultiplyAdd.Of(p, z, Vector512.Create(C2));
        p = MultiplyAdd.Of(p, z, Vector512.Create(C1));
        Vector512<float> small = MultiplyAdd.Of(p * z, x, x);
        return Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(PolynomialLimit)), small, large);
    }
}

/// <summary>tanh backward from the output: dx = dy·(1 − y²).</summary>
internal readonly struct TanhBackwardOperator : IBinaryOperator
{
    public float Invoke(float y, float dy) => dy * (1f - y * y);
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy) => dy * (Vector128<float>.One - y * y);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => dy * (Vector256<float>.One - y * y);
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => dy * (Vector512<float>.One - y * y);
}
