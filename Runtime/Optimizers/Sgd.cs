using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;
using Compiled.Schedules;

namespace Compiled.Optimizers;

/// <summary>
/// Stochastic gradient descent as <c>torch.optim.SGD</c> (1.13, single-tensor path):
/// <code>
/// g = maximize ? −g : g
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// if momentum ≠ 0:
///     b = g                                      (the tensor's first step: the buffer starts as a copy of g)
///     b = momentum·b + (1 − dampening)·g          (later steps)
///     g = nesterov ? g + momentum·b : b
/// p = p − lr·g
/// </code>
/// Additions with a factor are fused multiply-adds, as ATen's <c>add(alpha)</c> is. The momentum may change between steps
/// (<see cref="Momentum"/>; <see cref="OneCycleLR"/> cycles it), as torch's <c>group["momentum"]</c>.
/// </summary>
public sealed class Sgd : Optimizer, IScheduledMomentum
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (SGD has no default there; a value is required).</param>
    /// <param name="momentum">Momentum factor (default 0).</param>
    /// <param name="dampening">Dampening of the momentum (default 0).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0 and no dampening).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public Sgd(float learningRate, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false, bool maximize = false)
        : base(learningRate, weightDecay, momentum != 0f ? ["momentum_buffer"] : [])
    {
        RequireNonNegative(momentum, nameof(momentum));
        RequireNonNegative(dampening, nameof(dampening));
        if (nesterov && (momentum <= 0f || dampening != 0f))
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening (as torch.optim.SGD).", nameof(nesterov));
        _initialMomentum = momentum;
        DeclareScheduledMomentum("momentum", momentum);
        Dampening = dampening;
        Nesterov = nesterov;
        Maximize = maximize;
    }

    private readonly float _initialMomentum;

    /// <summary>
    /// Momentum factor (PyTorch's <c>group["momentum"]</c>), saved with the state. It may be set between steps; a non-zero
    /// value on an optimizer built with momentum 0 is possible only before the first step (it adds the momentum buffer).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or not finite.</exception>
    /// <exception cref="InvalidOperationException">Non-zero after a first step taken without a momentum buffer.</exception>
    public float Momentum
    {
        get => ScheduledValue;
        set => ScheduledValue = value;
    }

    /// <summary>The momentum (<see cref="Momentum"/>), as <see cref="OneCycleLR"/> cycles it (torch's <c>cycle_momentum</c> for SGD).</summary>
    float IScheduledMomentum.ScheduledMomentum
    {
        get => Momentum;
        set => Momentum = value;
    }

    private protected override string? MomentumBufferName => "momentum_buffer";
    /// <summary>Dampening of the momentum (PyTorch's <c>dampening</c>).</summary>
    public float Dampening { get; }
    /// <summary>Nesterov momentum (PyTorch's <c>nesterov</c>).</summary>
    public bool Nesterov { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["momentum"] = _initialMomentum;
        h["dampening"] = Dampening;
        h["nesterov"] = Nesterov ? 1 : 0;
        h["maximize"] = Maximize ? 1 : 0;
    }

    private protected override void Update(in ParameterSlice s)
    {
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            B = Momentum != 0f ? s.State(Buffer(0)) : default,
            Sign = Maximize ? -1f : 1f,
            WeightDecay = s.WeightDecay,
            Momentum = Momentum,
            Keep = (float)(1.0 - Dampening),
            MinusLr = (float)-(double)s.LearningRate,
            First = s.Step == 1,
            Nesterov = Nesterov,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P;
        public ReadOnlySpan<float> G;
        public Span<float> B;   // momentum buffer, empty without momentum
        public float Sign, WeightDecay, Momentum, Keep, MinusLr;
        public bool First, Nesterov;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            T param = L.Load(ref p, i);
            T d = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            if (WeightDecay != 0f) d = L.FusedMultiplyAdd(param, L.Splat(WeightDecay), d);
            if (Momentum != 0f)
            {
                ref float b = ref MemoryMarshal.GetReference(B);
                T buf = First ? d : L.FusedMultiplyAdd(d, L.Splat(Keep), L.Multiply(L.Load(ref b, i), L.Splat(Momentum)));
                L.Store(ref b, i, buf);
                d = Nesterov ? L.FusedMultiplyAdd(buf, L.Splat(Momentum), d) : buf;
            }
            S.Store<T, L>(ref p, i, L.FusedMultiplyAdd(d, L.Splat(MinusLr), param));
        }
    }
}
