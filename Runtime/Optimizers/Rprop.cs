using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// Resilient backpropagation as <c>torch.optim.Rprop</c> (1.13; no weight decay there). Each element keeps its own step
/// size (starting at the group's lr) and the previous gradient:
/// <code>
/// g = maximize ? −g : g
/// s = g·prev &gt; 0 ? etaPlus : g·prev &lt; 0 ? etaMinus : 1
/// step = clamp(step·s, stepSizeMin, stepSizeMax)
/// g = g·prev &lt; 0 ? 0 : g                        (after a sign change, no move and no memory)
/// p = p − sign(g)·step;  prev = g
/// </code>
/// </summary>
public sealed class Rprop : Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c>: the initial step size (default 1e-2).</param>
    /// <param name="etaMinus">First of PyTorch's <c>etas</c>: the decrease factor, in (0, 1) (default 0.5).</param>
    /// <param name="etaPlus">Second of PyTorch's <c>etas</c>: the increase factor, &gt; 1 (default 1.2).</param>
    /// <param name="stepSizeMin">First of PyTorch's <c>step_sizes</c> (default 1e-6).</param>
    /// <param name="stepSizeMax">Second of PyTorch's <c>step_sizes</c> (default 50).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public Rprop(float learningRate = 1e-2f, float etaMinus = 0.5f, float etaPlus = 1.2f, float stepSizeMin = 1e-6f, float stepSizeMax = 50f, bool maximize = false)
        : base(learningRate, 0f, ["prev", "step_size"])
    {
        if (!(etaMinus > 0f && etaMinus < 1f && etaPlus > 1f && float.IsFinite(etaPlus)))
            throw new ArgumentOutOfRangeException(nameof(etaMinus), $"The etas must satisfy 0 < etaMinus < 1 < etaPlus (got {etaMinus}, {etaPlus}).");
        RequireNonNegative(stepSizeMin, nameof(stepSizeMin));
        RequireNonNegative(stepSizeMax, nameof(stepSizeMax));
        if (stepSizeMin > stepSizeMax)
            throw new ArgumentOutOfRangeException(nameof(stepSizeMin), $"stepSizeMin ({stepSizeMin}) is above stepSizeMax ({stepSizeMax}).");
        EtaMinus = etaMinus;
        EtaPlus = etaPlus;
        StepSizeMin = stepSizeMin;
        StepSizeMax = stepSizeMax;
        Maximize = maximize;
    }

    /// <summary>First of PyTorch's <c>etas</c>: the step-size decrease factor.</summary>
    public float EtaMinus { get; }
    /// <summary>Second of PyTorch's <c>etas</c>: the step-size increase factor.</summary>
    public float EtaPlus { get; }
    /// <summary>First of PyTorch's <c>step_sizes</c>: the smallest step size.</summary>
    public float StepSizeMin { get; }
    /// <summary>Second of PyTorch's <c>step_sizes</c>: the largest step size.</summary>
    public float StepSizeMax { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["eta_minus"] = EtaMinus;
        h["eta_plus"] = EtaPlus;
        h["step_size_min"] = StepSizeMin;
        h["step_size_max"] = StepSizeMax;
        h["maximize"] = Maximize ? 1 : 0;
    }

    private protected override void InitializeParameter(OptimizedParameter parameter) =>
        Buffer(1).AsSpan(parameter.Offset, parameter.Length).Fill(parameter.Group.LearningRate);

    private protected override void Update(in ParameterSlice s)
    {
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            Prev = s.State(Buffer(0)),
            StepSize = s.State(Buffer(1)),
            Sign = Maximize ? -1f : 1f,
            EtaMinus = EtaMinus,
            EtaPlus = EtaPlus,
            Min = StepSizeMin,
            Max = StepSizeMax,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, Prev, StepSize;
        public ReadOnlySpan<float> G;
        public float Sign, EtaMinus, EtaPlus, Min, Max;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float prev = ref MemoryMarshal.GetReference(Prev);
            ref float stepSize = ref MemoryMarshal.GetReference(StepSize);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            T product = L.Multiply(g, L.Load(ref prev, i));
            T zero = L.Splat(0f);
            T same = L.GreaterThan(product, zero);
            T flipped = L.LessThan(product, zero);
            T factor = L.Select(same, L.Splat(EtaPlus), L.Select(flipped, L.Splat(EtaMinus), L.Splat(1f)));
            T step = L.Min(L.Max(L.Multiply(L.Load(ref stepSize, i), factor), L.Splat(Min)), L.Splat(Max));
            L.Store(ref stepSize, i, step);
            g = L.Select(flipped, zero, g);
            // −sign(g): −1 for g > 0, +1 for g < 0, 0 otherwise.
            T minusSign = L.Select(L.GreaterThan(g, zero), L.Splat(-1f), L.Select(L.LessThan(g, zero), L.Splat(1f), zero));
            S.Store<T, L>(ref p, i, L.Add(L.Load(ref p, i), L.Multiply(minusSign, step)));
            L.Store(ref prev, i, g);
        }
    }
}
