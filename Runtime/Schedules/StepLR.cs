using System;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// <c>torch.optim.lr_scheduler.StepLR</c>: every <c>stepSize</c> epochs the rate is multiplied by <c>gamma</c>:
/// <c>lr = base · gamma^⌊epoch / stepSize⌋</c>.
/// </summary>
public sealed class StepLR : EpochSchedule
{
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="stepSize">Epochs between decays (torch's <c>step_size</c>).</param>
    /// <param name="gamma">Multiplicative factor (default 0.1).</param>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        RequirePositive(stepSize, nameof(stepSize));
        if (!double.IsFinite(gamma) || gamma < 0) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be finite and >= 0.");
        StepSize = stepSize;
        Gamma = gamma;
        Start();
    }

    public int StepSize { get; }
    public double Gamma { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => baseRate * Math.Pow(Gamma, epoch / StepSize);
}
