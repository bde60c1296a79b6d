using System;
using System.Collections.Generic;

namespace Compiled.Runtime.Tests.Training;

/// <summary>
/// A hand-written trainable network for the trainer tests: one Dense layer "fc1" (weight [classes, features], bias [classes])
/// with softmax cross-entropy, in the generated networks' layout. Can poison a gradient at a chosen step.
/// </summary>
internal sealed class SoftmaxRegression : ITrainableNetwork, ITrainingOutputs
{
    private readonly int _features;
    private readonly int _classes;
    private readonly ParameterInfo[] _table;
    private float[] _logits = [];
    private int _lastBatch;
    private int _steps;

    public SoftmaxRegression(int features, int classes)
    {
        _features = features;
        _classes = classes;
        _table =
        [
            new ParameterInfo("fc1.weight", "fc1", 0, [classes, features]),
            new ParameterInfo("fc1.bias", "fc1", classes * features, [classes]),
        ];
        Parameters = new float[classes * features + classes];
        Gradients = new float[Parameters.Length];
    }

    /// <summary>When set, TrainStep number <c>Step</c> (1-based, counting all calls) writes <c>Value</c> into gradient <c>Index</c>.</summary>
    public (int Step, int Index, float Value)? Poison { get; set; }

    public int InputLength => _features;
    public int OutputLength => _classes;
    public IReadOnlyList<int> InputShape => [_features];
    public LossKind Loss => LossKind.SoftmaxCrossEntropy;
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public IReadOnlyList<ParameterInfo> ParameterTable => _table;
    public int Threads { get; set; } = 1;
    public string Summary => $"fc1 Dense [{_features}] -> [{_classes}]";
    public string Architecture => $"Input[{_features}];Dense fc1 units={_classes} bias=true ->[{_classes}];SoftmaxCrossEntropy";
    public ReadOnlySpan<float> LastOutputs => _logits.AsSpan(0, _lastBatch * _classes);

    public void Initialize(int seed)
    {
        var random = new SeededRandom((ulong)seed);
        Initialization.WeightInit.FillWeights(Init.XavierUniform, Parameters.AsSpan(0, _classes * _features), _features, _classes, random);
        Parameters.AsSpan(_classes * _features).Clear();
    }

    // x [batch, features] → y [batch, classes]: y = x·Wᵀ + b
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        ReadOnlySpan<float> w = Parameters.AsSpan(0, _classes * _features);
        ReadOnlySpan<float> b = Parameters.AsSpan(_classes * _features);
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < _classes; c++)
            {
                float sum = b[c];
                for (int f = 0; f < _features; f++) sum += w[c * _features + f] * input[n * _features + f];
                output[n * _classes + c] = sum;
            }
    }

    public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => Forward(input, output, batch);

    public void ZeroGradients() => Array.Clear(Gradients);

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch)
    {
        _steps++;
        if (_logits.Length < batch * _classes) _logits = new float[batch * _classes];
        _lastBatch = batch;
        Forward(input, _logits, batch);
        Span<float> dw = Gradients.AsSpan(0, _classes * _features);
        Span<float> db = Gradients.AsSpan(_classes * _features);
        Span<float> p = stackalloc float[_classes];
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> z = _logits.AsSpan(n * _classes, _classes);
            float max = float.NegativeInfinity;
            foreach (float v in z) max = MathF.Max(max, v);
            float sum = 0;
            for (int c = 0; c < _classes; c++) sum += p[c] = MathF.Exp(z[c] - max);
            loss += MathF.Log(sum) + max - z[labels[n]];
            for (int c = 0; c < _classes; c++)
            {
                float d = (p[c] / sum - (c == labels[n] ? 1f : 0f)) / batch;   // dL/dz, mean over the batch
                db[c] += d;
                for (int f = 0; f < _features; f++) dw[c * _features + f] += d * input[n * _features + f];
            }
        }
        if (Poison is { } poison && poison.Step == _steps) Gradients[poison.Index] = poison.Value;
        return (float)(loss / batch);
    }

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch) =>
        throw new NotSupportedException("The test network trains on class labels only.");
}
