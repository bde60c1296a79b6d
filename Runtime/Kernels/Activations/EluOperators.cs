using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>ELU: y = x &gt; 0 ? x : alpha·(exp(x) − 1).</summary>
internal readonly struct EluOperator(float alpha) : IUnaryOperator
{
    public float Invoke(float x) => x > 0f ? x : alpha * (MathF.Exp(x) - 1f);

    public Vector128<float> Invoke(Vector128<float> x)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, (Vector128.Exp(x) - Vector128<float>.One) * alpha);

    public Vector256<float> Invoke(Vector256<float> x)
        => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, (Vector256.Exp(x) - Vector256<float>.One) * alpha);

    public Vector512<float> Invoke(Vector512<float> x)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, (Vector512.Exp(x) - Vector512<float>.One) * alpha);
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
