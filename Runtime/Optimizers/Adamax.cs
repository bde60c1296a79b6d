using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// Adamax (Adam with the infinity norm) as <c>torch.optim.Adamax</c> (1.13):
/// <code>
/// t = t + 1
/// g = maximize ? −g : g
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// m = β1·m + (1 − β1)·g
/// u = max(β2·u, |g| + ε)                         (exp_inf)
/// p = p − lr / (1 − β1^t) · m / u
/// </code>
/// </summary>
public sealed class Adamax : Beta1Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 2e-3).</param>
    /// <param name="beta1">First of PyTorch's <c>betas</c> (default 0.9).</param>
    /// <param name="beta2">Second of PyTorch's <c>betas</c> (default 0.999).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public Adamax(float learningRate = 2e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool maximize = false)
        : base(learningRate, weightDecay, ["exp_avg", "exp_inf"])
    {
        RequireUnitInterval(beta1, nameof(beta1));
        RequireUnitInterval(beta2, nameof(beta2));
        RequireNonNegative(epsilon, nameof(epsilon));
        _initialBeta1 = beta1;
        DeclareScheduledMomentum("beta1", beta1);
        Beta2 = beta2;
        Epsilon = epsilon;
        Maximize = maximize;
    }

    private readonly float _initialBeta1;

    /// <summary>Second of PyTorch's <c>betas</c>: decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["beta1"] = _initialBeta1;
        h["beta2"] = Beta2;
        h["eps"] = Epsilon;
        h["maximize"] = Maximize ? 1 : 0;
    }

    private protected override void Update(in ParameterSlice s)
    {
        double clr = s.LearningRate / (1.0 - Math.Pow(Beta1, s.Step));
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            M = s.State(Buffer(0)),
            U = s.State(Buffer(1)),
            Sign = Maximize ? -1f : 1f,
            WeightDecay = s.WeightDecay,
            Beta1 = Beta1,
            OneMinusBeta1 = (float)(1.0 - Beta1),
            Beta2 = Beta2,
            Epsilon = Epsilon,
            MinusClr = (float)-clr,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, M, U;
        public ReadOnlySpan<float> G;
        public float Sign, WeightDecay, Beta1, OneMinusBeta1, Beta2, Epsilon, MinusClr;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float m = ref MemoryMarshal.GetReference(M);
            ref float u = ref MemoryMarshal.GetReference(U);
            T param = L.Load(ref p, i);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            if (WeightDecay != 0f) g = L.FusedMultiplyAdd(param, L.Splat(WeightDecay), g);
            T avg = L.FusedMultiplyAdd(g, L.Splat(OneMinusBeta1), L.Multiply(L.Load(ref m, i), L.Splat(Beta1)));
            L.Store(ref m, i, avg);
            T inf = L.Max(L.Multiply(L.Load(ref u, i), L.Splat(Beta2)), L.Add(L.Abs(g), L.Splat(Epsilon)));
            L.Store(ref u, i, inf);
            S.Store<T, L>(ref p, i, L.Add(param, L.Divide(L.Multiply(L.Splat(MinusClr), avg), inf)));
        }
    }
}
