using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Compiled.Kernels;
using Compiled.Serialization;

namespace Compiled.Optimizers;

/// <summary>The line search <see cref="Lbfgs"/> uses (PyTorch's <c>line_search_fn</c>).</summary>
public enum LineSearch
{
    /// <summary>No line search: a fixed step of <c>lr</c> (PyTorch's <c>None</c>).</summary>
    None = 0,
    /// <summary>A line search satisfying the strong Wolfe conditions (PyTorch's <c>"strong_wolfe"</c>).</summary>
    StrongWolfe,
}

/// <summary>
/// L-BFGS as <c>torch.optim.LBFGS</c> (1.13): each <see cref="Step(Span{float}, Span{float}, Func{float})"/> runs up to
/// <c>maxIter</c> quasi-Newton iterations, calling the closure to re-evaluate the loss and the gradients. One group only,
/// as in PyTorch. Dot products are summed in double and rounded to float (PyTorch keeps them as float32 tensors); the
/// loss and step length are doubles (Python floats), and element-wise updates are fused multiply-adds as ATen's
/// <c>add(alpha)</c>.
/// </summary>
/// <remarks>
/// State (kept between steps, saved by <see cref="Optimizer.WriteState"/>): the last direction <c>d</c> and step <c>t</c>,
/// the curvature history (<c>old_dirs</c> y, <c>old_stps</c> s, <c>ro</c>, at most <c>historySize</c> pairs), <c>H_diag</c>,
/// the previous gradient and loss, and the iteration and evaluation counts. The history's vectors are allocated as it
/// fills (up to <c>historySize</c> pairs), then reused: steps allocate nothing once the history is full.
/// </remarks>
public sealed class Lbfgs : Optimizer
{
    private readonly List<float[]> _oldDirs = new();   // y_i, oldest first
    private readonly List<float[]> _oldSteps = new();  // s_i
    private readonly List<float> _ro = new();
    private readonly List<float[]> _spare = new();     // recycled history vectors
    private float[] _al = Array.Empty<float>();
    private float[] _flatGrad = Array.Empty<float>(), _y = Array.Empty<float>(), _s = Array.Empty<float>();
    private float[] _x = Array.Empty<float>(), _gNew = Array.Empty<float>(), _gPrev = Array.Empty<float>(), _g0 = Array.Empty<float>(), _g1 = Array.Empty<float>(), _g = Array.Empty<float>();
    private readonly double[] _bracket = new double[2], _bracketF = new double[2];
    private readonly float[] _bracketGtd = new float[2];
    private double _t;
    private float _hDiag = 1f;
    private double _prevLoss;
    private long _iterations;
    private long _evaluations;

    /// <param name="learningRate">PyTorch's <c>lr</c> (default 1).</param>
    /// <param name="maxIter">Iterations per step (default 20).</param>
    /// <param name="maxEval">Function evaluations per step (default maxIter·5/4).</param>
    /// <param name="toleranceGrad">Stop when max |g| ≤ this (default 1e-7).</param>
    /// <param name="toleranceChange">Stop when the step or the loss changes by less (default 1e-9).</param>
    /// <param name="historySize">Curvature pairs kept (default 100).</param>
    /// <param name="lineSearch">None (a fixed step) or strong Wolfe.</param>
    public Lbfgs(float learningRate = 1f, int maxIter = 20, int? maxEval = null, float toleranceGrad = 1e-7f, float toleranceChange = 1e-9f, int historySize = 100, LineSearch lineSearch = LineSearch.None)
        : base(learningRate, 0f, ["d", "prev_flat_grad"])
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIter);
        if (maxEval is int e) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(e, nameof(maxEval));
        RequireNonNegative(toleranceGrad, nameof(toleranceGrad));
        RequireNonNegative(toleranceChange, nameof(toleranceChange));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(historySize);
        if (!Enum.IsDefined(lineSearch)) throw new ArgumentOutOfRangeException(nameof(lineSearch), lineSearch, "Not a line search.");
        MaxIter = maxIter;
        MaxEval = maxEval ?? maxIter * 5 / 4;
        ToleranceGrad = toleranceGrad;
        ToleranceChange = toleranceChange;
        HistorySize = historySize;
        LineSearch = lineSearch;
    }

    /// <summary>PyTorch's <c>max_iter</c>: iterations per step.</summary>
    public int MaxIter { get; }
    /// <summary>PyTorch's <c>max_eval</c>: function evaluations per step.</summary>
    public int MaxEval { get; }
    /// <summary>PyTorch's <c>tolerance_grad</c>.</summary>
    public float ToleranceGrad { get; }
    /// <summary>PyTorch's <c>tolerance_change</c>.</summary>
    public float ToleranceChange { get; }
    /// <summary>PyTorch's <c>history_size</c>.</summary>
    public int HistorySize { get; }
    /// <summary>PyTorch's <c>line_search_fn</c>.</summary>
    public LineSearch LineSearch { get; }

    /// <summary>Closure evaluations so far (PyTorch's <c>func_evals</c>).</summary>
    public long FunctionEvaluations => _evaluations;

    /// <summary>Iterations so far (PyTorch's <c>n_iter</c>).</summary>
    public long Iterations => _iterations;

    /// <summary>Curvature pairs currently held.</summary>
    public int HistoryCount => _oldDirs.Count;

    // Not split into ranges: it needs the whole buffer (line search, history).
    private protected override bool ElementwiseUpdate => false;

    private protected override bool SupportsGroups => false;

    /// <summary>Not available: L-BFGS re-evaluates the loss. Use <see cref="Step(Span{float}, Span{float}, Func{float})"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients) =>
        throw new NotSupportedException("L-BFGS needs a closure that re-evaluates the loss and gradients: call Step(parameters, gradients, closure).");

    /// <inheritdoc cref="Step(Span{float}, ReadOnlySpan{float})"/>
    public override void StepAndZeroGradients(Span<float> parameters, Span<float> gradients) =>
        throw new NotSupportedException("L-BFGS needs a closure that re-evaluates the loss and gradients: call Step(parameters, gradients, closure).");

    /// <summary>
    /// One L-BFGS step (up to <see cref="MaxIter"/> iterations). <paramref name="closure"/> must recompute the loss at the
    /// current <paramref name="parameters"/>, write the gradients into <paramref name="gradients"/> (overwriting, not
    /// adding: clear them first when the network accumulates) and return the loss. Returns the loss of the first evaluation.
    /// </summary>
    /// <exception cref="ArgumentException">The buffers' lengths differ from each other or from the state's.</exception>
    public float Step(Span<float> parameters, Span<float> gradients, Func<float> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        BeginStep(parameters.Length, gradients.Length);
        int n = parameters.Length;
        float[] d = Buffer(0), prevFlatGrad = Buffer(1);
        double lr = LearningRate;

        float origLoss = closure();
        double loss = origLoss;
        int currentEvals = 1;
        _evaluations++;
        gradients.CopyTo(_flatGrad);
        if (MaxAbs(_flatGrad) <= ToleranceGrad) return origLoss;

        int nIter = 0;
        while (nIter < MaxIter)
        {
            nIter++;
            _iterations++;
            if (_iterations == 1)
            {
                for (int i = 0; i < n; i++) d[i] = -_flatGrad[i];
                ClearHistory();
                _hDiag = 1f;
            }
            else
            {
                float tf = (float)_t;
                for (int i = 0; i < n; i++)
                {
                    _y[i] = _flatGrad[i] - prevFlatGrad[i];
                    _s[i] = d[i] * tf;
                }
                float ys = Dot(_y, _s);
                if (ys > 1e-10)
                {
                    if (_oldDirs.Count == HistorySize)
                    {
                        _spare.Add(_oldDirs[0]);
                        _spare.Add(_oldSteps[0]);
                        _oldDirs.RemoveAt(0);
                        _oldSteps.RemoveAt(0);
                        _ro.RemoveAt(0);
                    }
                    float[] y = TakeSpare(n), s = TakeSpare(n);
                    _y.AsSpan().CopyTo(y);
                    _s.AsSpan().CopyTo(s);
                    _oldDirs.Add(y);
                    _oldSteps.Add(s);
                    _ro.Add(1f / ys);
                    _hDiag = ys / Dot(y, y);
                }
                // Two-loop recursion: d = −H·g.
                int numOld = _oldDirs.Count;
                for (int i = 0; i < n; i++) d[i] = -_flatGrad[i];
                for (int i = numOld - 1; i >= 0; i--)
                {
                    _al[i] = Dot(_oldSteps[i], d) * _ro[i];
                    AddScaled(d, _oldDirs[i], -_al[i]);
                }
                for (int i = 0; i < n; i++) d[i] *= _hDiag;
                for (int i = 0; i < numOld; i++)
                {
                    float be = Dot(_oldDirs[i], d) * _ro[i];
                    AddScaled(d, _oldSteps[i], _al[i] - be);
                }
            }
            _flatGrad.AsSpan().CopyTo(prevFlatGrad);
            _prevLoss = loss;

            if (_iterations == 1)
            {
                // PyTorch: min(1., 1. / |g|.sum()) * lr, where the reciprocal is a float32 tensor.
                float reciprocal = 1f / SumAbs(_flatGrad);
                _t = reciprocal < 1f ? (double)(reciprocal * (float)lr) : lr;
            }
            else
            {
                _t = lr;
            }

            float gtd = Dot(_flatGrad, d);
            if (gtd > -ToleranceChange) break;

            int lsEvals;
            bool optCond = false;
            if (LineSearch == LineSearch.StrongWolfe)
            {
                parameters.CopyTo(_x);
                (loss, _t, lsEvals) = StrongWolfe(parameters, gradients, closure, d, _t, loss, gtd);
                AddScaled(parameters, d, (float)_t);
                optCond = MaxAbs(_flatGrad) <= ToleranceGrad;
            }
            else
            {
                AddScaled(parameters, d, (float)_t);
                lsEvals = 0;
                if (nIter != MaxIter)
                {
                    loss = closure();
                    gradients.CopyTo(_flatGrad);
                    optCond = MaxAbs(_flatGrad) <= ToleranceGrad;
                    lsEvals = 1;
                }
            }
            currentEvals += lsEvals;
            _evaluations += lsEvals;

            if (nIter == MaxIter) break;
            if (currentEvals >= MaxEval) break;
            if (optCond) break;
            float tf2 = (float)_t;
            float maxStep = 0f;
            for (int i = 0; i < n; i++) maxStep = MathF.Max(maxStep, MathF.Abs(d[i] * tf2));
            if (maxStep <= ToleranceChange) break;
            if (Math.Abs(loss - _prevLoss) < ToleranceChange) break;
        }
        return origLoss;
    }

    // Evaluates the loss and gradient at x + t·d into `into`, then restores the parameters to x.
    private double Evaluate(Span<float> parameters, Span<float> gradients, Func<float> closure, float[] d, double t, float[] into)
    {
        float tf = (float)t;
        _x.AsSpan().CopyTo(parameters);
        VectorOps.AddScaled(d, tf, parameters);
        double f = closure();
        gradients.CopyTo(into);
        _x.AsSpan().CopyTo(parameters);
        return f;
    }

    // PyTorch's _strong_wolfe; on return _flatGrad holds the gradient at the chosen step.
    private (double Loss, double T, int Evals) StrongWolfe(Span<float> parameters, Span<float> gradients, Func<float> closure, float[] d,
        double t, double f, float gtd, double c1 = 1e-4, double c2 = 0.9, int maxLs = 25)
    {
        double tolerance = ToleranceChange;
        float dNorm = MaxAbs(d);
        _flatGrad.AsSpan().CopyTo(_g);                 // g (a clone of the gradient at x)
        double fNew = Evaluate(parameters, gradients, closure, d, t, _gNew);
        int evals = 1;
        float gtdNew = Dot(_gNew, d);

        double tPrev = 0, fPrev = f;
        float gtdPrev = gtd;
        _g.AsSpan().CopyTo(_gPrev);
        bool done = false;
        int lsIter = 0;
        double[] bracket = _bracket, bracketF = _bracketF;
        float[] bracketGtd = _bracketGtd;
        int bracketCount = 0;
        // bracket_g lives in _g0 / _g1.
        while (lsIter < maxLs)
        {
            if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev))
            {
                (bracket[0], bracket[1]) = (tPrev, t);
                (bracketF[0], bracketF[1]) = (fPrev, fNew);
                _gPrev.AsSpan().CopyTo(_g0);
                _gNew.AsSpan().CopyTo(_g1);
                (bracketGtd[0], bracketGtd[1]) = (gtdPrev, gtdNew);
                bracketCount = 2;
                break;
            }
            if (Math.Abs(gtdNew) <= -c2 * gtd)
            {
                bracket[0] = t;
                bracketF[0] = fNew;
                _gNew.AsSpan().CopyTo(_g0);
                bracketCount = 1;
                done = true;
                break;
            }
            if (gtdNew >= 0)
            {
                (bracket[0], bracket[1]) = (tPrev, t);
                (bracketF[0], bracketF[1]) = (fPrev, fNew);
                _gPrev.AsSpan().CopyTo(_g0);
                _gNew.AsSpan().CopyTo(_g1);
                (bracketGtd[0], bracketGtd[1]) = (gtdPrev, gtdNew);
                bracketCount = 2;
                break;
            }
            double minStep = t + 0.01 * (t - tPrev);
            double maxStep = t * 10;
            double tmp = t;
            t = CubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
            tPrev = tmp;
            fPrev = fNew;
            _gNew.AsSpan().CopyTo(_gPrev);
            gtdPrev = gtdNew;
            fNew = Evaluate(parameters, gradients, closure, d, t, _gNew);
            evals++;
            gtdNew = Dot(_gNew, d);
            lsIter++;
        }
        if (lsIter == maxLs)
        {
            (bracket[0], bracket[1]) = (0, t);
            (bracketF[0], bracketF[1]) = (f, fNew);
            _g.AsSpan().CopyTo(_g0);
            _gNew.AsSpan().CopyTo(_g1);
            bracketCount = 2;
        }

        bool insufficientProgress = false;
        int lowPos = 0, highPos = 0;
        if (bracketCount == 2) (lowPos, highPos) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
        while (!done && lsIter < maxLs)
        {
            if (Math.Abs(bracket[1] - bracket[0]) * dNorm < tolerance) break;
            t = CubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1], null, null);
            double hi = Math.Max(bracket[0], bracket[1]), lo = Math.Min(bracket[0], bracket[1]);
            double eps = 0.1 * (hi - lo);
            if (Math.Min(hi - t, t - lo) < eps)
            {
                if (insufficientProgress || t >= hi || t <= lo)
                {
                    t = Math.Abs(t - hi) < Math.Abs(t - lo) ? hi - eps : lo + eps;
                    insufficientProgress = false;
                }
                else
                {
                    insufficientProgress = true;
                }
            }
            else
            {
                insufficientProgress = false;
            }
            fNew = Evaluate(parameters, gradients, closure, d, t, _gNew);
            evals++;
            gtdNew = Dot(_gNew, d);
            lsIter++;

            if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos])
            {
                bracket[highPos] = t;
                bracketF[highPos] = fNew;
                _gNew.AsSpan().CopyTo(highPos == 0 ? _g0 : _g1);
                bracketGtd[highPos] = gtdNew;
                (lowPos, highPos) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (Math.Abs(gtdNew) <= -c2 * gtd)
                {
                    done = true;
                }
                else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0)
                {
                    bracket[highPos] = bracket[lowPos];
                    bracketF[highPos] = bracketF[lowPos];
                    (lowPos == 0 ? _g0 : _g1).AsSpan().CopyTo(highPos == 0 ? _g0 : _g1);
                    bracketGtd[highPos] = bracketGtd[lowPos];
                }
                bracket[lowPos] = t;
                bracketF[lowPos] = fNew;
                _gNew.AsSpan().CopyTo(lowPos == 0 ? _g0 : _g1);
                bracketGtd[lowPos] = gtdNew;
            }
        }
        t = bracket[lowPos];
        (lowPos == 0 ? _g0 : _g1).AsSpan().CopyTo(_flatGrad);
        return (bracketF[lowPos], t, evals);
    }

    // PyTorch's _cubic_interpolate: the minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to the bounds.
    private static double CubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double? minBound, double? maxBound)
    {
        double lo = minBound ?? Math.Min(x1, x2), hi = maxBound ?? Math.Max(x1, x2);
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0)
        {
            double d2 = Math.Sqrt(d2Square);
            double minPos = x1 <= x2
                ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return Math.Min(Math.Max(minPos, lo), hi);
        }
        return (lo + hi) / 2;
    }

    private void ClearHistory()
    {
        _spare.AddRange(_oldDirs);
        _spare.AddRange(_oldSteps);
        _oldDirs.Clear();
        _oldSteps.Clear();
        _ro.Clear();
    }

    private float[] TakeSpare(int n)
    {
        if (_spare.Count == 0) return new float[n];
        float[] last = _spare[^1];
        _spare.RemoveAt(_spare.Count - 1);
        return last;
    }

    // Σ a·b in double (each float product is exact in double), rounded to float as PyTorch's float32 dot returns it.
    // Vectorized: four partial sums per 256-bit lane pair, so the rounding of the sum depends on the length only.
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<float>.Count)
        {
            ref float ra = ref MemoryMarshal.GetReference(a);
            ref float rb = ref MemoryMarshal.GetReference(b);
            Vector256<double> low = Vector256<double>.Zero, high = Vector256<double>.Zero;
            for (; i + Vector256<float>.Count <= a.Length; i += Vector256<float>.Count)
            {
                (Vector256<double> aLow, Vector256<double> aHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i));
                (Vector256<double> bLow, Vector256<double> bHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref rb, (nuint)i));
                low += aLow * bLow;
                high += aHigh * bHigh;
            }
            sum = Vector256.Sum(low + high);
        }
        for (; i < a.Length; i++) sum += (double)a[i] * b[i];
        return (float)sum;
    }

    private static float SumAbs(ReadOnlySpan<float> a)
    {
        double sum = 0;
        foreach (float v in a) sum += Math.Abs(v);
        return (float)sum;
    }

    private static float MaxAbs(ReadOnlySpan<float> a)
    {
        float max = 0f;
        foreach (float v in a) max = MathF.Max(max, MathF.Abs(v));
        return max;
    }

    // target += alpha·x (ATen's add(alpha): fused).
    private static void AddScaled(Span<float> target, ReadOnlySpan<float> x, float alpha) => VectorOps.AddScaled(x, alpha, target);

    private protected override void OnAllocated(int parameterCount)
    {
        _flatGrad = new float[parameterCount];
        _y = new float[parameterCount];
        _s = new float[parameterCount];
        _al = new float[HistorySize];
        if (LineSearch == LineSearch.StrongWolfe)
        {
            _x = new float[parameterCount];
            _gNew = new float[parameterCount];
            _gPrev = new float[parameterCount];
            _g0 = new float[parameterCount];
            _g1 = new float[parameterCount];
            _g = new float[parameterCount];
        }
    }

    private protected override void OnReset()
    {
        _oldDirs.Clear();
        _oldSteps.Clear();
        _ro.Clear();
        _spare.Clear();
        _t = 0;
        _hDiag = 1f;
        _prevLoss = 0;
        _iterations = 0;
        _evaluations = 0;
    }

    private protected override void Update(in ParameterSlice slice) =>
        throw new NotSupportedException("L-BFGS steps through Step(parameters, gradients, closure).");

    private protected override void DescribeHyperparameters(Dictionary<string, double> h)
    {
        h["max_iter"] = MaxIter;
        h["max_eval"] = MaxEval;
        h["tolerance_grad"] = ToleranceGrad;
        h["tolerance_change"] = ToleranceChange;
        h["history_size"] = HistorySize;
        h["line_search_fn"] = (int)LineSearch;
    }

    private static string Key(string name, int i) => name + "." + i.ToString(CultureInfo.InvariantCulture);

    private protected override bool IsExtraBuffer(string name) => name.StartsWith("old_dirs.", StringComparison.Ordinal) || name.StartsWith("old_stps.", StringComparison.Ordinal);

    private protected override void WriteExtraState(StateBag state)
    {
        state.Scalars["t"] = _t;
        state.Scalars["H_diag"] = _hDiag;
        state.Scalars["prev_loss"] = _prevLoss;
        state.Integers["n_iter"] = _iterations;
        state.Integers["func_evals"] = _evaluations;
        state.Integers["history"] = _oldDirs.Count;
        for (int i = 0; i < _oldDirs.Count; i++)
        {
            state.Buffers[Key("old_dirs", i)] = (float[])_oldDirs[i].Clone();
            state.Buffers[Key("old_stps", i)] = (float[])_oldSteps[i].Clone();
            state.Scalars[Key("ro", i)] = _ro[i];
        }
    }

    private protected override void ValidateExtraState(StateBag state, int parameterCount)
    {
        foreach (string name in new[] { "t", "H_diag", "prev_loss" })
        {
            if (!state.Scalars.TryGetValue(name, out double value)) throw Bad($"Scalar '{name}' is missing.");
            if (!double.IsFinite(value)) throw Bad($"Scalar '{name}' is {value}.");
        }
        foreach (string name in new[] { "n_iter", "func_evals" })
            if (!state.Integers.TryGetValue(name, out long value) || value < 0) throw Bad($"Integer '{name}' is missing or negative.");
        if (!state.Integers.TryGetValue("history", out long history) || history < 0 || history > HistorySize)
            throw Bad($"Integer 'history' is missing or outside [0, {HistorySize}].");
        for (int i = 0; i < history; i++)
        {
            foreach (string name in new[] { Key("old_dirs", i), Key("old_stps", i) })
            {
                if (!state.Buffers.TryGetValue(name, out float[]? buffer) || buffer is null) throw Bad($"State buffer '{name}' is missing.");
                if (buffer.Length != parameterCount) throw Bad($"State buffer '{name}' has {buffer.Length} floats; expected {parameterCount}.");
            }
            if (!state.Scalars.TryGetValue(Key("ro", i), out double ro) || !double.IsFinite(ro)) throw Bad($"Scalar '{Key("ro", i)}' is missing or not finite.");
        }
        foreach (string name in state.Buffers.Keys)
        {
            if (!IsExtraBuffer(name)) continue;
            int dot = name.IndexOf('.', StringComparison.Ordinal);
            if (!int.TryParse(name.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= history)
                throw Bad($"State buffer '{name}' is beyond the history of {history}.");
        }
    }

    private protected override void ReadExtraState(StateBag state)
    {
        ClearHistory();
        _t = state.Scalars["t"];
        _hDiag = (float)state.Scalars["H_diag"];
        _prevLoss = state.Scalars["prev_loss"];
        _iterations = state.Integers["n_iter"];
        _evaluations = state.Integers["func_evals"];
        long history = state.Integers["history"];
        for (int i = 0; i < history; i++)
        {
            float[] y = TakeSpare(ParameterCount), s = TakeSpare(ParameterCount);
            state.Buffers[Key("old_dirs", i)].AsSpan().CopyTo(y);
            state.Buffers[Key("old_stps", i)].AsSpan().CopyTo(s);
            _oldDirs.Add(y);
            _oldSteps.Add(s);
            _ro.Add((float)state.Scalars[Key("ro", i)]);
        }
    }
}
