using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Compiled.Training;

/// <summary>Settings of <see cref="GradientCheck.Run(ITrainableNetwork, ReadOnlySpan{float}, ReadOnlySpan{int}, int, GradientCheckOptions?)"/>.</summary>
public sealed record GradientCheckOptions
{
    /// <summary>
    /// Central-difference step added to and subtracted from each parameter (default 1e-2). The network computes in float,
    /// whose loss carries rounding noise of ~1e-7 relative: a step far below 1e-3 lets that noise swamp the difference.
    /// On networks with kinks (ReLU, max pooling, hinge) a step can cross one and spoil a single entry: try 1e-3 there.
    /// </summary>
    public double Epsilon { get; init; } = 1e-2;

    /// <summary>Random entries checked per parameter tensor, besides its largest-magnitude gradient (default 10).</summary>
    public int SamplesPerTensor { get; init; } = 10;

    /// <summary>Seed of the entry sampling.</summary>
    public ulong Seed { get; init; }

    /// <summary>The largest relative error that passes (default 1e-2).</summary>
    public double Tolerance { get; init; } = 1e-2;
}

/// <summary>One parameter tensor's check.</summary>
/// <param name="Parameter">Its name, e.g. <c>fc1.weight</c>.</param>
/// <param name="Layer">Its layer, e.g. <c>fc1</c>.</param>
/// <param name="Checked">Entries compared one by one.</param>
/// <param name="WorstRelativeError">The largest relative error among them.</param>
/// <param name="WorstEntry">The entry where it occurred, e.g. <c>fc1.weight[3, 7]</c>.</param>
/// <param name="Analytic">The network's gradient there.</param>
/// <param name="Numeric">The central difference there.</param>
/// <param name="DirectionalRelativeError">Relative error of the derivative along the tensor's whole gradient (its norm), which every entry contributes to; 0 when that step crossed a kink.</param>
/// <param name="Kinks">Checks (entries, and the directional one) left out because the step crossed a kink (see <see cref="GradientCheck"/>).</param>
public sealed record ParameterGradientCheck(string Parameter, string Layer, int Checked, double WorstRelativeError, string WorstEntry,
    double Analytic, double Numeric, double DirectionalRelativeError, int Kinks = 0);

/// <summary>What <see cref="GradientCheck"/> found: one row per parameter tensor, grouped by layer, and a verdict.</summary>
public sealed class GradientCheckResult
{
    internal GradientCheckResult(IReadOnlyList<ParameterGradientCheck> parameters, double loss, GradientCheckOptions options, double noiseFloor)
    {
        Parameters = parameters;
        Loss = loss;
        Options = options;
        NoiseFloor = noiseFloor;
    }

    /// <summary>Every parameter tensor's check, in the network's order.</summary>
    public IReadOnlyList<ParameterGradientCheck> Parameters { get; }

    /// <summary>The loss at the unperturbed parameters.</summary>
    public double Loss { get; }

    public GradientCheckOptions Options { get; }

    /// <summary>
    /// The gradient magnitude below which differences are float rounding noise: relative errors are taken against
    /// <c>max(|analytic|, |numeric|, NoiseFloor)</c>.
    /// </summary>
    public double NoiseFloor { get; }

    /// <summary>Worst relative error of each layer (entries and directional checks), in the network's order.</summary>
    public IReadOnlyList<(string Layer, double WorstRelativeError)> Layers =>
        Parameters.GroupBy(p => p.Layer).Select(g => (g.Key, g.Max(p => Math.Max(p.WorstRelativeError, p.DirectionalRelativeError)))).ToList();

    /// <summary>The largest relative error anywhere.</summary>
    public double WorstRelativeError => Parameters.Count == 0 ? 0 : Parameters.Max(p => Math.Max(p.WorstRelativeError, p.DirectionalRelativeError));

    /// <summary>True when every error is within <see cref="GradientCheckOptions.Tolerance"/>.</summary>
    public bool Passed => WorstRelativeError <= Options.Tolerance;

    /// <summary>Names of the layers whose worst error exceeds the tolerance.</summary>
    public IReadOnlyList<string> FailedLayers => Layers.Where(l => !(l.WorstRelativeError <= Options.Tolerance)).Select(l => l.Layer).ToList();

    /// <summary>A table: one row per parameter tensor, then the verdict.</summary>
    public override string ToString()
    {
        var rows = new List<string[]> { new[] { "layer", "parameter", "checked", "kinks", "worst rel. error", "at", "analytic", "numeric", "directional", "" } };
        foreach (ParameterGradientCheck p in Parameters)
        {
            bool ok = Math.Max(p.WorstRelativeError, p.DirectionalRelativeError) <= Options.Tolerance;
            rows.Add([p.Layer, p.Parameter, p.Checked.ToString(CultureInfo.InvariantCulture), p.Kinks.ToString(CultureInfo.InvariantCulture), E(p.WorstRelativeError), p.WorstEntry,
                E(p.Analytic), E(p.Numeric), E(p.DirectionalRelativeError), ok ? "ok" : "FAILED"]);
        }
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        text.Append(CultureInfo.InvariantCulture,
            $"{(Passed ? "passed" : "FAILED")}: worst relative error {E(WorstRelativeError)} (tolerance {E(Options.Tolerance)}, eps {E(Options.Epsilon)}, noise floor {E(NoiseFloor)}, loss {Loss:G6})");
        if (!Passed) text.Append(CultureInfo.InvariantCulture, $"; wrong gradients in: {string.Join(", ", FailedLayers)}");
        return text.ToString();
    }

    private static string E(double v) => v.ToString("0.##e+0", CultureInfo.InvariantCulture);
}

/// <summary>
/// Gradient checking, as the course's lesson does it: the network's analytic gradients against central finite differences
/// <c>(L(θ + ε) − L(θ − ε)) / 2ε</c> of its own loss, on a seeded sample of each parameter tensor (its largest-magnitude
/// gradient and <see cref="GradientCheckOptions.SamplesPerTensor"/> random entries), plus the derivative along each tensor's
/// whole gradient; the worst relative error is reported per layer.
/// </summary>
/// <remarks>
/// <code>
/// GradientCheckResult check = GradientCheck.Run(net, x, labels, batch: 8);
/// Console.WriteLine(check);          // a table per parameter tensor and the verdict
/// if (!check.Passed) ...             // check.FailedLayers names the culprits
/// </code>
/// The network computes in float, so the check does too: the relative error <c>|a − n| / max(|a|, |n|, floor)</c> uses a floor
/// at the loss's float rounding noise divided by 2ε and the tolerance (differences smaller than that are noise, not bugs).
/// Kinks (ReLU at 0, a max-pool switching its winner, hinge margins) make a central difference wrong where the analytic
/// gradient is right. The check also takes the one-sided differences <c>d₊ = (L(θ + ε) − L(θ)) / ε</c> and
/// <c>d₋ = (L(θ) − L(θ − ε)) / ε</c>: at a smooth point they agree to O(ε); when the step crosses a kink they differ by the
/// jump of the derivative, and the central difference is off by half of that. A check whose error that jump explains
/// (|d₊ − d₋| above 4 × tolerance and |a − n| ≤ ¾ |d₊ − d₋|) is counted as a kink and left out of the verdict; a wrong
/// gradient at a smooth point is not excused. A network with many kinks per parameter (ReLU and max pooling after
/// convolutions: moving one first-layer weight moves thousands of pre-activations) has kinks within any step that beats the
/// float rounding noise on both sides at once, and no finite difference is reliable there: check the same architecture with
/// Tanh and average pooling instead, which exercises the same kernels' gradients.
/// Each evaluation is a full <c>TrainStep</c>: use a small batch. Parameters and gradients are restored (gradients zeroed)
/// afterwards.
/// </remarks>
public static class GradientCheck
{
    /// <summary>Checks the gradients of a network trained on class labels.</summary>
    public static GradientCheckResult Run(ITrainableNetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch, GradientCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        float[] x = inputs.ToArray();
        int[] y = labels.ToArray();
        return Check(network, () => network.TrainStep(x, y, batch), options ?? new GradientCheckOptions());
    }

    /// <summary>Checks the gradients of a network trained on float targets <c>[batch, OutputLength]</c>.</summary>
    public static GradientCheckResult Run(ITrainableNetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, GradientCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        float[] x = inputs.ToArray();
        float[] t = targets.ToArray();
        return Check(network, () => network.TrainStep(x, t, batch), options ?? new GradientCheckOptions());
    }

    private static GradientCheckResult Check(ITrainableNetwork network, Func<float> trainStep, GradientCheckOptions options)
    {
        if (!(options.Epsilon > 0) || double.IsInfinity(options.Epsilon)) throw new ArgumentOutOfRangeException(nameof(options), options.Epsilon, "Epsilon must be finite and > 0.");
        if (!(options.Tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(options), options.Tolerance, "Tolerance must be > 0.");
        if (options.SamplesPerTensor < 0) throw new ArgumentOutOfRangeException(nameof(options), options.SamplesPerTensor, "SamplesPerTensor must be >= 0.");
        float[] parameters = network.Parameters;
        float[] original = (float[])parameters.Clone();
        try
        {
            network.ZeroGradients();
            float loss = trainStep();
            if (!float.IsFinite(loss)) throw new InvalidOperationException($"The loss at the current parameters is {loss}; gradients cannot be checked.");
            float[] gradients = (float[])network.Gradients.Clone();

            // The loss is a float sum: a few roundings of 2^-24 relative each. Divided by the 2ε of the difference, that is the
            // noise of every numeric derivative; below noise / tolerance a relative error says nothing.
            double noise = 8 * Math.Pow(2, -24) * Math.Max(Math.Abs(loss), 1e-3) / (2 * options.Epsilon);
            double floor = noise / options.Tolerance;

            var rows = new List<ParameterGradientCheck>();
            IReadOnlyList<ParameterInfo> table = network.ParameterTable;
            for (int t = 0; t < table.Count; t++)
            {
                ParameterInfo tensor = table[t];
                var random = new SeededRandom(SeededRandom.DeriveSeed(options.Seed, (ulong)t));
                var indices = new SortedSet<int> { tensor.Offset + LargestAt(gradients.AsSpan(tensor.Offset, tensor.Length)) };
                int wanted = Math.Min(tensor.Length, options.SamplesPerTensor + 1);
                while (indices.Count < wanted) indices.Add(tensor.Offset + random.NextInt(tensor.Length));

                double worst = -1, worstAnalytic = 0, worstNumeric = 0;
                int worstIndex = tensor.Offset, kinks = 0, compared = 0;
                foreach (int i in indices)
                {
                    Differences d = Difference(network, trainStep, original, i, options.Epsilon, loss);
                    double numeric = d.Central;
                    if (d.IsKink(gradients[i], floor, options.Tolerance))
                    {
                        kinks++;
                        continue;
                    }
                    compared++;
                    double error = Relative(gradients[i], numeric, floor);
                    if (error > worst || double.IsNaN(error))
                    {
                        worst = error;
                        worstIndex = i;
                        worstAnalytic = gradients[i];
                        worstNumeric = numeric;
                    }
                }
                (double directional, bool directionalKink) = Directional(network, trainStep, original, gradients, tensor, options.Epsilon, floor, options.Tolerance, loss);
                if (directionalKink) kinks++;
                rows.Add(new ParameterGradientCheck(tensor.Name, tensor.Layer, compared, Math.Max(worst, 0), compared == 0 ? "-" : FiniteCheck.Describe(tensor, worstIndex),
                    worstAnalytic, worstNumeric, directionalKink ? 0 : directional, kinks));
            }
            return new GradientCheckResult(rows, loss, options, floor);
        }
        finally
        {
            original.AsSpan().CopyTo(parameters);
            network.ZeroGradients();
        }
    }

    // Central and one-sided differences of the loss along a step: (L(θ + h₊) − L(θ − h₋)) / (h₊ + h₋), with h₊ and h₋ the
    // steps float rounding actually took.
    private readonly record struct Differences(double Central, double Plus, double Minus)
    {
        // The step crossed a kink: the one-sided slopes disagree by far more than the tolerance, and that jump explains the
        // central difference's error (which is half the jump when the kink lies on one side).
        public bool IsKink(double analytic, double floor, double tolerance)
        {
            double jump = Math.Abs(Plus - Minus);
            double scale = Math.Max(Math.Max(Math.Abs(Plus), Math.Abs(Minus)), floor);
            return jump > 4 * tolerance * scale && Math.Abs(analytic - Central) <= 0.75 * jump;
        }
    }

    private static Differences Difference(ITrainableNetwork network, Func<float> trainStep, float[] original, int i, double epsilon, double loss)
    {
        float[] p = network.Parameters;
        float plus = (float)(original[i] + epsilon), minus = (float)(original[i] - epsilon);
        p[i] = plus;
        double up = Loss(network, trainStep);
        p[i] = minus;
        double down = Loss(network, trainStep);
        p[i] = original[i];
        double hPlus = (double)plus - original[i], hMinus = original[i] - (double)minus;
        return new Differences((up - down) / (hPlus + hMinus), (up - loss) / hPlus, (loss - down) / hMinus);
    }

    // Along the unit vector ĝ of the tensor's gradient: the derivative must be ‖g‖ (steps rounded to float are accounted for).
    private static (double Error, bool Kink) Directional(ITrainableNetwork network, Func<float> trainStep, float[] original, float[] gradients,
        ParameterInfo tensor, double epsilon, double floor, double tolerance, double loss)
    {
        double norm = 0;
        for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++) norm += (double)gradients[i] * gradients[i];
        norm = Math.Sqrt(norm);
        if (norm == 0) return (0, false);
        float[] p = network.Parameters;
        double analytic = 0;
        var plus = new float[tensor.Length];
        var minus = new float[tensor.Length];
        for (int k = 0; k < tensor.Length; k++)
        {
            int i = tensor.Offset + k;
            double step = epsilon * gradients[i] / norm;
            plus[k] = (float)(original[i] + step);
            minus[k] = (float)(original[i] - step);
            analytic += gradients[i] * ((double)plus[k] - minus[k]) / (2 * epsilon);
        }
        plus.CopyTo(p, tensor.Offset);
        double up = Loss(network, trainStep);
        minus.CopyTo(p, tensor.Offset);
        double down = Loss(network, trainStep);
        original.AsSpan(tensor.Offset, tensor.Length).CopyTo(p.AsSpan(tensor.Offset));
        // The steps are ±ε along ĝ up to float rounding, which the analytic side accounts for.
        var d = new Differences((up - down) / (2 * epsilon), (up - loss) / epsilon, (loss - down) / epsilon);
        return (Relative(analytic, d.Central, floor), d.IsKink(analytic, floor, tolerance));
    }

    private static double Loss(ITrainableNetwork network, Func<float> trainStep)
    {
        network.ZeroGradients();
        return trainStep();
    }

    private static double Relative(double analytic, double numeric, double floor) =>
        Math.Abs(analytic - numeric) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numeric)), floor);

    private static int LargestAt(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (Math.Abs(values[i]) > Math.Abs(values[best])) best = i;
        return best;
    }
}
