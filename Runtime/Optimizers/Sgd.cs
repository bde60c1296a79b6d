using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Compiled.Optimizers;

/// <summary>
/// Stochastic gradient descent exactly as <c>torch.optim.SGD</c>:
/// <code>
/// d = g + weightDecay·p
/// if momentum ≠ 0:
///     b = d                                   (first step: the buffer starts as a copy of d)
///     b = momentum·b + (1 − dampening)·d       (later steps)
///     d = nesterov ? d + momentum·b : b
/// p = p − lr·d
/// </code>
/// </summary>
public sealed class Sgd : Optimizer
{
    private float[]? _momentumBuffer;

    public Sgd(float learningRate, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(learningRate)
    {
        RequireNonNegative(momentum, nameof(momentum));
        RequireNonNegative(dampening, nameof(dampening));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0f || dampening != 0f))
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening (as torch.optim.SGD).", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
    }

    public float Momentum { get; }
    public float Dampening { get; }
    public float WeightDecay { get; }
    public bool Nesterov { get; }

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => Run(parameters, gradients, default);

    /// <inheritdoc/>
    public override void StepAndZeroGradients(Span<float> parameters, Span<float> gradients) => Run(parameters, gradients, gradients);

    // zero: empty, or the gradients themselves (cleared as they are read).
    private void Run(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> zero)
    {
        long step = BeginStep(parameters.Length, gradients.Length);
        if (Momentum == 0f)
            Update(parameters, gradients, LearningRate, WeightDecay, zero);
        else
            UpdateWithMomentum(parameters, gradients, _momentumBuffer, step == 1, LearningRate, Momentum, Dampening, WeightDecay, Nesterov, zero);
    }

    protected override void CreateState(int parameterCount)
    {
        if (Momentum != 0f)
            _momentumBuffer = AddState("momentum_buffer", parameterCount);
    }

    protected override void OnStateCleared() => _momentumBuffer = null;

    // p [n], g [n]: p = p − lr·(g + wd·p). Additions with a factor are fused, as ATen's add(alpha) is.
    // zero: empty, or g itself, set to 0 once read (fused ZeroGradients).
    internal static void Update(Span<float> p, ReadOnlySpan<float> g, float lr, float wd, Span<float> zero = default)
    {
        bool clear = !zero.IsEmpty;
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            Span<Vector<float>> zv = clear ? MemoryMarshal.Cast<float, Vector<float>>(zero[..p.Length]) : default;
            var wdv = new Vector<float>(wd);
            var minusLr = new Vector<float>(-lr);
            for (int v = 0; v < pv.Length; v++)
            {
                Vector<float> d = Vector.FusedMultiplyAdd(pv[v], wdv, gv[v]);
                if (clear) zv[v] = Vector<float>.Zero;
                pv[v] = Vector.FusedMultiplyAdd(d, minusLr, pv[v]);
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++)
        {
            float d = MathF.FusedMultiplyAdd(p[i], wd, g[i]);
            if (clear) zero[i] = 0f;
            p[i] = MathF.FusedMultiplyAdd(d, -lr, p[i]);
        }
    }

    // p [n], g [n], b [n] (momentum buffer); zero: empty, or g itself, set to 0 once read.
    internal static void UpdateWithMomentum(Span<float> p, ReadOnlySpan<float> g, Span<float> b, bool first,
        float lr, float momentum, float dampening, float wd, bool nesterov, Span<float> zero = default)
    {
        bool clear = !zero.IsEmpty;
        float keep = 1f - dampening;
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            Span<Vector<float>> bv = MemoryMarshal.Cast<float, Vector<float>>(b[..p.Length]);
            Span<Vector<float>> zv = clear ? MemoryMarshal.Cast<float, Vector<float>>(zero[..p.Length]) : default;
            var wdv = new Vector<float>(wd);
            var mv = new Vector<float>(momentum);
            var keepv = new Vector<float>(keep);
            var minusLr = new Vector<float>(-lr);
            for (int v = 0; v < pv.Length; v++)
            {
                Vector<float> d = Vector.FusedMultiplyAdd(pv[v], wdv, gv[v]);
                if (clear) zv[v] = Vector<float>.Zero;
                Vector<float> buf = first ? d : Vector.FusedMultiplyAdd(d, keepv, bv[v] * mv);
                bv[v] = buf;
                d = nesterov ? Vector.FusedMultiplyAdd(buf, mv, d) : buf;
                pv[v] = Vector.FusedMultiplyAdd(d, minusLr, pv[v]);
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++)
        {
            float d = MathF.FusedMultiplyAdd(p[i], wd, g[i]);
            if (clear) zero[i] = 0f;
            float buf = first ? d : MathF.FusedMultiplyAdd(d, keep, b[i] * momentum);
            b[i] = buf;
            d = nesterov ? MathF.FusedMultiplyAdd(buf, momentum, d) : buf;
            p[i] = MathF.FusedMultiplyAdd(d, -lr, p[i]);
        }
    }
}
