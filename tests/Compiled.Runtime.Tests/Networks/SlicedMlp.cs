using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Networks;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Networks;

/// <summary>
/// A hand-written network on <see cref="StepRunner"/>, written as the generator will write one: input [I] → fc1 (Dense H) →
/// ReLU → fc2 (Dense C) → softmax cross-entropy. Forward, loss and the input gradients run per slice; the weight gradients
/// either per slice into each thread's buffer (<c>ownedWeights: false</c>) or, after a barrier, over the whole batch with
/// each thread owning a range of output features, straight into the network's gradients (<c>ownedWeights: true</c>).
/// </summary>
internal sealed class SlicedMlp : IFusedTrainStep, ITrainingOutputs
{
    private readonly int _in, _hidden, _classes;
    private readonly int _w1, _b1, _w2, _b2;
    private readonly bool _ownedWeights;
    private readonly StepRunner _runner;
    private readonly StepBody _forward;
    private readonly StepBody _trainLabels;
    private readonly StepBody _trainTargets;
    private readonly ParameterInfo[] _table;

    /// <param name="ownedRows">
    /// With <paramref name="ownedWeights"/>: also declare the weights as <see cref="StepRunner.OwnedParameters"/>, so the
    /// optimizer step updates each thread's rows on that thread (this network's forward pass reads every row on every thread,
    /// which costs speed, not correctness).
    /// </param>
    public SlicedMlp(int inputs, int hidden, int classes, int threads, bool ownedWeights, bool ownedRows = false)
    {
        _in = inputs;
        _hidden = hidden;
        _classes = classes;
        _ownedWeights = ownedWeights;
        _w1 = 0;
        _b1 = hidden * inputs;
        _w2 = _b1 + hidden;
        _b2 = _w2 + classes * hidden;
        _table =
        [
            new ParameterInfo("fc1.weight", "fc1", _w1, [hidden, inputs]),
            new ParameterInfo("fc1.bias", "fc1", _b1, [hidden]),
            new ParameterInfo("fc2.weight", "fc2", _w2, [classes, hidden]),
            new ParameterInfo("fc2.bias", "fc2", _b2, [classes]),
        ];
        Parameters = new float[_b2 + classes];
        Gradients = new float[Parameters.Length];
        _runner = new StepRunner(threads);
        // Per sample: the hidden activations, the logits' gradient, the hidden gradient.
        _runner.Reserve(hidden + classes + hidden, 0, 0, 0);
        if (ownedWeights) _runner.SlicedGradients = [new ParameterRange(_b1, hidden), new ParameterRange(_b2, classes)];
        if (ownedWeights && ownedRows) _runner.OwnedParameters = [new OwnedParameterRows(_w1, hidden, inputs), new OwnedParameterRows(_w2, classes, hidden)];
        _forward = Forward;
        _trainLabels = TrainLabels;
        _trainTargets = TrainTargets;
    }

    /// <summary>Set by a test: the body throws on this thread (before or after its barrier) at the next training step.</summary>
    public (int Thread, bool AfterBarrier)? FailOn { get; set; }

    public int InputLength => _in;
    public int OutputLength => _classes;
    public IReadOnlyList<int> InputShape => [_in];
    public LossKind Loss => LossKind.SoftmaxCrossEntropy;
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public IReadOnlyList<ParameterInfo> ParameterTable => _table;
    public int Threads { get => _runner.Threads; set => _runner.Threads = value; }
    public string Summary => "SlicedMlp";
    public string Architecture => $"SlicedMlp {_in}-{_hidden}-{_classes}";
    public ReadOnlySpan<float> LastOutputs => _runner.LastOutputs;

    public void Initialize(int seed)
    {
        var random = new SeededRandom(unchecked((ulong)seed));
        for (int i = 0; i < Parameters.Length; i++) Parameters[i] = 0.3f * random.NextGaussian();
    }

    public void ZeroGradients() => Array.Clear(Gradients);

    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        NetworkGuard.CheckInference(input.Length, output.Length, batch, _in, _classes);
        _runner.Infer(_forward, input, _in, output, _classes, batch);
    }

    public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        Forward(input, output, batch);
        LossKernels.Softmax(output, output, batch, _classes);
    }

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch) => TrainStep(input, labels, batch, null);

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch) => TrainStep(input, targets, batch, null);

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, StepOptions? options)
    {
        NetworkGuard.CheckLabels(input.Length, labels, batch, _in, _classes);
        return _runner.Train(_trainLabels, input, _in, labels, default, _classes, batch, Gradients, options) / batch;
    }

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, StepOptions? options)
    {
        NetworkGuard.CheckTargets(input.Length, targets.Length, batch, _in, _classes);
        return _runner.Train(_trainTargets, input, _in, default, targets, _classes, batch, Gradients, options) / batch;
    }

    float IFusedTrainStep.TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, StepOptions options) => TrainStep(input, labels, batch, options);

    float IFusedTrainStep.TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, StepOptions options) => TrainStep(input, targets, batch, options);

    public void Dispose() => _runner.Dispose();

    private void Forward(in StepContext ctx)
    {
        Span<float> hidden = ctx.Workspace(ctx.Start * _hidden, ctx.Count * _hidden);
        RunForward(in ctx, hidden, ctx.Output);
    }

    private void RunForward(in StepContext ctx, Span<float> hidden, Span<float> logits)
    {
        ReadOnlySpan<float> p = Parameters;
        int n = ctx.Count;
        DenseKernels.Forward(ctx.Input, p.Slice(_w1, _hidden * _in), p.Slice(_b1, _hidden), hidden, n, _in, _hidden);
        ActivationKernels.Relu(hidden, hidden);
        DenseKernels.Forward(hidden, p.Slice(_w2, _classes * _hidden), p.Slice(_b2, _classes), logits, n, _hidden, _classes);
    }

    private void TrainLabels(in StepContext ctx)
    {
        Span<float> dLogits = LogitGradient(in ctx, out Span<float> hidden);
        ctx.AddLoss(LossKernels.SoftmaxCrossEntropy(ctx.Output, ctx.Labels, dLogits, ctx.Count, _classes, 1f / ctx.Batch));
        Backward(in ctx, hidden, dLogits);
    }

    private void TrainTargets(in StepContext ctx)
    {
        Span<float> dLogits = LogitGradient(in ctx, out Span<float> hidden);
        ctx.AddLoss(LossKernels.SoftmaxCrossEntropy(ctx.Output, ctx.Targets, dLogits, ctx.Count, _classes, 1f / ctx.Batch));
        Backward(in ctx, hidden, dLogits);
    }

    // Workspace, layer-major over the whole batch: hidden [B, H] at 0, dLogits [B, C] at H·B, dHidden [B, H] at (H + C)·B.
    private Span<float> LogitGradient(in StepContext ctx, out Span<float> hidden)
    {
        hidden = ctx.Workspace(ctx.Start * _hidden, ctx.Count * _hidden);
        RunForward(in ctx, hidden, ctx.Output);
        return ctx.Workspace(_hidden * ctx.Batch + ctx.Start * _classes, ctx.Count * _classes);
    }

    private void Backward(in StepContext ctx, Span<float> hidden, Span<float> dLogits)
    {
        if (FailOn is { AfterBarrier: false } before && before.Thread == ctx.Thread) throw new InvalidOperationException($"failure on thread {ctx.Thread}");
        ReadOnlySpan<float> p = Parameters;
        Span<float> g = ctx.Gradients;
        int n = ctx.Count, batch = ctx.Batch;
        Span<float> dHidden = ctx.Workspace((_hidden + _classes) * batch + ctx.Start * _hidden, n * _hidden);
        bool perSlice = !_ownedWeights;
        DenseKernels.Backward(hidden, p.Slice(_w2, _classes * _hidden), dLogits, dHidden,
            perSlice ? g.Slice(_w2, _classes * _hidden) : default, g.Slice(_b2, _classes), n, _hidden, _classes);
        ActivationKernels.ReluBackward(hidden, dHidden, dHidden);
        DenseKernels.Backward(ctx.Input, p.Slice(_w1, _hidden * _in), dHidden, default,
            perSlice ? g.Slice(_w1, _hidden * _in) : default, g.Slice(_b1, _hidden), n, _in, _hidden);
        if (!_ownedWeights) return;

        // Every slice's deltas are written: each thread computes its output features' weight gradients over the whole batch.
        ctx.Barrier();
        if (FailOn is { AfterBarrier: true } after && after.Thread == ctx.Thread) throw new InvalidOperationException($"failure on thread {ctx.Thread}");
        Span<float> shared = ctx.SharedGradients;
        ReadOnlySpan<float> allHidden = ctx.Workspace(0, batch * _hidden);
        ReadOnlySpan<float> allDLogits = ctx.Workspace(_hidden * batch, batch * _classes);
        ReadOnlySpan<float> allDHidden = ctx.Workspace((_hidden + _classes) * batch, batch * _hidden);
        (int o2, int c2) = ctx.OwnedRange(_classes);
        if (c2 > 0)   // dw2 [o2 .. o2 + c2, H] += dLogits[:, o2 ..]ᵀ · hidden
            Gemm.Multiply(true, false, c2, _hidden, batch, allDLogits.Slice(o2), _classes, allHidden, _hidden, shared.Slice(_w2 + o2 * _hidden, c2 * _hidden), _hidden, accumulate: true);
        (int o1, int c1) = ctx.OwnedRange(_hidden);
        if (c1 > 0)   // dw1 [o1 .. o1 + c1, I] += dHidden[:, o1 ..]ᵀ · x
            Gemm.Multiply(true, false, c1, _in, batch, allDHidden.Slice(o1), _hidden, ctx.BatchInput, _in, shared.Slice(_w1 + o1 * _in, c1 * _in), _in, accumulate: true);
    }
}

/// <summary>The same network seen only as an <see cref="ITrainableNetwork"/>: the trainer takes its unfused path.</summary>
internal sealed class UnfusedView(SlicedMlp inner) : ITrainableNetwork, ITrainingOutputs
{
    public int InputLength => inner.InputLength;
    public int OutputLength => inner.OutputLength;
    public IReadOnlyList<int> InputShape => inner.InputShape;
    public LossKind Loss => inner.Loss;
    public float[] Parameters => inner.Parameters;
    public IReadOnlyList<ParameterInfo> ParameterTable => inner.ParameterTable;
    public int Threads { get => inner.Threads; set => inner.Threads = value; }
    public string Summary => inner.Summary;
    public string Architecture => inner.Architecture;
    public float[] Gradients => inner.Gradients;
    public ReadOnlySpan<float> LastOutputs => inner.LastOutputs;
    public void Initialize(int seed) => inner.Initialize(seed);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => inner.Forward(input, output, batch);
    public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => inner.Predict(input, output, batch);
    public void ZeroGradients() => inner.ZeroGradients();
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch) => inner.TrainStep(input, labels, batch);
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch) => inner.TrainStep(input, targets, batch);
}
