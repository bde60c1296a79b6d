using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// NAdam (Adam with Nesterov momentum) as <c>torch.optim.NAdam</c> (1.13, which has no <c>maximize</c>):
/// <code>
/// t = t + 1
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// μ_t = β1·(1 − ½·0.96^(t·ψ)),  μ_{t+1} = β1·(1 − ½·0.96^((t+1)·ψ))      (ψ = momentumDecay)
/// Π = Π·μ_t                                      (mu_product, a float32 per tensor as in PyTorch)
/// m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g·g
/// d = √(v / (1 − β2^t)) + ε
/// p = p − lr·(1 − μ_t)/(1 − Π) · g/d − lr·μ_{t+1}/(1 − Π·μ_{t+1}) · m/d
/// </code>
/// </summary>
public sealed class NAdam : Beta1Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 2e-3).</param>
    /// <param name="beta1">First of PyTorch's <c>betas</c> (default 0.9).</param>
    /// <param name="beta2">Second of PyTorch's <c>betas</c> (default 0.999).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="momentumDecay">PyTorch's <c>momentum_decay</c> ψ (default 4e-3).</param>
    public NAdam(float learningRate = 2e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, float momentumDecay = 4e-3f)
        : base(learningRate, weightDecay, ["exp_avg", "exp_avg_sq"], ["mu_product"])
    {
        RequireUnitInterval(beta1, nameof(beta1));
        RequireUnitInterval(beta2, nameof(beta2));
        RequireNonNegative(epsilon, nameof(epsilon));
        RequireNonNegative(momentumDecay, nameof(momentumDecay));
        _initialBeta1 = beta1;
        DeclareScheduledMomentum("beta1", beta1);
        Beta2 = beta2;
        Epsilon = epsilon;
        MomentumDecay = momentumDecay;
    }

    private readonly float _initialBeta1;

    /// <summary>Second of PyTorch's <c>betas</c>: decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }
    /// <summary>PyTorch's <c>momentum_decay</c> ψ.</summary>
    public float MomentumDecay { get; }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["beta1"] = _initialBeta1;
        h["beta2"] = Beta2;
        h["eps"] = Epsilon;
        h["momentum_decay"] = MomentumDecay;
    }

    private protected override void InitializeParameter(OptimizedParameter parameter) => parameter.Scalars[0] = 1.0;

    // mu_product advances once per step for the whole tensor (before its update, which may run as several ranges).
    private protected override void BeginTensorStep(OptimizedParameter parameter)
    {
        double step = parameter.StepCount;
        double mu = Beta1 * (1.0 - 0.5 * Math.Pow(0.96, step * MomentumDecay));
        double muNext = Beta1 * (1.0 - 0.5 * Math.Pow(0.96, (step + 1) * MomentumDecay));
        // mu_product is a float32 tensor in PyTorch: each product rounds to float.
        float muProduct = (float)parameter.Scalars[0] * (float)mu;
        float muProductNext = muProduct * (float)mu * (float)muNext;
        parameter.Scalars[0] = muProduct;
        parameter.StepValues[0] = mu;
        parameter.StepValues[1] = muNext;
        parameter.StepValues[2] = muProduct;
        parameter.StepValues[3] = muProductNext;
    }

    private protected override void Update(in ParameterSlice s)
    {
        double step = s.Step, lr = s.LearningRate;
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, step);
        double[] values = s.Parameter.StepValues;
        double mu = values[0], muNext = values[1];
        float muProduct = (float)values[2], muProductNext = (float)values[3];
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
            BiasCorrection2 = (float)biasCorrection2,
            Epsilon = Epsilon,
            GradientFactor = (float)(-lr * (1.0 - mu) / (1.0 - muProduct)),
            MomentumFactor = (float)(-lr * muNext / (1.0 - muProductNext)),
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, M, V;
        public ReadOnlySpan<float> G;
        public float WeightDecay, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, BiasCorrection2, Epsilon, GradientFactor, MomentumFactor;

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
            T denom = L.Add(L.Sqrt(L.Divide(avgSq, L.Splat(BiasCorrection2))), L.Splat(Epsilon));
            param = L.Add(param, L.Divide(L.Multiply(L.Splat(GradientFactor), g), denom));
            S.Store<T, L>(ref p, i, L.Add(param, L.Divide(L.Multiply(L.Splat(MomentumFactor), avg), denom)));
        }
    }
}
