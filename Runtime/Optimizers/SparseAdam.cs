using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compiled.Kernels;
using Compiled.Optimizers.Kernels;

namespace Compiled.Optimizers;

/// <summary>
/// SparseAdam as <c>torch.optim.SparseAdam</c> (1.13): Adam that updates only the rows that received a gradient this
/// step, leaving the parameters and moment estimates of every other row untouched (no decay), as for an embedding
/// table where a batch looks up few rows. A row is a tensor's slice along its first dimension
/// (<see cref="OptimizedParameter.RowLength"/>, from the network's parameter table), or <c>rowLength</c> floats of the
/// whole buffer when no table was given; it "received a gradient" when any of its gradients is non-zero. For a touched row:
/// <code>
/// m = m + (1 − β1)·(g − m);  v = v + (1 − β2)·(g·g − v)
/// p = p − lr·√(1 − β2^t)/(1 − β1^t) · m / (√v + ε)
/// </code>
/// with t counting every step (as PyTorch's per-tensor step). No weight decay, as in PyTorch.
/// </summary>
public sealed class SparseAdam : Beta1Optimizer
{
    private readonly int _rowLength;

    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1e-3).</param>
    /// <param name="beta1">First of PyTorch's <c>betas</c> (default 0.9).</param>
    /// <param name="beta2">Second of PyTorch's <c>betas</c> (default 0.999).</param>
    /// <param name="epsilon">PyTorch's <c>eps</c> (default 1e-8).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <param name="rowLength">Floats per row when no parameter table is given (1: every element is its own row). With a table, each tensor's rows are its shape's.</param>
    public SparseAdam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, bool maximize = false, int rowLength = 1)
        : base(learningRate, 0f, ["exp_avg", "exp_avg_sq"])
    {
        RequireUnitInterval(beta1, nameof(beta1));
        RequireUnitInterval(beta2, nameof(beta2));
        RequireNonNegative(epsilon, nameof(epsilon));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowLength);
        _initialBeta1 = beta1;
        DeclareScheduledMomentum("beta1", beta1);
        Beta2 = beta2;
        Epsilon = epsilon;
        Maximize = maximize;
        _rowLength = rowLength;
    }

    private readonly float _initialBeta1;

    /// <summary>Second of PyTorch's <c>betas</c>: decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>PyTorch's <c>eps</c>, added to the denominator for stability.</summary>
    public float Epsilon { get; }
    /// <summary>Maximize the objective instead of minimizing it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; }
    /// <summary>Floats per row when no parameter table is given.</summary>
    public int RowLength => _rowLength;

    // Not split into ranges: it updates whole rows with a non-zero gradient.
    private protected override bool ElementwiseUpdate => false;

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["beta1"] = _initialBeta1;
        h["beta2"] = Beta2;
        h["eps"] = Epsilon;
        h["maximize"] = Maximize ? 1 : 0;
        h["row_length"] = _rowLength;
    }

    private protected override int DefaultRowLength(int parameterCount)
    {
        if (parameterCount % _rowLength != 0)
            throw new ArgumentException($"The buffer's {parameterCount} floats are not whole rows of {_rowLength}.", "parameters");
        return _rowLength;
    }

    private protected override void Update(in ParameterSlice s)
    {
        double biasCorrection1 = 1.0 - Math.Pow(Beta1, s.Step);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, s.Step);
        double stepSize = s.LearningRate * Math.Sqrt(biasCorrection2) / biasCorrection1;
        Span<float> m = s.State(Buffer(0)), v = s.State(Buffer(1));
        int row = s.Parameter.RowLength;
        for (int start = 0; start < s.Length; start += row)
        {
            ReadOnlySpan<float> g = s.Gradients.Slice(start, row);
            Span<float> zero = s.Zero.IsEmpty ? default : s.Zero.Slice(start, row);
            if (!AnyNonZero(g))
            {
                zero.Clear();   // −0 becomes +0, as a cleared gradient
                continue;
            }
            var k = new Kernel
            {
                P = s.Parameters.Slice(start, row),
                G = g,
                M = m.Slice(start, row),
                V = v.Slice(start, row),
                Sign = Maximize ? -1f : 1f,
                OneMinusBeta1 = (float)(1.0 - Beta1),
                OneMinusBeta2 = (float)(1.0 - Beta2),
                Epsilon = Epsilon,
                MinusStepSize = (float)-stepSize,
            };
            UpdateDriver.Run(ref k, row, zero, s.Width);
        }
    }

    /// <summary>True when any value is not ±0 (NaN counts as non-zero, as in <c>to_sparse</c>).</summary>
    internal static bool AnyNonZero(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<float>.Count <= values.Length; i += Vector<float>.Count)
                if (!Vector.EqualsAll(new Vector<float>(values.Slice(i)), Vector<float>.Zero)) return true;
        }
        for (; i < values.Length; i++)
            if (values[i] != 0f) return true;
        return false;
    }

    private ref struct Kernel : IUpdateKernel
    {
        public Span<float> P, M, V;
        public ReadOnlySpan<float> G;
        public float Sign, OneMinusBeta1, OneMinusBeta2, Epsilon, MinusStepSize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T, L, S>(int i) where T : struct where L : struct, ILane<T> where S : struct, IParameterStore
        {
            ref float p = ref MemoryMarshal.GetReference(P);
            ref float m = ref MemoryMarshal.GetReference(M);
            ref float v = ref MemoryMarshal.GetReference(V);
            T g = L.Multiply(L.Load(ref MemoryMarshal.GetReference(G), i), L.Splat(Sign));
            T oldM = L.Load(ref m, i), oldV = L.Load(ref v, i);
            T updateM = L.Multiply(L.Subtract(g, oldM), L.Splat(OneMinusBeta1));
            T updateV = L.Multiply(L.Subtract(L.Multiply(g, g), oldV), L.Splat(OneMinusBeta2));
            T avg = L.Add(oldM, updateM);
            T avgSq = L.Add(oldV, updateV);
            L.Store(ref m, i, avg);
            L.Store(ref v, i, avgSq);
            T denom = L.Add(L.Sqrt(L.Add(updateV, oldV)), L.Splat(Epsilon));
            S.Store<T, L>(ref p, i, L.Add(L.Load(ref p, i), L.Multiply(L.Divide(L.Add(updateM, oldM), denom), L.Splat(MinusStepSize))));
        }
    }
}
