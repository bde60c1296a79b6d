using System;
using System.Collections.Generic;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// <c>torch.optim.lr_scheduler.MultiStepLR</c>: the rate is multiplied by <c>gamma</c> at each milestone epoch:
/// <c>lr = base · gamma^(milestones ≤ epoch)</c>. A milestone listed twice decays twice, as torch's counter does.
/// </summary>
public sealed class MultiStepLR : EpochSchedule
{
    private readonly int[] _milestones;

    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="milestones">Epochs at which the rate decays (any order; repeats count).</param>
    /// <param name="gamma">Multiplicative factor (default 0.1).</param>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones];
        foreach (int m in _milestones)
            if (m < 0) throw new ArgumentOutOfRangeException(nameof(milestones), m, "Milestones must be >= 0.");
        Array.Sort(_milestones);
        if (!double.IsFinite(gamma) || gamma < 0) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be finite and >= 0.");
        Gamma = gamma;
        Start();
    }

    /// <summary>The milestones, sorted.</summary>
    public IReadOnlyList<int> Milestones => _milestones;
    public double Gamma { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate)
    {
        int passed = 0;
        while (passed < _milestones.Length && _milestones[passed] <= epoch) passed++;
        return baseRate * Math.Pow(Gamma, passed);
    }
}
