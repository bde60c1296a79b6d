using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Compiled.Differential.Tests.Declarations;
using Compiled.Differential.Tests.Interpreter;
using Compiled.Kernels;

namespace Compiled.Differential.Tests.Harness;

/// <summary>Where a network is run: vector widths, thread counts, batch sizes.</summary>
internal sealed record CheckPlan(VectorWidth[] Widths, int[] Threads, int[] Batches, bool FiniteDifferences)
{
    /// <summary>Add the several-chunks batch whatever its size (otherwise only up to 100 samples).</summary>
    public bool AlwaysChunked { get; init; }

    public static readonly VectorWidth[] AllWidths = { VectorWidth.V512, VectorWidth.V256, VectorWidth.V128, VectorWidth.Scalar };
}

/// <summary>The outcome of checking one network: failures (empty: it passed) and whether inputs near a kink were unavoidable.</summary>
internal sealed record CheckOutcome(List<string> Failures, bool Fragile, int Configurations, bool MultiChunk = false, bool FiniteDifferences = false)
{
    /// <summary>Some batch kept a training-mode batch norm ill-conditioned (κ above the redraw threshold) after every draw.</summary>
    public bool IllConditioned { get; init; }

    /// <summary>The generated ChunkSamples constant, when found.</summary>
    public int? ChunkSamples { get; init; }
}

/// <summary>
/// Runs one generated network and holds every result against <see cref="ReferenceInterpreter"/> (double precision).
///
/// Tolerances (float32 network against the exact-to-double interpreter; a float sum of K terms errs by about
/// 1e-7·√K of their magnitude, a few layers deep that stays far below these):
/// <list type="bullet">
/// <item>Forward, LastOutputs: |a − e| ≤ 2e-4·max|e| + 1e-4·|e| (per output tensor), plus 1e-5·Σ|terms| of the last Dense
/// or Conv2D layer's sum for that output (<see cref="OutputTermAllowance"/>), which matters only where they cancel.</item>
/// <item>Predict (softmax, sigmoid): relative, |a − e| ≤ |e|·(2δ + 1e-5) + 1e-37 with δ the row's Forward tolerance: a
/// probability's relative error is at most twice its logit's absolute error, so tails such as sigmoid(−20) = 2e-9 are
/// compared relatively, not hidden under an absolute floor. Without a link as Forward.</item>
/// <item>Loss: 2e-4·max|outputs| + 1e-4·|loss|.</item>
/// <item>Each gradient tensor: |a − e| ≤ 5e-4·max|e| + 1e-3·|e| + floor, the floor
/// 1e-6·(1 + max|e| over all gradients)·max(1, √(batch·outputs)/4)·max(1, max|input|) for gradients that are zero in exact
/// arithmetic (a one-class softmax: 1 − 1; a bias under a shift-invariant head) or nearly so (softmax − onehot of a
/// confident prediction), which float rounding leaves at 1e-8 to 1e-6 (see <see cref="GradientFloorFor"/>).</item>
/// <item>A bias whose every effect a training-mode batch norm removes (<see cref="ReferenceInterpreter.BiasesCancelledByBatchNorm"/>)
/// has an exact gradient of 0; it is held to <see cref="CancelledFloor"/> instead, and so is any bias entry the double
/// reference finds 0 to 1e-12 (a cancellation only this batch makes, <see cref="ExactZero"/>). Every gradient entry also
/// gets 1e-5·Σ|terms| over the terms its gradient sums, carried back through the layers behind it (<see cref="TermAllowance"/>),
/// which matters only where they cancel.</item>
/// <item>Training results (LastOutputs, loss, gradients) behind an ill-conditioned batch norm: every tolerance above times
/// max(1, κ/10), κ = <see cref="InterpreterResult.BatchNormConditioning"/> (see <see cref="Conditioning"/>).</item>
/// <item>Finite differences (double, h = 1e-6·max(1, |θ|), interpreter only, checks the interpreter's backward):
/// |fd − g| ≤ 1e-5·max|g| + 1e-4·|g| + 1e-9, plus, where that fails, the spread of the difference taken at h/2, h and 2h (its
/// own rounding and truncation error).</item>
/// </list>
/// Inputs are redrawn (up to 4 times) while any value lies within 1e-4 (relative) of a kink (ReLU-family at 0,
/// a max-pool runner-up, a hinge margin) in the evaluation forward or the training step's (whose batch statistics differ),
/// where float rounding could legitimately pick the other side; not when more
/// than 1e4 values are measured (some are always that near, and one of so many terms stays inside the tolerances); and
/// while a training-mode batch norm has κ above 100 (a structural one, such as a zero-initialized convolution into a
/// batch norm, stays so whatever the input).
/// </summary>
internal static class NetworkChecker
{
    private const double ForwardScaled = 2e-4, ForwardRelative = 1e-4;
    private const double PredictRelative = 1e-5, PredictFloor = 1e-37;
    private const double LossScaled = 2e-4, LossRelative = 1e-4;
    private const double GradientScaled = 5e-4, GradientRelative = 1e-3, GradientFloor = 1e-6, TermScaled = 1e-5;
    private const double FdScaled = 1e-5, FdRelative = 1e-4, FdFloor = 1e-9;
    private const double KinkThreshold = 1e-4;
    private const int Draws = 4;
    private const int MaxFailures = 6;
    private const int MaxChunkedBatch = 100;
    private const double TypicalConditioning = 10, RedrawConditioning = 100;

    public static CheckOutcome Check(CompiledNetwork compiled, CheckPlan plan, int seed)
    {
        var failures = new List<string>();
        NetworkSpec spec = compiled.Spec;
        var interpreter = new ReferenceInterpreter(spec);
        var random = new Random(seed);
        bool fragile = false;
        int configurations = 0;

        // One instance per thread count, all initialized from the same seed: Parameters must agree bitwise.
        var networks = new List<INetwork>();
        foreach (int threads in plan.Threads)
        {
            object instance;
            try
            {
                instance = Activator.CreateInstance(compiled.Type!, threads)!;
            }
            catch (Exception e)
            {
                failures.Add($"new {compiled.ClassName}({threads}) threw {Unwrap(e)}");
                return new CheckOutcome(failures, false, 0);
            }
            if (instance is not INetwork network)
            {
                failures.Add($"{compiled.ClassName} does not implement INetwork");
                return new CheckOutcome(failures, false, 0);
            }
            network.Initialize(seed);
            networks.Add(network);
        }
        INetwork first = networks[0];
        CheckContract(first, spec, interpreter, failures);
        for (int i = 1; i < networks.Count; i++)
        {
            if (!networks[i].Parameters.AsSpan().SequenceEqual(first.Parameters))
                failures.Add($"Initialize({seed}) gave different parameters at {plan.Threads[i]} threads than at {plan.Threads[0]}");
        }
        if (failures.Count > 0) return new CheckOutcome(failures, false, 0);

        Dictionary<string, ParameterInfo> table = first.ParameterTable.ToDictionary(p => p.Name, StringComparer.Ordinal);
        CheckInitialization(first, spec, interpreter, table, failures);
        if (failures.Count > 0) return new CheckOutcome(failures, false, 0);

        // Biases mostly start at zero; give them values so a bias that forward forgets shows.
        foreach (ExpectedParameter p in interpreter.Parameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
        {
            ParameterInfo info = table[p.Name];
            for (int j = 0; j < info.Length; j++)
            {
                float value = (float)(random.NextDouble() - 0.5);
                foreach (INetwork network in networks) network.Parameters[info.Offset + j] = value;
            }
        }
        // Batch norm: γ away from 1 and running statistics away from 0 and 1, so evaluation that ignores them shows; the
        // networks' state is restored to these before every Forward and Predict (TrainStep moves it). Dropout: every
        // network draws the interpreter's masks (its test hook), which depend on the layer and the sample only.
        foreach (ExpectedParameter p in interpreter.Parameters.Where(p => p.Spec.Kind == SpecKind.BatchNorm && p.Name.EndsWith(".weight", StringComparison.Ordinal)))
        {
            ParameterInfo info = table[p.Name];
            for (int j = 0; j < info.Length; j++)
            {
                float value = (float)(0.5 + random.NextDouble());
                foreach (INetwork network in networks) network.Parameters[info.Offset + j] = value;
            }
        }
        foreach (ParameterInfo info in first.StateTable)
        {
            for (int j = 0; j < info.Length; j++)
            {
                float value = info.Name.EndsWith(".running_mean", StringComparison.Ordinal) ? (float)(random.NextDouble() - 0.5)
                    : info.Name.EndsWith(".running_var", StringComparison.Ordinal) ? (float)(0.5 + random.NextDouble())
                    : first.StateBuffer[info.Offset + j];
                foreach (INetwork network in networks) network.StateBuffer[info.Offset + j] = value;
            }
            interpreter.State[info.Name] = first.StateBuffer.AsSpan(info.Offset, info.Length).ToArray().Select(v => (double)v).ToArray();
        }
        float[] state = first.StateBuffer.ToArray();
        foreach (INetwork network in networks) InstallDropoutMasks(network, interpreter);

        var parameters = interpreter.Parameters.ToDictionary(p => p.Name,
            p => first.Parameters.AsSpan(table[p.Name].Offset, p.Length).ToArray().Select(v => (double)v).ToArray(), StringComparer.Ordinal);

        // Expected results per batch size, from inputs away from kinks. A network whose workspace holds few samples
        // (the generated ChunkSamples constant) also runs a batch that every thread splits into several chunks.
        var batches = plan.Batches.ToList();
        bool multiChunk = false;
        int? chunkSamples = null;
        if (compiled.Type!.GetField("ChunkSamples", BindingFlags.NonPublic | BindingFlags.Static) is { IsLiteral: true } field
            && field.GetRawConstantValue() is int chunk)
        {
            chunkSamples = chunk;
            if (plan.AlwaysChunked || plan.Threads.Max() * chunk + 2 <= MaxChunkedBatch)
            {
                batches.Add(plan.Threads.Max() * chunk + 2);
                multiChunk = true;
            }
        }
        var cases = new List<Case>();
        bool illConditioned = false;
        foreach (int batch in batches)
        {
            Case? chosen = null;
            for (int attempt = 0; attempt < Draws; attempt++)
            {
                Case candidate = Case.Draw(spec, interpreter, parameters, batch, random, training: false);
                Case completed = candidate.Complete(spec, interpreter, parameters);
                // Redraw while a value lies near a kink, in evaluation or in training mode (a batch norm's batch statistics
                // move every value), unless there are so many values that some always will (then a flipped side moves one
                // term of many, inside the tolerances), or while a batch norm is ill-conditioned.
                long kinkValues = Math.Max(candidate.Expected.KinkValues, completed.Expected.KinkValues);
                bool kinkFree = completed.KinkMargin >= KinkThreshold || kinkValues * KinkThreshold > 1;
                bool conditioned = completed.Expected.BatchNormConditioning <= RedrawConditioning;
                chosen = completed;
                if (kinkFree && conditioned) break;
            }
            if (chosen!.KinkMargin < KinkThreshold && Math.Max(chosen.Evaluation?.KinkValues ?? 0, chosen.Expected.KinkValues) * KinkThreshold <= 1) fragile = true;
            if (chosen.Expected.BatchNormConditioning > RedrawConditioning) illConditioned = true;
            cases.Add(chosen with { State = state });
        }

        Case fdCase = cases[plan.Batches.Length - 1];
        // Not where every redraw left a batch norm ill-conditioned (a channel nearly constant over the batch): a step h in a
        // parameter then moves the batch's σ itself, so the central difference is off by more than its tolerance and says
        // nothing of the interpreter (seed 11's N590: a zero-initialized Dense(1) before two batch norms, 7497.7 analytic
        // against 7470.7). The interpreter's gradients are still held against the network's.
        bool finiteDifferences = plan.FiniteDifferences && spec.Training && !fdCase.TrainingRefused && fdCase.KinkMargin >= KinkThreshold
            && !fdCase.Expected.ExactKink && fdCase.Expected.BatchNormConditioning <= RedrawConditioning;
        if (finiteDifferences) CheckFiniteDifferences(interpreter, parameters, fdCase, random, failures);

        VectorWidth saved = Simd.Width;
        try
        {
            foreach (VectorWidth width in plan.Widths)
            {
                Simd.Width = width;
                for (int t = 0; t < networks.Count; t++)
                {
                    foreach (Case c in cases)
                    {
                        if (failures.Count >= MaxFailures) break;
                        configurations++;
                        string where = $"width {width}, {plan.Threads[t]} threads, batch {c.Batch}"
                            + (Conditioning(c.Expected) > 1 ? $", batch norm κ {Fmt(c.Expected.BatchNormConditioning)}" : "");
                        try
                        {
                            RunCase(networks[t], spec, interpreter, c, where, failures);
                        }
                        catch (Exception e)
                        {
                            failures.Add($"{where}: threw {Unwrap(e)}");
                        }
                    }
                }
            }

            // TrainStep adds into Gradients: a second step without ZeroGradients doubles them.
            if (spec.Training && failures.Count == 0 && !cases[^1].TrainingRefused && networks[^1] is ITrainableNetwork last)
            {
                Case c = cases[^1];
                double a = Conditioning(c.Expected);
                HashSet<string> cancelledBiases = interpreter.BiasesCancelledByBatchNorm;
                last.ZeroGradients();
                Train(last, spec, c, useTargets: false);
                Train(last, spec, c, useTargets: false);
                foreach (ExpectedParameter p in interpreter.Parameters)
                {
                    double[] doubled = c.Expected.Gradients[p.Name].Select(g => 2 * g).ToArray();
                    double cancelledFloor = 2 * a * CancelledFloor(c.Expected, c.Batch, p.Length);
                    CompareScaled($"accumulated d{p.Name} after two TrainSteps ({Simd.Width}, batch {c.Batch})", last.Gradients.AsSpan(table[p.Name].Offset, p.Length),
                        doubled, a * GradientScaled, a * GradientRelative, failures, cancelledBiases.Contains(p.Name)
                            ? cancelledFloor
                            : 2 * a * GradientFloorFor(c.Expected, c.Batch, interpreter.OutputLength, c.InputDouble),
                        IsBias(p.Name) ? (2 * ExactZero(c.Expected), cancelledFloor) : default, TermAllowance(c.Expected, p.Name, 2 * a));
                }
            }

            // Freezing on this network's graph, at the last width.
            if (spec.Training && failures.Count == 0 && networks[^1] is ITrainableNetwork frozenNet)
                CheckFreezing(frozenNet, spec, cases[^1], failures);
        }
        finally
        {
            Simd.Width = saved;
        }
        return new CheckOutcome(failures, fragile, configurations, multiChunk, finiteDifferences) { ChunkSamples = chunkSamples, IllConditioned = illConditioned };
    }

    /// <summary>
    /// Freezing on the network's graph: with the layers at even positions frozen, at odd ones, and all but the middle one,
    /// every trained layer's gradient is bit for bit that of the same step unfrozen and every frozen one is left untouched.
    /// Bitwise because the steps are deterministic: the specs draw no dropout (a spec with dropout would need its masks pinned).
    /// </summary>
    private static void CheckFreezing(ITrainableNetwork network, NetworkSpec spec, Case c, List<string> failures)
    {
        const float Sentinel = 12345.5f;
        string[] layers = network.ParameterTable.Select(p => p.Layer).Distinct().ToArray();
        if (layers.Length == 0) return;
        network.ZeroGradients();
        Train(network, spec, c, useTargets: false);
        float[] full = (float[])network.Gradients.Clone();
        var patterns = new List<string[]>
        {
            layers.Where((_, i) => i % 2 == 0).ToArray(),
            layers.Where((_, i) => i % 2 == 1).ToArray(),
            layers.Where((_, i) => i != layers.Length / 2).ToArray(),
        };
        foreach (string[] frozen in patterns)
        {
            if (frozen.Length == 0) continue;
            network.ZeroGradients();
            foreach (string layer in frozen) network.Freeze(layer);
            foreach (ParameterInfo p in network.ParameterTable.Where(p => frozen.Contains(p.Layer))) network.Gradients.AsSpan(p.Offset, p.Length).Fill(Sentinel);
            try
            {
                Train(network, spec, c, useTargets: false);
            }
            finally
            {
                foreach (string layer in frozen) network.Unfreeze(layer);
            }
            foreach (ParameterInfo p in network.ParameterTable)
            {
                Span<float> got = network.Gradients.AsSpan(p.Offset, p.Length);
                bool ok = frozen.Contains(p.Layer) ? !got.ContainsAnyExcept(Sentinel) : got.SequenceEqual(full.AsSpan(p.Offset, p.Length));
                if (!ok) failures.Add($"with {string.Join(", ", frozen)} frozen ({Simd.Width}, batch {c.Batch}): d{p.Name} {(frozen.Contains(p.Layer) ? "was written" : "differs from the unfrozen step's")}");
            }
        }
        network.ZeroGradients();
    }

    private static void CheckContract(INetwork network, NetworkSpec spec, ReferenceInterpreter interpreter, List<string> failures)
    {
        if (network.InputLength != interpreter.InputLength) failures.Add($"InputLength {network.InputLength}, expected {interpreter.InputLength}");
        if (network.OutputLength != interpreter.OutputLength) failures.Add($"OutputLength {network.OutputLength}, expected {interpreter.OutputLength}");
        if (!network.InputShape.SequenceEqual(spec.Input)) failures.Add($"InputShape [{string.Join(", ", network.InputShape)}], expected [{string.Join(", ", spec.Input)}]");
        LossKind expectedLoss = spec.Head switch
        {
            HeadSpec.SoftmaxCrossEntropy => LossKind.SoftmaxCrossEntropy,
            HeadSpec.SigmoidBinaryCrossEntropy => LossKind.SigmoidBinaryCrossEntropy,
            HeadSpec.MeanSquaredError => LossKind.MeanSquaredError,
            HeadSpec.MultiClassHinge => LossKind.MultiClassHinge,
            _ => LossKind.None,
        };
        if (network.Loss != expectedLoss) failures.Add($"Loss {network.Loss}, expected {expectedLoss}");
        if (spec.Training != network is ITrainableNetwork) failures.Add($"ITrainableNetwork: {network is ITrainableNetwork}, Training = {spec.Training}");

        var actual = network.ParameterTable.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var expectedNames = interpreter.Parameters.Select(p => p.Name).ToList();
        if (!actual.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(expectedNames.OrderBy(k => k, StringComparer.Ordinal)))
        {
            failures.Add($"ParameterTable names [{string.Join(", ", network.ParameterTable.Select(p => p.Name))}], expected [{string.Join(", ", expectedNames)}]");
            return;
        }
        long total = 0;
        foreach (ExpectedParameter p in interpreter.Parameters)
        {
            ParameterInfo info = actual[p.Name];
            if (!info.Shape.SequenceEqual(p.Shape)) failures.Add($"{p.Name} shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", p.Shape)}]");
            if (info.Offset < 0 || info.Offset + info.Length > network.Parameters.Length) failures.Add($"{p.Name} offset {info.Offset} outside Parameters ({network.Parameters.Length})");
            total += info.Length;
        }
        if (total != network.Parameters.Length) failures.Add($"ParameterTable covers {total} floats, Parameters has {network.Parameters.Length}");
        var ranges = network.ParameterTable.OrderBy(p => p.Offset).ToList();
        for (int i = 1; i < ranges.Count; i++)
        {
            if (ranges[i - 1].Offset + ranges[i - 1].Length > ranges[i].Offset) failures.Add($"{ranges[i - 1].Name} overlaps {ranges[i].Name}");
        }
        if (network is ITrainableNetwork trainable && trainable.Gradients.Length != network.Parameters.Length)
            failures.Add($"Gradients has {trainable.Gradients.Length} floats, Parameters {network.Parameters.Length}");
    }

    /// <summary>
    /// Initialize(seed) as docs/api.md states: Init.Default resolved by the next activation (past pools and Flatten, before
    /// the next Dense/Conv2D: ReLU, LeakyReLU or ELU → He normal, otherwise Xavier uniform), PyTorch's fans
    /// (Conv2D in·k·k and out·k·k), zero biases except PyTorchDefault's U(±1/√fan_in). Uniform draws stay within their
    /// bound and (100 or more) reach 85% of it; normal draws (400 or more) have a standard deviation within 20% of the
    /// stated one (5σ of the estimate) and none beyond 7σ.
    /// </summary>
    private static void CheckInitialization(INetwork network, NetworkSpec spec, ReferenceInterpreter interpreter, Dictionary<string, ParameterInfo> table, List<string> failures)
    {
        foreach (ExpectedParameter p in interpreter.Parameters)
        {
            LayerSpec layer = p.Spec;
            if (layer.Kind == SpecKind.BatchNorm)
            {
                // PyTorch's reset_parameters: weight 1, bias 0, whatever the seed.
                float start = p.Name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
                if (network.Parameters.AsSpan(table[p.Name].Offset, p.Length).ContainsAnyExcept(start)) failures.Add($"Initialize: {p.Name} is not all {start}");
                continue;
            }
            string kind = layer.Init is null or "Default" ? p.DefaultInit : layer.Init;
            if (p.Name.EndsWith(".bias", StringComparison.Ordinal) && table[p.Name] is { } biasInfo)
            {
                // fan_in of the bias is the weight's (the layer's).
                ExpectedParameter weight = interpreter.Parameters.First(w => w.Layer == p.Layer);
                int biasFanIn = layer.Kind == SpecKind.Dense ? weight.Shape[1] : weight.Shape[1] * weight.Shape[2] * weight.Shape[3];
                ReadOnlySpan<float> bias = network.Parameters.AsSpan(biasInfo.Offset, biasInfo.Length);
                if (kind == "PyTorchDefault") CheckUniform(p.Name, bias, 1 / Math.Sqrt(biasFanIn), kind, failures);
                else if (bias.ContainsAnyExcept(0f)) failures.Add($"Initialize: {p.Name} ({kind}) is not all zero");
                continue;
            }
            int fanIn = layer.Kind == SpecKind.Dense ? p.Shape[1] : p.Shape[1] * p.Shape[2] * p.Shape[3];
            // PyTorch: fan_out = out·kh·kw (groups divide only fan_in, through the weight's second dimension).
            int fanOut = layer.Kind == SpecKind.Dense ? layer.Size : layer.Size * layer.ConvKernel * layer.ConvKernelWidth;
            ReadOnlySpan<float> values = network.Parameters.AsSpan(table[p.Name].Offset, table[p.Name].Length);
            switch (kind)
            {
                case "Zeros":
                    if (values.ContainsAnyExcept(0f)) failures.Add($"Initialize: {p.Name} (Zeros) is not all zero");
                    break;
                case "HeUniform": CheckUniform(p.Name, values, Math.Sqrt(6.0 / fanIn), kind, failures); break;
                case "XavierUniform": CheckUniform(p.Name, values, Math.Sqrt(6.0 / (fanIn + fanOut)), kind, failures); break;
                case "PyTorchDefault": CheckUniform(p.Name, values, 1 / Math.Sqrt(fanIn), kind, failures); break;
                case "HeNormal": CheckNormal(p.Name, values, Math.Sqrt(2.0 / fanIn), kind, failures); break;
                case "XavierNormal": CheckNormal(p.Name, values, Math.Sqrt(2.0 / (fanIn + fanOut)), kind, failures); break;
                default: throw new InvalidOperationException(kind);
            }
        }

        static void CheckUniform(string name, ReadOnlySpan<float> values, double bound, string kind, List<string> failures)
        {
            double max = 0;
            foreach (float v in values) max = Math.Max(max, Math.Abs(v));
            if (max > bound * (1 + 1e-6)) failures.Add($"Initialize: {name} ({kind}) reaches |{Fmt(max)}|, beyond its bound {Fmt(bound)}");
            else if (values.Length >= 100 && max < 0.85 * bound) failures.Add($"Initialize: {name} ({kind}) stays within |{Fmt(max)}| of its bound {Fmt(bound)}");
        }

        static void CheckNormal(string name, ReadOnlySpan<float> values, double std, string kind, List<string> failures)
        {
            double sum = 0, max = 0;
            foreach (float v in values)
            {
                sum += (double)v * v;
                max = Math.Max(max, Math.Abs(v));
            }
            double measured = Math.Sqrt(sum / values.Length);
            if (max > 7 * std) failures.Add($"Initialize: {name} ({kind}) has |{Fmt(max)}|, beyond 7σ = {Fmt(7 * std)}");
            else if (values.Length >= 400 && Math.Abs(measured - std) > 0.2 * std) failures.Add($"Initialize: {name} ({kind}) has σ {Fmt(measured)}, expected {Fmt(std)}");
        }
    }

    private static void RunCase(INetwork network, NetworkSpec spec, ReferenceInterpreter interpreter, Case c, string where, List<string> failures)
    {
        int outputs = interpreter.OutputLength;
        var output = new float[c.Batch * outputs];
        InterpreterResult evaluation = c.Evaluation ?? c.Expected;
        c.State.CopyTo(network.StateBuffer, 0);
        Array.Fill(output, float.NaN);
        network.Forward(c.Input, output, c.Batch);
        double[]? outputTerms = OutputTermAllowance(evaluation, 1);
        double forwardTolerance = CompareScaled($"{where}: Forward", output, evaluation.Output, ForwardScaled, ForwardRelative, failures, perEntry: outputTerms);

        Array.Fill(output, float.NaN);
        network.Predict(c.Input, output, c.Batch);
        if (spec.Head is HeadSpec.SoftmaxCrossEntropy or HeadSpec.SigmoidBinaryCrossEntropy)
            CompareRelative($"{where}: Predict", output, evaluation.Prediction, 2 * forwardTolerance + PredictRelative, failures);
        else
            CompareScaled($"{where}: Predict", output, evaluation.Prediction, ForwardScaled, ForwardRelative, failures, perEntry: outputTerms);

        if (network is not ITrainableNetwork trainable) return;
        if (c.TrainingRefused)
        {
            // A batch norm with one value per channel in training: refused with a message, as PyTorch refuses it.
            try
            {
                Train(trainable, spec, c, c.Labels is null);
                failures.Add($"{where}: TrainStep with one value per channel at a batch norm did not throw");
            }
            catch (ArgumentException e) when (e.Message.Contains("more than 1 value per channel", StringComparison.Ordinal))
            {
            }
            if (trainable.Gradients.AsSpan().ContainsAnyExcept(0f)) failures.Add($"{where}: gradients not zero after a refused TrainStep");
            return;
        }
        double outputScale = MaxAbs(c.Expected.Output);
        double a = Conditioning(c.Expected);
        HashSet<string> cancelled = interpreter.BiasesCancelledByBatchNorm;
        foreach (bool useTargets in spec.Head == HeadSpec.SoftmaxCrossEntropy ? new[] { false, true } : new[] { c.Labels is null })
        {
            InterpreterResult expected = useTargets && spec.Head == HeadSpec.SoftmaxCrossEntropy ? c.ExpectedWithTargets! : c.Expected;
            string how = useTargets ? "targets" : "labels";
            trainable.ZeroGradients();
            float loss = Train(trainable, spec, c, useTargets);
            double lossTolerance = a * (LossScaled * outputScale + LossRelative * Math.Abs(expected.Loss));
            if (!(Math.Abs(loss - expected.Loss) <= lossTolerance))
                failures.Add($"{where}: TrainStep({how}) loss {Fmt(loss)}, expected {Fmt(expected.Loss)} (tolerance {Fmt(lossTolerance)})");
            if (network is ITrainingOutputs last)
                CompareScaled($"{where}: LastOutputs after TrainStep({how})", last.LastOutputs, c.Expected.Output, a * ForwardScaled, a * ForwardRelative, failures,
                    perEntry: OutputTermAllowance(c.Expected, a));
            double floor = GradientFloorFor(expected, c.Batch, outputs, c.InputDouble);
            foreach (ParameterInfo info in network.ParameterTable)
            {
                double cancelledFloor = a * CancelledFloor(expected, c.Batch, info.Length);
                CompareScaled($"{where}: TrainStep({how}) d{info.Name}", trainable.Gradients.AsSpan(info.Offset, info.Length), expected.Gradients[info.Name],
                    a * GradientScaled, a * GradientRelative, failures, cancelled.Contains(info.Name) ? cancelledFloor : a * floor,
                    IsBias(info.Name) ? (ExactZero(expected), cancelledFloor) : default, TermAllowance(expected, info.Name, a));
            }
        }
    }

    /// <summary>
    /// The absolute floor of a gradient comparison: 1e-6·(1 + max|g| over all gradients)·max(1, √(batch·outputs)/4).
    /// A gradient that is zero in exact arithmetic (a bias under a shift-invariant head: softmax or hinge over the
    /// positions of a one-filter convolution) is a float sum over batch·outputs cancelling terms, whose rounding grows
    /// like the square root of their count (measured: 1.4e-6 over 7·364 terms). And times max(1, max|input|): softmax − onehot
    /// of a confident prediction (p = 1 − 2e-5) keeps only a few ulp of 1 exact, which a weight gradient multiplies by its
    /// input (measured: 1.7e-6 in dfc1.weight of [Input(5)] [Dense(16)] at inputs up to 18).
    /// </summary>
    private static double GradientFloorFor(InterpreterResult expected, int batch, int outputs, double[] input)
        => GradientFloor * (1 + expected.Gradients.Values.Select(MaxAbs).DefaultIfEmpty(0).Max()) * Math.Max(1, Math.Sqrt((double)batch * outputs) / 4)
            * Math.Max(1, MaxAbs(input));

    // Every dropout layer's mask from the interpreter's stream (DropoutMaskOverride, the generated test hook).
    private static void InstallDropoutMasks(INetwork network, ReferenceInterpreter interpreter)
    {
        var layers = interpreter.DropoutLayers().ToDictionary(d => d.Name, d => (d.Length, d.Rate), StringComparer.Ordinal);
        if (layers.Count == 0) return;
        Compiled.Networks.DropoutMaskHook hook = (layer, step, first, count, mask) =>
        {
            (int length, double rate) = layers[layer];
            ReferenceInterpreter.DropoutMask<float>(layer, first, count, length, rate, mask);
        };
        network.GetType().GetProperty("DropoutMaskOverride")!.SetValue(network, hook);
    }

    /// <summary>
    /// The floor for a bias whose every effect a batch norm removes (<see cref="ReferenceInterpreter.BiasesCancelledByBatchNorm"/>),
    /// whose exact gradient is 0: 1e-4·(1 + max|g|)·√(batch·features). A batch norm that forgot to subtract the mean gives
    /// such a bias a gradient of the order of max|g|, which this still catches.
    /// </summary>
    private static double CancelledFloor(InterpreterResult expected, int batch, int features)
        => 1e-4 * (1 + expected.Gradients.Values.Select(MaxAbs).DefaultIfEmpty(0).Max()) * Math.Sqrt((double)batch * features);

    /// <summary>
    /// Below this an entry of the double reference's gradient is an exact cancellation (1e-12·(1 + max|g|)): a bias entry
    /// the batch norm cancels only for this batch, e.g. through a ReLU that every sample keeps on the same side for that
    /// feature (seed 1's N485: d hidden_2.0.fc2.bias[1] = 7.6e-15 in double, 8.5e-6 in float). Such a bias entry is held to
    /// <see cref="CancelledFloor"/> too; chance alone does not bring a sum of terms of order max|g| within 1e-12 of 0.
    /// </summary>
    private static double ExactZero(InterpreterResult expected) => 1e-12 * (1 + expected.Gradients.Values.Select(MaxAbs).DefaultIfEmpty(0).Max());

    /// <summary>
    /// A gradient entry's allowance for the terms it sums: <see cref="TermScaled"/>·Σ|terms| (<see cref="InterpreterResult.TermMagnitudes"/>:
    /// the backward run on magnitudes, so a term's own rounding from the layers behind it counts), times the conditioning. A
    /// float sum is accurate relative to its terms' magnitude, not to its result; where they cancel, the result is a small
    /// difference of large terms. Measured in PyTorch: a bias before a sigmoid into a training-mode batch norm at batch 1
    /// (seed 14's N922, Scripts/bias_cancellation.py) keeps in float32 an error up to 2% of the largest bias gradient
    /// (Σ|terms| thousands of times |g|), 2.1e-6·max(1, κ/10)·Σ|terms| at most; dense weights before two batch norms fed one
    /// input feature (seed 19's N140, Scripts/batchnorm_scalar_input.py), whose gradients exist only through eps, up to 43x
    /// their true value. Where the terms do not cancel, Σ|terms| is about |g| and this adds 1e-5·|g| to the 1e-3·|g| the
    /// tolerance already has; a term left out or added twice is of order Σ|terms|/count, far above 1e-5·Σ|terms| for the
    /// counts these networks reach.
    /// </summary>
    /// <summary>
    /// 1e-5·Σ|terms| of each output (<see cref="InterpreterResult.OutputTermMagnitudes"/>), times the conditioning: where the
    /// last linear layer's terms cancel, the output is accurate relative to them (seed 74's N8978: a dense layer over the
    /// tanh of a batch norm of a zero-initialized layer's constant output, −2.26e-4 off by 7.7e-8 at every width, the
    /// same bits at each, over a tolerance of 6.8e-8 scaled by that small output).
    /// </summary>
    private static double[]? OutputTermAllowance(InterpreterResult expected, double conditioning)
        => expected.OutputTermMagnitudes?.Select(t => conditioning * TermScaled * t).ToArray();

    private static double[]? TermAllowance(InterpreterResult expected, string name, double conditioning)
        => expected.TermMagnitudes.TryGetValue(name, out double[]? terms) ? terms.Select(t => conditioning * TermScaled * t).ToArray() : null;

    private static bool IsBias(string name) => name.EndsWith(".bias", StringComparison.Ordinal);

    /// <summary>
    /// How much a training-mode batch norm magnifies float rounding beyond what the tolerances assume: max(1, κ/10), with
    /// κ = max|x|·invStd over its channels (<see cref="InterpreterResult.BatchNormConditioning"/>). Normalizing divides the
    /// input's rounding, about ε·max|x| (and the float sum of the batch mean's, about as large), by the batch's σ: for a
    /// batch that spreads its values κ is 2 to 10 and the base tolerances hold (thousands of networks); a channel nearly
    /// constant over the batch (a zero-initialized convolution, a saturated sigmoid, one input feature at batch 3) has κ in
    /// the hundreds, up to max|x|/√eps, and float results, PyTorch's too, differ from exact ones by κ times more
    /// (measured: 0.3% in a gradient at κ 262, seed 7's N2996 at every width and thread count).
    /// </summary>
    private static double Conditioning(InterpreterResult expected) => Math.Max(1, expected.BatchNormConditioning / TypicalConditioning);

    private static float Train(ITrainableNetwork network, NetworkSpec spec, Case c, bool useTargets)
        => spec.Head is HeadSpec.SoftmaxCrossEntropy or HeadSpec.MultiClassHinge && !useTargets
            ? network.TrainStep(c.Input, c.Labels!, c.Batch)
            : network.TrainStep(c.Input, c.Targets, c.Batch);

    private static void CheckFiniteDifferences(ReferenceInterpreter interpreter, Dictionary<string, double[]> parameters, Case c, Random random, List<string> failures)
    {
        HashSet<string> cancelled = interpreter.BiasesCancelledByBatchNorm;
        double largest = c.Expected.Gradients.Values.Select(MaxAbs).DefaultIfEmpty(0).Max();
        foreach (ExpectedParameter p in interpreter.Parameters)
        {
            double[] analytic = c.Expected.Gradients[p.Name];
            double scale = MaxAbs(analytic);
            if (cancelled.Contains(p.Name))
            {
                // A bias whose every effect a batch norm removes moves the loss along a direction the batch norm cancels: its
                // exact gradient is 0, so a central difference measures only the loss's rounding, amplified by 1/σ (up to
                // 1/√ε when the batch's variance is 0). Check the interpreter's gradient is 0 to rounding instead (which also
                // checks BiasesCancelledByBatchNorm's rules: a bias it lists wrongly has a gradient of the order of the others).
                if (!(scale <= 1e-12 * (1 + largest)))
                    failures.Add($"interpreter d{p.Name} has max |g| = {Fmt(scale)}; a bias whose effect a batch norm cancels has a gradient of exactly 0: the reference itself or the rule that listed it is wrong");
                continue;
            }
            double[] values = parameters[p.Name];
            for (int k = 0; k < Math.Min(4, p.Length); k++)
            {
                int index = random.Next(p.Length);
                double h = 1e-6 * Math.Max(1, Math.Abs(values[index]));
                double fd = CentralDifference(interpreter, parameters, c, values, index, h), g = analytic[index];
                double tolerance = FdScaled * scale + FdRelative * Math.Abs(g) + FdFloor;
                if (Math.Abs(fd - g) <= tolerance) continue;
                // The difference's own error: rounding of the loss grows as 1/h, truncation as h², so the same difference at
                // 2h and h/2 spreads by about as much as it errs. A batch norm over a channel that is constant or already
                // normalized (one fed by another) leaves a gradient near 0 that the loss's rounding, magnified by 1/σ up to
                // 1/√eps, swamps (seed 53's N705 and N225 in double); a wrong gradient is off by far more than the spread.
                double wide = CentralDifference(interpreter, parameters, c, values, index, 2 * h), narrow = CentralDifference(interpreter, parameters, c, values, index, h / 2);
                double spread = Math.Max(fd, Math.Max(wide, narrow)) - Math.Min(fd, Math.Min(wide, narrow));
                if (!(Math.Abs(fd - g) <= tolerance + spread))
                    failures.Add($"interpreter d{p.Name}[{index}] = {Fmt(g)}, central difference {Fmt(fd)} (at 2h {Fmt(wide)}, at h/2 {Fmt(narrow)}; tolerance {Fmt(tolerance)}): the reference itself is wrong");
            }
        }
    }

    /// <summary>(L(θ + h) − L(θ − h)) / 2h for the parameter entry values[index], from the double interpreter.</summary>
    private static double CentralDifference(ReferenceInterpreter interpreter, Dictionary<string, double[]> parameters, Case c, double[] values, int index, double h)
    {
        bool useLabels = c.Labels is not null;
        double saved = values[index];
        values[index] = saved + h;
        double plus = interpreter.Run(parameters, c.InputDouble, c.Batch, useLabels ? c.Labels : null, useLabels ? null : c.TargetsDouble, true).Loss;
        values[index] = saved - h;
        double minus = interpreter.Run(parameters, c.InputDouble, c.Batch, useLabels ? c.Labels : null, useLabels ? null : c.TargetsDouble, true).Loss;
        values[index] = saved;
        return (plus - minus) / (2 * h);
    }

    /// <summary>
    /// Element-wise |a − e| ≤ scaled·max|e| + relative·|e| + floor, the floor raised to <paramref name="zero"/>'s where
    /// |e| ≤ its bound; returns the largest tolerance (for Predict's bound).
    /// </summary>
    private static double CompareScaled(string what, ReadOnlySpan<float> actual, double[] expected, double scaled, double relative, List<string> failures, double floor = 0,
        (double Below, double Floor) zero = default, double[]? perEntry = null)
    {
        double absolute = scaled * MaxAbs(expected) + floor;
        double absoluteAtZero = scaled * MaxAbs(expected) + Math.Max(floor, zero.Floor);
        if (actual.Length != expected.Length)
        {
            failures.Add($"{what}: {actual.Length} values, expected {expected.Length}");
            return absolute;
        }
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = (Math.Abs(expected[i]) <= zero.Below ? absoluteAtZero : absolute) + relative * Math.Abs(expected[i])
                + (perEntry is null ? 0 : perEntry[i]);
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
            {
                mismatches++;
                if (first < 0) first = i;
            }
        }
        if (first >= 0)
        {
            double tolerance = (Math.Abs(expected[first]) <= zero.Below ? absoluteAtZero : absolute) + relative * Math.Abs(expected[first])
                + (perEntry is null ? 0 : perEntry[first]);
            failures.Add($"{what}[{first}] = {Fmt(actual[first])}, expected {Fmt(expected[first])} (tolerance {Fmt(tolerance)}; {mismatches} of {expected.Length} differ)");
        }
        return absolute + relative * MaxAbs(expected);
    }

    private static void CompareRelative(string what, ReadOnlySpan<float> actual, double[] expected, double relative, List<string> failures)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Abs(expected[i]) + PredictFloor;
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
            {
                failures.Add($"{what}[{i}] = {Fmt(actual[i])}, expected {Fmt(expected[i])} (relative tolerance {Fmt(relative)})");
                return;
            }
        }
    }

    private static double MaxAbs(double[] values) => values.Length == 0 ? 0 : values.Max(Math.Abs);
    private static string Fmt(double value) => value.ToString("G7", CultureInfo.InvariantCulture);
    private static string Unwrap(Exception e)
    {
        if (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) e = inner;
        return string.Join("\n", e.ToString().Split('\n').Take(4));
    }

    /// <summary>One batch: inputs, labels and targets (as the head takes them) and the interpreter's results.</summary>
    private sealed record Case
    {
        public required int Batch { get; init; }
        public required float[] Input { get; init; }
        public required double[] InputDouble { get; init; }
        public int[]? Labels { get; init; }
        public float[] Targets { get; init; } = Array.Empty<float>();
        public double[]? TargetsDouble { get; init; }
        public required InterpreterResult Expected { get; init; }
        public InterpreterResult? ExpectedWithTargets { get; init; }
        /// <summary>Evaluation mode's results (Forward, Predict) when the network has layers that differ by mode; else <see cref="Expected"/> serves.</summary>
        public InterpreterResult? Evaluation { get; init; }
        /// <summary>A training step on this batch must be refused (a batch norm with one value per channel).</summary>
        public bool TrainingRefused { get; init; }
        /// <summary>The networks' state buffer Forward and Predict must see (batch norm's running statistics).</summary>
        public float[] State { get; init; } = Array.Empty<float>();
        public double KinkMargin { get; init; }

        /// <summary>The same inputs with the training results (loss, gradients) too, when the network trains.</summary>
        public Case Complete(NetworkSpec spec, ReferenceInterpreter interpreter, Dictionary<string, double[]> parameters)
        {
            if (!spec.Training) return this;
            if (interpreter.TrainingRefused(Batch)) return this with { TrainingRefused = true };
            bool takesLabels = Labels is not null;
            InterpreterResult training = interpreter.Run(parameters, InputDouble, Batch, Labels, takesLabels ? null : TargetsDouble, true);
            InterpreterResult? withTargets = spec.Head == HeadSpec.SoftmaxCrossEntropy
                ? interpreter.Run(parameters, InputDouble, Batch, null, Targets.Select(v => (double)v).ToArray(), true)
                : null;
            return new Case
            {
                Batch = Batch, Input = Input, InputDouble = InputDouble, Labels = Labels, Targets = Targets, TargetsDouble = TargetsDouble,
                Evaluation = interpreter.HasModes ? Expected : null,
                Expected = training,
                ExpectedWithTargets = withTargets,
                // The training step's kinks too: with a batch norm its forward (batch statistics) differs from evaluation's,
                // and a hinge term there within rounding of its margin flips (seed 63's N4518: 3.9e-7 from it at training,
                // 0.096 at evaluation; the flip moved a convolution's weight gradient behind the batch norm by 0.36%).
                KinkMargin = Math.Min(KinkMargin, Math.Min(training.KinkMargin, withTargets?.KinkMargin ?? double.PositiveInfinity)),
            };
        }

        /// <summary>Random inputs, labels and targets; the interpreter's forward results (and training results if <paramref name="training"/>).</summary>
        public static Case Draw(NetworkSpec spec, ReferenceInterpreter interpreter, Dictionary<string, double[]> parameters, int batch, Random random, bool training)
        {
            int outputs = interpreter.OutputLength;
            // Now and then large inputs, to reach saturated activations and the far tails of softmax and sigmoid.
            float[] input = Normal(random, batch * interpreter.InputLength, random.NextDouble() < 0.3 ? 6 : 1);
            double[] inputDouble = input.Select(v => (double)v).ToArray();
            int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(outputs)).ToArray();
            float[] targets = spec.Head switch
            {
                HeadSpec.SigmoidBinaryCrossEntropy => Enumerable.Range(0, batch * outputs).Select(_ => (float)random.NextDouble()).ToArray(),
                HeadSpec.MeanSquaredError => Normal(random, batch * outputs),
                HeadSpec.SoftmaxCrossEntropy => SoftmaxRows(Normal(random, batch * outputs), outputs),
                _ => Array.Empty<float>(),
            };
            double[] targetsDouble = targets.Select(v => (double)v).ToArray();
            training &= spec.Training;
            bool takesLabels = spec.Head is HeadSpec.SoftmaxCrossEntropy or HeadSpec.MultiClassHinge;
            InterpreterResult expected = interpreter.Run(parameters, inputDouble, batch, takesLabels ? labels : null, takesLabels ? null : targetsDouble, training);
            InterpreterResult? withTargets = training && spec.Head == HeadSpec.SoftmaxCrossEntropy
                ? interpreter.Run(parameters, inputDouble, batch, null, targetsDouble, true)
                : null;
            return new Case
            {
                Batch = batch, Input = input, InputDouble = inputDouble, Labels = takesLabels ? labels : null, Targets = targets,
                TargetsDouble = takesLabels ? null : targetsDouble, Expected = expected, ExpectedWithTargets = withTargets,
                KinkMargin = expected.KinkMargin,
            };
        }

        private static float[] Normal(Random random, int count, double scale = 1)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
                values[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            return values;
        }

        private static float[] SoftmaxRows(float[] logits, int classes)
        {
            var result = new float[logits.Length];
            for (int row = 0; row < logits.Length / classes; row++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < classes; j++) max = Math.Max(max, logits[row * classes + j]);
                for (int j = 0; j < classes; j++) sum += Math.Exp(logits[row * classes + j] - max);
                for (int j = 0; j < classes; j++) result[row * classes + j] = (float)(Math.Exp(logits[row * classes + j] - max) / sum);
            }
            return result;
        }
    }
}
