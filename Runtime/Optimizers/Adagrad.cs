using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// Adagrad as <c>torch.optim.Adagrad</c> (1.13, dense gradients):
/// <code>
/// t = t + 1
/// g = maximize ? −g : g
/// g = g + weightDecay·p                          (when weightDecay ≠ 0)
/// clr = lr / (1 + (t − 1)·lrDecay)
/// sum = sum + g·g                                (sum starts at initialAccumulatorValue)
/// p = p − clr·g / (√sum + ε)
/// </code>
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1e-2).</param>
    /// <param name="learningRateDecay">PyTorch's <c>lr_decay</c> (default 0).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="initialAccumulatorValue">PyTorch's <c>initial_accumulator_value</c>: the sum's starting value (default 0).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-10).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    public Adagrad(float learningRate = 1e-2f, float learningRateDecay = 0f, float weightDecay = 0f, float initialAccumulatorValue = 0f, float epsilon = 1e-10f, bool maximize = false)
        : base(learningRate, weightDecay, ["sum"])
    {
        RequireNonNegative(learningRateDecay, nameof(learningRateDecay));
        RequireNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        RequireNonNegative(epsilon, nameof(epsilon));
        LearningRateDecay = learningRateDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
        Maximize = maximize;
    }

    /// <summary>PyTorch's <c>lr_decay</c>.</summary>
    public float LearningRateDecay { get; }
    /// <summary>PyTorch's <c>initial_accumulator_value</c>: the sum's starting value.</summary>
    public float InitialAccumulatorValue { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["lr_decay"] = LearningRateDecay;
        h["initial_accumulator_value"] = InitialAccumulatorValue;
        h["eps"] = Epsilon;
        h["maximize"] = Maximize ? 1 : 0;
    }

    private protected override void InitializeParameter(OptimizedParameter parameter) =>
        Buffer(0).AsSpan(parameter.Offset, parameter.Length).Fill(InitialAccumulatorValue);

    private protected override void Update(in ParameterSlice s)
    {
        double clr = s.LearningRate / (1.0 + (s.Step - 1) * (double)LearningRateDecay);
        var k = new Kernel
        {
            P = s.Parameters,
            G = s.Gradients,
            Sum = s.State(Buffer(0)),
            Sign = Maximize ? -1f : 1f,
            WeightDecay = s.WeightDecay,
            Epsilon = Epsilon,
            MinusClr = (float)-clr,
        };
        UpdateDriver.Run(ref k, in s);
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, Sum;
        public ReadOnlySpan<float> G;
        public float Sign, WeightDecay, Epsilon, MinusClr;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float sum = ref MemoryMarshal.GetReference(Sum);
            T param = L.Load(ref p, i);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            if (WeightDecay != 0f) g = L.FusedMultiplyAdd(param, L.Splat(WeightDecay), g);
            T s = L.Add(L.Load(ref sum, i), L.Multiply(g, g));
            L.Store(ref sum, i, s);
            T std = L.Add(L.Sqrt(s), L.Splat(Epsilon));
            S.Store<T, L>(ref p, i, L.Add(param, L.Divide(L.Multiply(L.Splat(MinusClr), g), std)));
        }
    }
}
