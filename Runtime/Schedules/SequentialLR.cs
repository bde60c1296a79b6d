using System;
using System.Collections.Generic;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// <c>torch.optim.lr_scheduler.SequentialLR</c>: runs <c>schedules[0]</c> until <c>milestones[0]</c>, then
/// <c>schedules[1]</c> from its own epoch 0, and so on: the usual linear warm-up followed by a decay, e.g.
/// <code>
/// var warmup = new LinearLR(sgd, startFactor: 0.01, totalIters: 5);
/// var cosine = new CosineAnnealingLR(sgd, tMax: 95);
/// var schedule = new SequentialLR(sgd, [warmup, cosine], milestones: [5]);
/// </code>
/// Each child uses its closed form at its own epoch (epochs since its milestone), from the optimizer's initial rates.
/// </summary>
public sealed class SequentialLR : EpochSchedule
{
    private readonly EpochSchedule[] _schedules;
    private readonly int[] _milestones;

    /// <param name="optimizer">The optimizer every child drives.</param>
    /// <param name="schedules">The schedules in order (built on <paramref name="optimizer"/>).</param>
    /// <param name="milestones">The epochs at which the next schedule takes over: one fewer than the schedules, increasing.</param>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<EpochSchedule> schedules, IReadOnlyList<int> milestones) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedules.Count == 0) throw new ArgumentException("SequentialLR needs at least one schedule.", nameof(schedules));
        if (milestones.Count != schedules.Count - 1)
            throw new ArgumentException($"SequentialLR needs one milestone fewer than schedules: {schedules.Count} schedules, {milestones.Count} milestones.", nameof(milestones));
        for (int i = 0; i < schedules.Count; i++)
        {
            if (schedules[i] is null) throw new ArgumentException($"Schedule {i} is null.", nameof(schedules));
            if (!ReferenceEquals(schedules[i].Optimizer, optimizer))
                throw new ArgumentException($"Schedule {i} ({schedules[i].GetType().Name}) drives a different optimizer than the SequentialLR.", nameof(schedules));
            if (schedules[i] is SequentialLR) throw new ArgumentException("A SequentialLR cannot contain another SequentialLR.", nameof(schedules));
        }
        for (int i = 0; i < milestones.Count; i++)
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
                throw new ArgumentException($"Milestones must be positive and increasing; got [{string.Join(", ", milestones)}].", nameof(milestones));
        _schedules = [.. schedules];
        _milestones = [.. milestones];
        Start();
    }

    public IReadOnlyList<EpochSchedule> Schedules => _schedules;
    public IReadOnlyList<int> Milestones => _milestones;

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate)
    {
        int index = 0;
        while (index < _milestones.Length && _milestones[index] <= epoch) index++;
        int local = index == 0 ? epoch : epoch - _milestones[index - 1];
        return _schedules[index].RateAt(local, baseRate);
    }
}
