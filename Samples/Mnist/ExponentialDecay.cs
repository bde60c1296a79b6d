using System;
using Compiled.Training;

namespace Compiled.Samples.Mnist;

/// <summary>Per-epoch learning-rate decay: epoch e (1-based) trains with <c>lr0 · factor^(e − 1)</c>.</summary>
internal sealed class ExponentialDecay : ITrainingCallback
{
    private readonly float _initial;
    private readonly float _factor;

    public ExponentialDecay(float initial, float factor)
    {
        _initial = initial;
        _factor = factor;
    }

    public void OnEpochStart(TrainingContext context) =>
        context.Optimizer.LearningRate = _initial * MathF.Pow(_factor, context.Epoch - 1);
}
