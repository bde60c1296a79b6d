using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// RAdam (rectified Adam) as <c>torch.optim.RAdam</c> (1.13, which has no <c>maximize</c>):
/// <code>
/// t = t + 1
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g·g
/// m̂ = m / (1 − β1^t)
/// ρ∞ = 2/(1 − β2) − 1;  ρ_t = ρ∞ − 2t·β2^t/(1 − β2^t)
/// ρ_t &gt; 5: r = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t));  p = p − m̂·lr · √(1 − β2^t)/(√v + ε) · r
/// else:    p = p − m̂·lr
/// </code>
/// </summary>
public sealed class RAdam : Beta1Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1e-3).</param>
    /// <param name="beta1">First of PyTorch's <c>betas</c> (default 0.9).</param>
    /// <param name="beta2">Second of PyTorch's <c>betas</c> (default 0.999).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    public RAdam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(learningRate, weightDecay, ["exp_avg", "exp_avg_sq"])
    {
        RequireUnitInterval(beta1, nameof(beta1));
        RequireUnitInterval(beta2, nameof(beta2));
        RequireNonNegative(epsilon, nameof(epsilon));
        _initialBeta1 = beta1;
        DeclareScheduledMomentum("beta1", beta1);
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    private readonly float _initialBeta1;

    /// <summary>Second of PyTorch's <c>betas</c>: decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["beta1"] = _initialBeta1;
        h["beta2"] = Beta2;
        h["eps"] = Epsilon;
    }

    private protected override void Update(in ParameterSlice s)
    {
        double step = s.Step;
        double biasCorrection1 = 1.0 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, step);
        double rhoInf = 2.0 / (1.0 - Beta2) - 1.0;
        double rhoT = rhoInf - 2.0 * step * Math.Pow(Beta2, step) / biasCorrection2;
        bool rectify = rhoT > 5.0;
        double rect = rectify ? Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            M = s.State(Buffer(0)),
            V = s.State(Buffer(1)),
            WeightDecay = s.WeightDecay,
            Beta1 = Beta1,
            OneMinusBeta1 = (float)(1.0 - Beta1),
            Beta2 = Beta2,
            OneMinusBeta2 = (float)(1.0 - Beta2),
            BiasCorrection1 = (float)biasCorrection1,
            BiasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2),
            Epsilon = Epsilon,
            Lr = s.LearningRate,
            Rect = (float)rect,
            Rectify = rectify,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, M, V;
        public ReadOnlySpan<float> G;
        public float WeightDecay, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, BiasCorrection1, BiasCorrection2Sqrt, Epsilon, Lr, Rect;
        public bool Rectify;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float m = ref MemoryMarshal.GetReference(M);
            ref float v = ref MemoryMarshal.GetReference(V);
            T param = L.Load(ref p, i);
            T g = L.Load(ref MemoryMarshal.GetReference(G), i);
            if (WeightDecay != 0f) g = L.FusedMultiplyAdd(param, L.Splat(WeightDecay), g);
            T avg = L.FusedMultiplyAdd(g, L.Splat(OneMinusBeta1), L.Multiply(L.Load(ref m, i), L.Splat(Beta1)));
            T avgSq = L.Add(L.Multiply(L.Load(ref v, i), L.Splat(Beta2)), L.Multiply(L.Multiply(L.Splat(OneMinusBeta2), g), g));
            L.Store(ref m, i, avg);
            L.Store(ref v, i, avgSq);
            T step = L.Multiply(L.Divide(avg, L.Splat(BiasCorrection1)), L.Splat(Lr));
            if (Rectify)
            {
                // PyTorch: sqrt(bc2) / (sqrt(v) + eps) is a scalar over a tensor, i.e. reciprocal(...) * sqrt(bc2).
                T adaptive = L.Multiply(L.Divide(L.Splat(1f), L.Add(L.Sqrt(avgSq), L.Splat(Epsilon))), L.Splat(BiasCorrection2Sqrt));
                step = L.Multiply(L.Multiply(step, adaptive), L.Splat(Rect));
            }
            S.Store<T, L>(ref p, i, L.Subtract(param, step));
        }
    }
}
