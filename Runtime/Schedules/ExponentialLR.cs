using System;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary><c>torch.optim.lr_scheduler.ExponentialLR</c>: <c>lr = base · gamma^epoch</c>.</summary>
public sealed class ExponentialLR : EpochSchedule
{
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="gamma">Multiplicative factor per epoch.</param>
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer)
    {
        if (!double.IsFinite(gamma) || gamma < 0) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be finite and >= 0.");
        Gamma = gamma;
        Start();
    }

    public double Gamma { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => baseRate * Math.Pow(Gamma, epoch);
}
