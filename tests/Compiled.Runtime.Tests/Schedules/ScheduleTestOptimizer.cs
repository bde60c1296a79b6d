using System.Collections.Generic;
using Compiled.Optimizers;
using Compiled.Schedules;

namespace Compiled.Runtime.Tests.Schedules;

/// <summary>An optimizer that updates nothing but lets a schedule set its momentum, as SGD and Adam do in torch.</summary>
internal sealed class ScheduleTestOptimizer : Optimizer, IScheduledMomentum
{
    public ScheduleTestOptimizer(float learningRate, float momentum) : base(learningRate, 0f, []) => ScheduledMomentum = momentum;

    public float ScheduledMomentum { get; set; }

    private protected override void Update(in ParameterSlice slice)
    {
    }

    private protected override void DescribeHyperparameters(Dictionary<string, double> hyperparameters) =>
        hyperparameters["momentum"] = ScheduledMomentum;
}
