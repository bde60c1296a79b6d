using System;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// <c>torch.optim.lr_scheduler.LinearLR</c>, the usual linear warm-up: the factor goes linearly from
/// <c>startFactor</c> to <c>endFactor</c> over <c>totalIters</c> epochs (or steps) and stays there:
/// <c>lr = base · (start + (end − start) · min(epoch, totalIters) / totalIters)</c>.
/// Chain it before another schedule with <see cref="SequentialLR"/> (warm-up, then cosine).
/// </summary>
public sealed class LinearLR : EpochSchedule
{
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="startFactor">Factor at epoch 0, in (0, 1] (default 1/3).</param>
    /// <param name="endFactor">Factor from <paramref name="totalIters"/> on, in [0, 1] (default 1).</param>
    /// <param name="totalIters">Epochs (or steps) of the ramp (default 5).</param>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "startFactor must be in (0, 1], as torch requires.");
        if (!(endFactor >= 0 && endFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "endFactor must be in [0, 1], as torch requires.");
        RequirePositive(totalIters, nameof(totalIters));
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        Start();
    }

    public double StartFactor { get; }
    public double EndFactor { get; }
    public int TotalIters { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) =>
        baseRate * (StartFactor + (EndFactor - StartFactor) * Math.Min(TotalIters, epoch) / TotalIters);
}
