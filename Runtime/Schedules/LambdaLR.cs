using System;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary><c>torch.optim.lr_scheduler.LambdaLR</c>: <c>lr = base · factor(epoch)</c> for a function you give.</summary>
public sealed class LambdaLR : EpochSchedule
{
    private readonly Func<int, double> _factor;

    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="factor">The multiplier of the base rate at each epoch (0-based); must return a finite value ≥ 0.</param>
    public LambdaLR(Optimizer optimizer, Func<int, double> factor) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(factor);
        _factor = factor;
        Start();
    }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate)
    {
        double f = _factor(epoch);
        if (!double.IsFinite(f) || f < 0)
            throw new InvalidOperationException($"The LambdaLR factor for epoch {epoch} is {f}; it must be finite and >= 0.");
        return baseRate * f;
    }
}
