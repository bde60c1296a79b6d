using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using Compiled.Kernels;

namespace Compiled.Regularization;

/// <summary>
/// L1 and L2 penalties on the parameters, added to the loss and to its gradient (Keras' <c>l1</c>/<c>l2</c> regularizers):
/// <code>
/// penalty = l1 · Σ|w| + l2 · Σw²        over the selected parameter tensors
/// ∂/∂w    = l1 · sign(w) + 2 · l2 · w    (sign(0) = 0, as torch.sign)
/// </code>
/// By default only weight tensors (<c>*.weight</c>) are penalized, not biases (as Keras' <c>kernel_regularizer</c> and the
/// course do); <see cref="Layers"/> restricts it to some layers, <see cref="AllParameters"/> includes biases.
/// </summary>
/// <remarks>
/// The L2 term follows Keras (<c>l2 · Σw²</c>): its gradient <c>2·l2·w</c> equals SGD's <c>weight_decay = 2·l2</c>. For the
/// course's <c>λ/(2m)·Σw²</c> use <c>l2 = λ / (2m)</c>. The penalty is added once per step to the batch's mean loss.
/// The <see cref="Training.Trainer"/> applies it after <c>TrainStep</c> and reports the loss with it; by hand:
/// <code>
/// float loss = net.TrainStep(x, labels, batch);
/// loss += (float)penalty.Apply(net.Parameters, net.Gradients, net.ParameterTable);
/// </code>
/// </remarks>
public sealed class WeightPenalty
{
    private readonly Func<ParameterInfo, bool> _appliesTo;
    private IReadOnlyList<ParameterInfo>? _table;
    private (int Offset, int Length)[] _slices = [];

    // Partial sums in float over blocks of this many floats, added in double.
    private const int Block = 1024;

    /// <param name="l1">Strength of the L1 term (≥ 0).</param>
    /// <param name="l2">Strength of the L2 term (≥ 0).</param>
    /// <param name="appliesTo">Which parameter tensors are penalized; default <see cref="WeightsOnly"/>.</param>
    public WeightPenalty(float l1 = 0f, float l2 = 0f, Func<ParameterInfo, bool>? appliesTo = null)
    {
        if (!(l1 >= 0) || float.IsInfinity(l1)) throw new ArgumentOutOfRangeException(nameof(l1), l1, "l1 must be finite and >= 0.");
        if (!(l2 >= 0) || float.IsInfinity(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "l2 must be finite and >= 0.");
        L1 = l1;
        L2 = l2;
        _appliesTo = appliesTo ?? WeightsOnly;
    }

    public float L1 { get; }
    public float L2 { get; }

    /// <summary>Weight tensors only (names ending in <c>.weight</c>): the default.</summary>
    public static bool WeightsOnly(ParameterInfo parameter) => parameter.Name.EndsWith(".weight", StringComparison.Ordinal);

    /// <summary>Every parameter tensor, biases included.</summary>
    public static bool AllParameters(ParameterInfo parameter) => true;

    /// <summary>The weights of the named layers only (e.g. <c>"fc1", "fc2"</c>).</summary>
    public static Func<ParameterInfo, bool> Layers(params string[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var names = new HashSet<string>(layers, StringComparer.Ordinal);
        return p => names.Contains(p.Layer) && WeightsOnly(p);
    }

    /// <summary>The penalty of the current parameters (nothing changed).</summary>
    public double Value(ReadOnlySpan<float> parameters, IReadOnlyList<ParameterInfo> table) => Run(parameters, default, table, addGradient: false);

    /// <summary>Adds the penalty's gradient into <paramref name="gradients"/> and returns the penalty (to add to the loss).</summary>
    /// <exception cref="ArgumentException">The buffers do not match the table, or no parameter is selected.</exception>
    public double Apply(ReadOnlySpan<float> parameters, Span<float> gradients, IReadOnlyList<ParameterInfo> table)
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException($"Parameters have {parameters.Length} floats but gradients have {gradients.Length}.", nameof(gradients));
        return Run(parameters, gradients, table, addGradient: true);
    }

    /// <summary>The selected tensors' names for this table (to show what is penalized).</summary>
    public IReadOnlyList<string> Selected(IReadOnlyList<ParameterInfo> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var names = new List<string>();
        foreach (ParameterInfo p in table)
            if (_appliesTo(p)) names.Add(p.Name);
        return names;
    }

    private double Run(ReadOnlySpan<float> parameters, Span<float> gradients, IReadOnlyList<ParameterInfo> table, bool addGradient)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!ReferenceEquals(table, _table)) Resolve(table, parameters.Length);
        double abs = 0, squares = 0;
        foreach ((int offset, int length) in _slices)
        {
            if (offset + length > parameters.Length)
                throw new ArgumentException($"The parameter table reaches float {offset + length} but the buffer has {parameters.Length}.", nameof(parameters));
            ReadOnlySpan<float> w = parameters.Slice(offset, length);
            for (int start = 0; start < length; start += Block)
            {
                int n = Math.Min(Block, length - start);
                (float a, float s) = addGradient
                    ? Accumulate(w.Slice(start, n), gradients.Slice(offset + start, n), L1, 2f * L2)
                    : Accumulate(w.Slice(start, n), default, 0f, 0f);
                abs += a;
                squares += s;
            }
        }
        return L1 * abs + L2 * squares;
    }

    private void Resolve(IReadOnlyList<ParameterInfo> table, int length)
    {
        var slices = new List<(int, int)>();
        foreach (ParameterInfo p in table)
        {
            if (!_appliesTo(p)) continue;
            if (p.Offset < 0 || p.Offset + p.Length > length)
                throw new ArgumentException($"Parameter {p.Name} spans floats {p.Offset}..{p.Offset + p.Length} outside the buffer of {length}.", nameof(table));
            slices.Add((p.Offset, p.Length));
        }
        if (slices.Count == 0)
            throw new ArgumentException("The penalty selects no parameter tensor of this network (check the layer names).", nameof(table));
        _slices = [.. slices];
        _table = table;
    }

    // w [n], g [n] (empty: value only): returns (Σ|w|, Σw²) and adds l1·sign(w) + twoL2·w into g.
    private static (float Abs, float Squares) Accumulate(ReadOnlySpan<float> w, Span<float> g, float l1, float twoL2)
    {
        bool grad = !g.IsEmpty;
        float abs = 0, squares = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> wv = MemoryMarshal.Cast<float, Vector<float>>(w);
            Span<Vector<float>> gv = grad ? MemoryMarshal.Cast<float, Vector<float>>(g) : default;
            Vector<float> a = Vector<float>.Zero, s = Vector<float>.Zero;
            var l1v = new Vector<float>(l1);
            var l2v = new Vector<float>(twoL2);
            for (int k = 0; k < wv.Length; k++)
            {
                Vector<float> x = wv[k];
                a += Vector.Abs(x);
                s = MultiplyAdd.Of(x, x, s);
                if (grad)
                {
                    Vector<float> sign = Vector.ConvertToSingle(Vector.LessThan(x, Vector<float>.Zero) - Vector.GreaterThan(x, Vector<float>.Zero));
                    gv[k] = MultiplyAdd.Of(sign, l1v, MultiplyAdd.Of(x, l2v, gv[k]));
                }
            }
            abs = Vector.Sum(a);
            squares = Vector.Sum(s);
            i = wv.Length * Vector<float>.Count;
        }
        for (; i < w.Length; i++)
        {
            float x = w[i];
            abs += MathF.Abs(x);
            squares = MultiplyAdd.Of(x, x, squares);
            if (grad) g[i] = MultiplyAdd.Of(x > 0 ? 1f : x < 0 ? -1f : 0f, l1, MultiplyAdd.Of(x, twoL2, g[i]));
        }
        return (abs, squares);
    }
}
