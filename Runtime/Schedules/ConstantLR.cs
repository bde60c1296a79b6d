using System;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// <c>torch.optim.lr_scheduler.ConstantLR</c>: <c>lr = base · factor</c> for the first <c>totalIters</c> epochs, then <c>base</c>.
/// </summary>
public sealed class ConstantLR : EpochSchedule
{
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="factor">Factor during the first epochs, in [0, 1] (default 1/3).</param>
    /// <param name="totalIters">Epochs (or steps) at the reduced rate (default 5).</param>
    public ConstantLR(Optimizer optimizer, double factor = 1.0 / 3, int totalIters = 5) : base(optimizer)
    {
        if (!(factor >= 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor must be in [0, 1], as torch requires.");
        if (totalIters < 0) throw new ArgumentOutOfRangeException(nameof(totalIters), totalIters, "totalIters must be >= 0.");
        Factor = factor;
        TotalIters = totalIters;
        Start();
    }

    public double Factor { get; }
    public int TotalIters { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => baseRate * (epoch >= TotalIters ? 1.0 : Factor);
}
