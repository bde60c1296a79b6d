using System;
using Compiled.Optimizers;
using Compiled.Schedules;

namespace Compiled.Runtime.Tests.Schedules;

/// <summary>An optimizer that updates nothing but lets a schedule set its momentum, as SGD and Adam do in torch.</summary>
internal sealed class ScheduleTestOptimizer : Optimizer, IScheduledMomentum
{
    public ScheduleTestOptimizer(float learningRate, float momentum) : base(learningRate) => ScheduledMomentum = momentum;

    public float ScheduledMomentum { get; set; }

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => BeginStep(parameters.Length, gradients.Length);
}
