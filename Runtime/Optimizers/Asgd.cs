using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// Averaged SGD as <c>torch.optim.ASGD</c> (1.13). Per tensor it keeps η (starting at the group's lr) and μ (starting
/// at 1), both float32 as in PyTorch, and the running average <c>ax</c>:
/// <code>
/// t = t + 1
/// g = maximize ? −g : g
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// p = p·(1 − λ·η) − η·g
/// ax = μ == 1 ? p : ax + μ·(p − ax)
/// η = lr / (1 + λ·lr·t)^α;  μ = 1 / max(1, t − t0)
/// </code>
/// The averaged parameters are <see cref="Average"/> (<c>ax</c>); the parameters themselves follow plain SGD with decay.
/// </summary>
public sealed class Asgd : Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1e-2).</param>
    /// <param name="lambda">PyTorch's <c>lambd</c>, the decay term (default 1e-4).</param>
    /// <param name="alpha">Power for the η update (default 0.75).</param>
    /// <param name="t0">The step at which averaging starts (default 1e6).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public Asgd(float learningRate = 1e-2f, float lambda = 1e-4f, float alpha = 0.75f, float t0 = 1e6f, float weightDecay = 0f, bool maximize = false)
        : base(learningRate, weightDecay, ["ax"], ["eta", "mu"])
    {
        RequireNonNegative(lambda, nameof(lambda));
        if (!float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be finite.");
        if (!float.IsFinite(t0)) throw new ArgumentOutOfRangeException(nameof(t0), t0, "t0 must be finite.");
        Lambda = lambda;
        Alpha = alpha;
        T0 = t0;
        Maximize = maximize;
    }

    /// <summary>PyTorch's <c>lambd</c>: the decay term.</summary>
    public float Lambda { get; }
    /// <summary>PyTorch's <c>alpha</c>.</summary>
    public float Alpha { get; }
    /// <summary>PyTorch's <c>t0</c>: the step at which averaging starts.</summary>
    public float T0 { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }

    /// <summary>The averaged parameters (<c>ax</c>), or null before the first step.</summary>
    public float[]? Average => StateBuffer("ax");

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["lambd"] = Lambda;
        h["alpha"] = Alpha;
        h["t0"] = T0;
        h["maximize"] = Maximize ? 1 : 0;
    }

    private protected override void InitializeParameter(OptimizedParameter parameter)
    {
        parameter.Scalars[0] = parameter.Group.LearningRate;   // eta = torch.tensor(lr): float32
        parameter.Scalars[1] = 1.0;                            // mu
    }

    // The step uses eta and mu as they are, then advances them for the next step, once for the whole tensor (before its
    // update, which may run as several ranges).
    private protected override void BeginTensorStep(OptimizedParameter parameter)
    {
        double lr = parameter.Group.LearningRate, step = parameter.StepCount;
        parameter.StepValues[0] = parameter.Scalars[0];
        parameter.StepValues[1] = parameter.Scalars[1];
        parameter.Scalars[0] = (float)(lr / Math.Pow(1.0 + Lambda * lr * step, Alpha));
        parameter.Scalars[1] = (float)(1.0 / Math.Max(1.0, step - T0));
    }

    private protected override void Update(in ParameterSlice s)
    {
        double eta = s.Parameter.StepValues[0], mu = s.Parameter.StepValues[1];
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            Ax = s.State(Buffer(0)),
            Sign = Maximize ? -1f : 1f,
            WeightDecay = s.WeightDecay,
            Decay = (float)(1.0 - Lambda * eta),
            MinusEta = (float)-eta,
            Mu = (float)mu,
            Copy = mu == 1.0,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, Ax;
        public ReadOnlySpan<float> G;
        public float Sign, WeightDecay, Decay, MinusEta, Mu;
        public bool Copy;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float ax = ref MemoryMarshal.GetReference(Ax);
            T param = L.Load(ref p, i);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            if (WeightDecay != 0f) g = L.FusedMultiplyAdd(param, L.Splat(WeightDecay), g);
            param = L.FusedMultiplyAdd(g, L.Splat(MinusEta), L.Multiply(param, L.Splat(Decay)));
            S.Store<T, L>(ref p, i, param);
            if (Copy)
            {
                L.Store(ref ax, i, param);
            }
            else
            {
                T average = L.Load(ref ax, i);
                L.Store(ref ax, i, L.Add(average, L.Multiply(L.Subtract(param, average), L.Splat(Mu))));
            }
        }
    }
}
