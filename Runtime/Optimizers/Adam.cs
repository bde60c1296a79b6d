using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Compiled.Optimizers;

/// <summary>
/// Adam exactly as <c>torch.optim.Adam</c> (L2-style weight decay added to the gradient; AMSGrad optional):
/// <code>
/// t = t + 1
/// g = g + weightDecay·p
/// m = m + (1 − β1)·(g − m)                    (lerp)
/// v = β2·v + (1 − β2)·g²
/// v̂ = amsGrad ? (vmax = max(vmax, v)) : v
/// p = p − lr / (1 − β1^t) · m / (√v̂ / √(1 − β2^t) + ε)
/// </code>
/// The bias corrections are computed in double, as PyTorch computes them in Python floats.
/// </summary>
public sealed class Adam : Optimizer
{
    private float[]? _expAvg;
    private float[]? _expAvgSq;
    private float[]? _maxExpAvgSq;

    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool amsGrad = false)
        : base(learningRate)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        RequireNonNegative(epsilon, nameof(epsilon));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        AmsGrad = amsGrad;
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }
    public bool AmsGrad { get; }

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => Run(parameters, gradients, default);

    /// <inheritdoc/>
    public override void StepAndZeroGradients(Span<float> parameters, Span<float> gradients) => Run(parameters, gradients, gradients);

    // zero: empty, or the gradients themselves (cleared as they are read).
    private void Run(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> zero)
    {
        long step = BeginStep(parameters.Length, gradients.Length);
        double biasCorrection1 = 1.0 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, step);
        float stepSize = (float)(LearningRate / biasCorrection1);
        float biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
        Update(parameters, gradients, _expAvg, _expAvgSq, AmsGrad ? _maxExpAvgSq : default,
            stepSize, biasCorrection2Sqrt, Beta1, Beta2, Epsilon, WeightDecay, zero);
    }

    protected override void CreateState(int parameterCount)
    {
        _expAvg = AddState("exp_avg", parameterCount);
        _expAvgSq = AddState("exp_avg_sq", parameterCount);
        _maxExpAvgSq = AmsGrad ? AddState("max_exp_avg_sq", parameterCount) : null;
    }

    protected override void OnStateCleared()
    {
        _expAvg = null;
        _expAvgSq = null;
        _maxExpAvgSq = null;
    }

    // p, g, m (exp_avg), v (exp_avg_sq) [n]; vMax (max_exp_avg_sq) [n], or empty without AMSGrad;
    // zero: empty, or g itself, set to 0 once read (fused ZeroGradients).
    internal static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, Span<float> vMax,
        float stepSize, float biasCorrection2Sqrt, float beta1, float beta2, float eps, float wd, Span<float> zero = default)
    {
        bool amsGrad = !vMax.IsEmpty;
        bool clear = !zero.IsEmpty;
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            Span<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(m[..p.Length]);
            Span<Vector<float>> vv = MemoryMarshal.Cast<float, Vector<float>>(v[..p.Length]);
            Span<Vector<float>> vmaxv = amsGrad ? MemoryMarshal.Cast<float, Vector<float>>(vMax[..p.Length]) : default;
            Span<Vector<float>> zv = clear ? MemoryMarshal.Cast<float, Vector<float>>(zero[..p.Length]) : default;
            var wdv = new Vector<float>(wd);
            var b1c = new Vector<float>(oneMinusBeta1);
            var b2 = new Vector<float>(beta2);
            var b2c = new Vector<float>(oneMinusBeta2);
            var bc2 = new Vector<float>(biasCorrection2Sqrt);
            var epsv = new Vector<float>(eps);
            var minusStep = new Vector<float>(-stepSize);
            for (int k = 0; k < pv.Length; k++)
            {
                Vector<float> grad = Vector.FusedMultiplyAdd(pv[k], wdv, gv[k]);
                if (clear) zv[k] = Vector<float>.Zero;
                Vector<float> avg = Vector.FusedMultiplyAdd(b1c, grad - mv[k], mv[k]);
                Vector<float> avgSq = Vector.FusedMultiplyAdd(grad * grad, b2c, vv[k] * b2);
                mv[k] = avg;
                vv[k] = avgSq;
                if (amsGrad)
                {
                    avgSq = Vector.Max(vmaxv[k], avgSq);
                    vmaxv[k] = avgSq;
                }
                Vector<float> denom = Vector.SquareRoot(avgSq) / bc2 + epsv;
                pv[k] = Vector.FusedMultiplyAdd(avg / denom, minusStep, pv[k]);
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++)
        {
            float grad = MathF.FusedMultiplyAdd(p[i], wd, g[i]);
            if (clear) zero[i] = 0f;
            float avg = MathF.FusedMultiplyAdd(oneMinusBeta1, grad - m[i], m[i]);
            float avgSq = MathF.FusedMultiplyAdd(grad * grad, oneMinusBeta2, v[i] * beta2);
            m[i] = avg;
            v[i] = avgSq;
            if (amsGrad)
            {
                avgSq = MathF.Max(vMax[i], avgSq);
                vMax[i] = avgSq;
            }
            float denom = MathF.Sqrt(avgSq) / biasCorrection2Sqrt + eps;
            p[i] = MathF.FusedMultiplyAdd(avg / denom, -stepSize, p[i]);
        }
    }
}
