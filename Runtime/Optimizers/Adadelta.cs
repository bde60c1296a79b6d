using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// Adadelta as <c>torch.optim.Adadelta</c> (1.13):
/// <code>
/// g = maximize ? −g : g
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// v = ρ·v + (1 − ρ)·g·g                          (square_avg)
/// δ = √(u + ε) / √(v + ε) · g
/// u = ρ·u + (1 − ρ)·δ·δ                          (acc_delta)
/// p = p − lr·δ
/// </code>
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c>, a factor on the step (default 1.0).</param>
    /// <param name="rho">Decay of the running averages (default 0.9).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-6).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public Adadelta(float learningRate = 1.0f, float rho = 0.9f, float epsilon = 1e-6f, float weightDecay = 0f, bool maximize = false)
        : base(learningRate, weightDecay, ["square_avg", "acc_delta"])
    {
        RequireUnitInterval(rho, nameof(rho), closedAtOne: true);
        RequireNonNegative(epsilon, nameof(epsilon));
        Rho = rho;
        Epsilon = epsilon;
        Maximize = maximize;
    }

    /// <summary>PyTorch's <c>rho</c>: decay of the running averages.</summary>
    public float Rho { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["rho"] = Rho;
        h["eps"] = Epsilon;
        h["maximize"] = Maximize ? 1 : 0;
    }

    private protected override void Update(in ParameterSlice s)
    {
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            V = s.State(Buffer(0)),
            U = s.State(Buffer(1)),
            Sign = Maximize ? -1f : 1f,
            WeightDecay = s.WeightDecay,
            Rho = Rho,
            OneMinusRho = (float)(1.0 - Rho),
            Epsilon = Epsilon,
            MinusLr = -s.LearningRate,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, V, U;
        public ReadOnlySpan<float> G;
        public float Sign, WeightDecay, Rho, OneMinusRho, Epsilon, MinusLr;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float v = ref MemoryMarshal.GetReference(V);
            ref float u = ref MemoryMarshal.GetReference(U);
            T param = L.Load(ref p, i);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            if (WeightDecay != 0f) g = L.FusedMultiplyAdd(param, L.Splat(WeightDecay), g);
            T squareAvg = L.Add(L.Multiply(L.Load(ref v, i), L.Splat(Rho)), L.Multiply(L.Multiply(L.Splat(OneMinusRho), g), g));
            L.Store(ref v, i, squareAvg);
            T std = L.Sqrt(L.Add(squareAvg, L.Splat(Epsilon)));
            T accDelta = L.Load(ref u, i);
            T delta = L.Multiply(L.Divide(L.Sqrt(L.Add(accDelta, L.Splat(Epsilon))), std), g);
            L.Store(ref u, i, L.Add(L.Multiply(accDelta, L.Splat(Rho)), L.Multiply(L.Multiply(L.Splat(OneMinusRho), delta), delta)));
            S.Store<T, L>(ref p, i, L.FusedMultiplyAdd(delta, L.Splat(MinusLr), param));
        }
    }
}
