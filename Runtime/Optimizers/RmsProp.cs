using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// RMSprop as <c>torch.optim.RMSprop</c> (1.13):
/// <code>
/// g = maximize ? −g : g
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// v = α·v + (1 − α)·g·g                          (square_avg)
/// centered: ḡ = α·ḡ + (1 − α)·g;  a = √(v − ḡ·ḡ) + ε      (grad_avg)
/// else:     a = √v + ε
/// momentum &gt; 0: b = momentum·b + g / a;  p = p − lr·b   (momentum_buffer)
/// else:          p = p − lr·g / a
/// </code>
/// </summary>
public sealed class RmsProp : Optimizer, Compiled.Schedules.IScheduledMomentum
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1e-2).</param>
    /// <param name="alpha">Smoothing constant (default 0.99).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="momentum">Momentum factor (default 0).</param>
    /// <param name="centered">Normalize by the estimated variance of the gradient instead of its second moment.</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public RmsProp(float learningRate = 1e-2f, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f, float momentum = 0f, bool centered = false, bool maximize = false)
        : base(learningRate, weightDecay, Names(momentum, centered))
    {
        RequireNonNegative(alpha, nameof(alpha));
        RequireNonNegative(epsilon, nameof(epsilon));
        RequireNonNegative(momentum, nameof(momentum));
        Alpha = alpha;
        Epsilon = epsilon;
        _initialMomentum = momentum;
        DeclareScheduledMomentum("momentum", momentum);
        Centered = centered;
        Maximize = maximize;
    }

    /// <summary>PyTorch's <c>alpha</c>.</summary>
    public float Alpha { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }
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

    /// <summary>The momentum (<see cref="Momentum"/>), as <see cref="Schedules.OneCycleLR"/> cycles it (torch's <c>cycle_momentum</c> for RMSprop).</summary>
    float Compiled.Schedules.IScheduledMomentum.ScheduledMomentum
    {
        get => Momentum;
        set => Momentum = value;
    }

    private protected override string? MomentumBufferName => "momentum_buffer";

    private protected override int MomentumBufferIndex => 1;
    /// <summary>PyTorch's <c>centered</c>: normalize by the estimated variance of the gradient.</summary>
    public bool Centered { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }

    private static string[] Names(float momentum, bool centered)
    {
        var names = new List<string> { "square_avg" };
        if (momentum > 0f) names.Add("momentum_buffer");
        if (centered) names.Add("grad_avg");
        return names.ToArray();
    }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["alpha"] = Alpha;
        h["eps"] = Epsilon;
        h["momentum"] = _initialMomentum;
        h["centered"] = Centered ? 1 : 0;
        h["maximize"] = Maximize ? 1 : 0;
    }

    private protected override void Update(in ParameterSlice s)
    {
        int momentumBuffer = StateIndex("momentum_buffer");
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            V = s.State(Buffer(0)),
            B = momentumBuffer >= 0 ? s.State(Buffer(momentumBuffer)) : default,
            A = Centered ? s.State(Buffer(StateIndex("grad_avg"))) : default,
            Sign = Maximize ? -1f : 1f,
            WeightDecay = s.WeightDecay,
            Alpha = Alpha,
            OneMinusAlpha = (float)(1.0 - Alpha),
            Epsilon = Epsilon,
            Momentum = Momentum,
            MinusLr = -s.LearningRate,
            Centered = Centered,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, V, B, A;
        public ReadOnlySpan<float> G;
        public float Sign, WeightDecay, Alpha, OneMinusAlpha, Epsilon, Momentum, MinusLr;
        public bool Centered;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float v = ref MemoryMarshal.GetReference(V);
            T param = L.Load(ref p, i);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            if (WeightDecay != 0f) g = L.FusedMultiplyAdd(param, L.Splat(WeightDecay), g);
            T squareAvg = L.Add(L.Multiply(L.Load(ref v, i), L.Splat(Alpha)), L.Multiply(L.Multiply(L.Splat(OneMinusAlpha), g), g));
            L.Store(ref v, i, squareAvg);
            T avg;
            if (Centered)
            {
                ref float a = ref MemoryMarshal.GetReference(A);
                T gradAvg = L.FusedMultiplyAdd(g, L.Splat(OneMinusAlpha), L.Multiply(L.Load(ref a, i), L.Splat(Alpha)));
                L.Store(ref a, i, gradAvg);
                avg = L.Sqrt(L.Add(squareAvg, L.Multiply(L.Multiply(L.Splat(-1f), gradAvg), gradAvg)));
            }
            else
            {
                avg = L.Sqrt(squareAvg);
            }
            avg = L.Add(avg, L.Splat(Epsilon));
            if (Momentum > 0f)
            {
                ref float b = ref MemoryMarshal.GetReference(B);
                T buf = L.Add(L.Multiply(L.Load(ref b, i), L.Splat(Momentum)), L.Divide(g, avg));
                L.Store(ref b, i, buf);
                S.Store<T, L>(ref p, i, L.FusedMultiplyAdd(buf, L.Splat(MinusLr), param));
            }
            else
            {
                S.Store<T, L>(ref p, i, L.Add(param, L.Divide(L.Multiply(L.Splat(MinusLr), g), avg)));
            }
        }
    }
}
