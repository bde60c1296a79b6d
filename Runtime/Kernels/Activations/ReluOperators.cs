using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>ReLU: y = max(x, 0) (NaN stays NaN, so a diverging run is still caught).</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public float Invoke(float x) => MathF.Max(x, 0f);
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Max(x, Vector128<float>.Zero);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
}

/// <summary>ReLU backward from the output: dx = y &gt; 0 ? dy : 0.</summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    public float Invoke(float y, float dy) => y > 0f ? dy : 0f;
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy) => Vector128.GreaterThan(y, Vector128<float>.Zero) & dy;
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => Vector256.GreaterThan(y, Vector256<float>.Zero) & dy;
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => Vector512.GreaterThan(y, Vector512<float>.Zero) & dy;
}

/// <summary>ReLU backward added to dx (a fork's delta): dx + (y &gt; 0 ? dy : 0).</summary>
internal readonly struct ReluBackwardAccumulateOperator : ITernaryOperator
{
    public float Invoke(float y, float dy, float dx) => y > 0f ? dx + dy : dx + 0f;
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy, Vector128<float> dx) => dx + (Vector128.GreaterThan(y, Vector128<float>.Zero) & dy);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> dx) => dx + (Vector256.GreaterThan(y, Vector256<float>.Zero) & dy);
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> dx) => dx + (Vector512.GreaterThan(y, Vector512<float>.Zero) & dy);
}
