using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// Adam as <c>torch.optim.Adam</c> (1.13, single-tensor path; L2 weight decay added to the gradient, AMSGrad optional):
/// <code>
/// t = t + 1
/// g = maximize ? −g : g
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// m = β1·m + (1 − β1)·g
/// v = β2·v + (1 − β2)·g·g
/// v̂ = amsGrad ? (vmax = max(vmax, v)) : v
/// p = p − lr / (1 − β1^t) · m / (√v̂ / √(1 − β2^t) + ε)
/// </code>
/// The bias corrections are computed in double, as PyTorch computes them in Python floats; the element-wise operations
/// follow ATen's order (<c>add(alpha)</c> fused, <c>addcmul</c>/<c>addcdiv</c> as <c>self + (value·a)·b</c> and <c>self + (value·a)/b</c>).
/// </summary>
public sealed class Adam : Beta1Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1e-3).</param>
    /// <param name="beta1">First of PyTorch's <c>betas</c> (default 0.9).</param>
    /// <param name="beta2">Second of PyTorch's <c>betas</c> (default 0.999).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0; see <see cref="AdamW"/> for decoupled decay).</param>
    /// <param name="amsGrad">The AMSGrad variant: the running maximum of v normalizes the step.</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool amsGrad = false, bool maximize = false)
        : base(learningRate, weightDecay, AdamRule.StateNames(amsGrad))
    {
        Rule = new AdamRule(beta1, beta2, epsilon, amsGrad, maximize, decoupled: false);
        DeclareScheduledMomentum("beta1", beta1);
    }

    internal AdamRule Rule { get; }
    /// <summary>Second of PyTorch's <c>betas</c>: decay of the second-moment average.</summary>
    public float Beta2 => Rule.Beta2;
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon => Rule.Epsilon;
    /// <summary>The AMSGrad variant (PyTorch's <c>amsgrad</c>).</summary>
    public bool AmsGrad => Rule.AmsGrad;
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize => Rule.Maximize;

    private protected override void DescribeHyperparameters(Dictionary<string, double> h) => Rule.Describe(h);

    private protected override void Update(in ParameterSlice s) =>
        Rule.Update(s, Beta1, s.State(Buffer(0)), s.State(Buffer(1)), AmsGrad ? s.State(Buffer(2)) : default);
}

/// <summary>
/// AdamW as <c>torch.optim.AdamW</c> (1.13): Adam with decoupled weight decay, <c>p = p·(1 − lr·weightDecay)</c> before
/// the moments are updated, and nothing added to the gradient. Default weight decay 1e-2.
/// </summary>
public sealed class AdamW : Beta1Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1e-3).</param>
    /// <param name="beta1">First of PyTorch's <c>betas</c> (default 0.9).</param>
    /// <param name="beta2">Second of PyTorch's <c>betas</c> (default 0.999).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-8).</param>
    /// <param name="weightDecay">Decoupled weight decay (default 1e-2).</param>
    /// <param name="amsGrad">The AMSGrad variant.</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 1e-2f, bool amsGrad = false, bool maximize = false)
        : base(learningRate, weightDecay, AdamRule.StateNames(amsGrad))
    {
        Rule = new AdamRule(beta1, beta2, epsilon, amsGrad, maximize, decoupled: true);
        DeclareScheduledMomentum("beta1", beta1);
    }

    internal AdamRule Rule { get; }
    /// <summary>Second of PyTorch's <c>betas</c>: decay of the second-moment average.</summary>
    public float Beta2 => Rule.Beta2;
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon => Rule.Epsilon;
    /// <summary>The AMSGrad variant (PyTorch's <c>amsgrad</c>).</summary>
    public bool AmsGrad => Rule.AmsGrad;
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize => Rule.Maximize;

    private protected override void DescribeHyperparameters(Dictionary<string, double> h) => Rule.Describe(h);

    private protected override void Update(in ParameterSlice s) =>
        Rule.Update(s, Beta1, s.State(Buffer(0)), s.State(Buffer(1)), AmsGrad ? s.State(Buffer(2)) : default);
}

/// <summary>The update rule Adam and AdamW share (they differ only in where the weight decay goes).</summary>
internal sealed class AdamRule
{
    public AdamRule(float beta1, float beta2, float epsilon, bool amsGrad, bool maximize, bool decoupled)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        Optimizer.RequireNonNegative(epsilon, nameof(epsilon));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        AmsGrad = amsGrad;
        Maximize = maximize;
        Decoupled = decoupled;
    }

    /// <summary>β1 as constructed (the hyperparameter checked on reading a state); the step uses the optimizer's live β1.</summary>
    public float Beta1 { get; }
    /// <summary>Second of PyTorch's <c>betas</c>: decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }
    /// <summary>The AMSGrad variant (PyTorch's <c>amsgrad</c>).</summary>
    public bool AmsGrad { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }
    public bool Decoupled { get; }

    public static string[] StateNames(bool amsGrad) => amsGrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];

    public void Describe(Dictionary<string, double> h)
    {
        h["beta1"] = Beta1;
        h["beta2"] = Beta2;
        h["eps"] = Epsilon;
        h["amsgrad"] = AmsGrad ? 1 : 0;
        h["maximize"] = Maximize ? 1 : 0;
    }

    public void Update(in ParameterSlice s, float beta1, Span<float> m, Span<float> v, Span<float> vMax)
    {
        double lr = s.LearningRate, wd = s.WeightDecay;
        double biasCorrection1 = 1.0 - Math.Pow(beta1, s.Step);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, s.Step);
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            M = m,
            V = v,
            VMax = vMax,
            Sign = Maximize ? -1f : 1f,
            L2 = Decoupled ? 0f : (float)wd,
            Decay = Decoupled ? (float)(1.0 - lr * wd) : 1f,
            Decoupled = Decoupled,
            Beta1 = beta1,
            OneMinusBeta1 = (float)(1.0 - beta1),
            Beta2 = Beta2,
            OneMinusBeta2 = (float)(1.0 - Beta2),
            BiasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2),
            Epsilon = Epsilon,
            MinusStepSize = (float)-(lr / biasCorrection1),
            AmsGrad = AmsGrad,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, M, V, VMax;
        public ReadOnlySpan<float> G;
        public float Sign, L2, Decay, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, BiasCorrection2Sqrt, Epsilon, MinusStepSize;
        public bool Decoupled, AmsGrad;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float m = ref MemoryMarshal.GetReference(M);
            ref float v = ref MemoryMarshal.GetReference(V);
            T param = L.Load(ref p, i);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            if (L2 != 0f) g = L.FusedMultiplyAdd(param, L.Splat(L2), g);
            if (Decoupled) param = L.Multiply(param, L.Splat(Decay));
            T avg = L.FusedMultiplyAdd(g, L.Splat(OneMinusBeta1), L.Multiply(L.Load(ref m, i), L.Splat(Beta1)));
            T avgSq = L.Add(L.Multiply(L.Load(ref v, i), L.Splat(Beta2)), L.Multiply(L.Multiply(L.Splat(OneMinusBeta2), g), g));
            L.Store(ref m, i, avg);
            L.Store(ref v, i, avgSq);
            if (AmsGrad)
            {
                ref float vMax = ref MemoryMarshal.GetReference(VMax);
                avgSq = L.Max(L.Load(ref vMax, i), avgSq);
                L.Store(ref vMax, i, avgSq);
            }
            T denom = L.Add(L.Divide(L.Sqrt(avgSq), L.Splat(BiasCorrection2Sqrt)), L.Splat(Epsilon));
            S.Store<T, L>(ref p, i, L.Add(param, L.Divide(L.Multiply(L.Splat(MinusStepSize), avg), denom)));
        }
    }
}
