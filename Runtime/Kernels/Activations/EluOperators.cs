using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// ELU: y = x &gt; 0 ? x : alpha·expm1(x). expm1 is exp(x) − 1 except for |x| &lt; 0.25, where that difference loses
/// the relative precision (and the vector Exp, not exactly 1 at 0, made ELU(0) = 1.2e-7 and small negative inputs
/// positive): there it is the Taylor series to x⁷ (truncation below 4e-10, under float rounding).
/// </summary>
internal readonly struct EluOperator(float alpha) : IUnaryOperator
{
    private const float SmallInput = 0.25f;
    private const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    public float Invoke(float x) => x > 0f ? x : alpha * ExpM1(x);

    public Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> series = x * (Vector128<float>.One + x * (Vector128.Create(C2) + x * (Vector128.Create(C3) + x * (Vector128.Create(C4)
            + x * (Vector128.Create(C5) + x * (Vector128.Create(C6) + x * Vector128.Create(C7)))))));
        Vector128<float> expM1 = Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(SmallInput)), series, Vector128.Exp(x) - Vector128<float>.One);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, expM1 * alpha);
    }

    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> series = x * (Vector256<float>.One + x * (Vector256.Create(C2) + x * (Vector256.Create(C3) + x * (Vector256.Create(C4)
            + x * (Vector256.Create(C5) + x * (Vector256.Create(C6) + x * Vector256.Create(C7)))))));
        Vector256<float> expM1 = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(SmallInput)), series, Vector256.Exp(x) - Vector256<float>.One);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, expM1 * alpha);
    }

    public Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> series = x * (Vector512<float>.One + x * (Vector512.Create(C2) + x * (Vector512.Create(C3) + x * (Vector512.Create(C4)
            + x * (Vector512.Create(C5) + x * (Vector512.Create(C6) + x * Vector512.Create(C7)))))));
        Vector512<float> expM1 = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SmallInput)), series, Vector512.Exp(x) - Vector512<float>.One);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, expM1 * alpha);
    }

    private static float ExpM1(float x)
        => MathF.Abs(x) < SmallInput ? x * (1f + x * (C2 + x * (C3 + x * (C4 + x * (C5 + x * (C6 + x * C7)))))) : MathF.Exp(x) - 1f;
}

/// <summary>ELU backward from input and output: dx = x &gt; 0 ? dy : dy·(y + alpha) (y + alpha = alpha·exp(x), no second exp).</summary>
internal readonly struct EluBackwardOperator(float alpha) : ITernaryOperator
{
    public float Invoke(float x, float y, float dy) => x > 0f ? dy : dy * (y + alpha);

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> dy)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), dy, dy * (y + Vector128.Create(alpha)));

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy)
        => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, dy * (y + Vector256.Create(alpha)));

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> dy)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), dy, dy * (y + Vector512.Create(alpha)));
}
