using System;
using System.Collections.Generic;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>How <see cref="OneCycleLR"/> moves between its phase end points (torch's <c>anneal_strategy</c>).</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine (torch's <c>'cos'</c>, the default).</summary>
    Cos,
    /// <summary>A straight line (torch's <c>'linear'</c>).</summary>
    Linear,
}

/// <summary>
/// <c>torch.optim.lr_scheduler.OneCycleLR</c> (the 1cycle policy), stepped after every batch: the rate rises from
/// <c>maxLr / divFactor</c> to <c>maxLr</c> over the first <c>pctStart</c> of the steps, then falls to
/// <c>maxLr / divFactor / finalDivFactor</c>; with <c>threePhase</c> it first comes back down to the initial rate
/// symmetrically and only then falls to the minimum. The momentum moves the other way between <c>maxMomentum</c> and
/// <c>baseMomentum</c> when <c>cycleMomentum</c> is set.
/// </summary>
/// <remarks>
/// Momentum cycling needs an optimizer that lets a schedule set its momentum (<see cref="IScheduledMomentum"/>: as in
/// torch, the <c>momentum</c> of <see cref="Sgd"/> and <see cref="RmsProp"/>, β1 of <see cref="Adam"/>, <see cref="AdamW"/>,
/// <see cref="Adamax"/>, <see cref="NAdam"/>, <see cref="RAdam"/> and <see cref="SparseAdam"/>; the value is part of the
/// optimizer's saved state). Like torch, the constructor refuses an optimizer without one while <c>cycleMomentum</c> is
/// true (the default): pass <c>cycleMomentum: false</c> for such an optimizer.
/// As in torch, the base rate of each group becomes <c>maxLr / divFactor</c> (its <c>initial_lr</c>), and the schedule may be
/// stepped up to <c>totalSteps</c> times (the last step extrapolates the final phase); one more step throws.
/// </remarks>
public sealed class OneCycleLR : EpochSchedule
{
    private readonly double[] _maxRates;
    private readonly Phase[] _phases;
    private readonly IScheduledMomentum? _momentumTarget;

    /// <summary>One cycle with the same peak rate for every group.</summary>
    public OneCycleLR(Optimizer optimizer, double maxLr, int? totalSteps = null, int? epochs = null, int? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false)
        : this(optimizer, Fill(optimizer, maxLr), totalSteps, epochs, stepsPerEpoch, pctStart, annealStrategy, cycleMomentum,
            baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase)
    {
    }

    /// <summary>One cycle with a peak rate per parameter group (torch's list-valued <c>max_lr</c>).</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="maxLr">Peak rate of each group.</param>
    /// <param name="totalSteps">Steps in the cycle; or give <paramref name="epochs"/> and <paramref name="stepsPerEpoch"/>.</param>
    /// <param name="epochs">Epochs, with <paramref name="stepsPerEpoch"/>, when <paramref name="totalSteps"/> is null.</param>
    /// <param name="stepsPerEpoch">Batches per epoch.</param>
    /// <param name="pctStart">Fraction of the steps spent rising (default 0.3).</param>
    /// <param name="annealStrategy">Cosine (default) or linear.</param>
    /// <param name="cycleMomentum">Cycle the momentum inversely to the rate (default true; needs <see cref="IScheduledMomentum"/>).</param>
    /// <param name="baseMomentum">Lowest momentum, at the peak rate (default 0.85).</param>
    /// <param name="maxMomentum">Highest momentum, at the start and end (default 0.95).</param>
    /// <param name="divFactor">Initial rate = maxLr / divFactor (default 25).</param>
    /// <param name="finalDivFactor">Minimum rate = initial rate / finalDivFactor (default 1e4).</param>
    /// <param name="threePhase">Come back down to the initial rate before the final fall (default false).</param>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLr, int? totalSteps = null, int? epochs = null, int? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer, InitialRates(optimizer, maxLr, divFactor, totalSteps, epochs, stepsPerEpoch, pctStart, finalDivFactor, cycleMomentum))
    {
        if (totalSteps is int total)
        {
            RequirePositive(total, nameof(totalSteps));
            TotalSteps = total;
        }
        else if (epochs is int e && stepsPerEpoch is int s)
        {
            RequirePositive(e, nameof(epochs));
            RequirePositive(s, nameof(stepsPerEpoch));
            TotalSteps = checked(e * s);
        }
        else
        {
            throw new ArgumentException("OneCycleLR needs totalSteps, or both epochs and stepsPerEpoch.", nameof(totalSteps));
        }
        if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "pctStart must be in [0, 1].");
        RequirePositive(finalDivFactor, nameof(finalDivFactor));
        if (cycleMomentum)
        {
            _momentumTarget = optimizer as IScheduledMomentum ?? throw new ArgumentException(
                $"{optimizer.GetType().Name} does not let a schedule set its momentum (IScheduledMomentum); pass cycleMomentum: false to cycle only the learning rate.",
                nameof(optimizer));
            if (!(baseMomentum >= 0 && baseMomentum < 1 && maxMomentum >= 0 && maxMomentum < 1))
                throw new ArgumentOutOfRangeException(nameof(baseMomentum), "baseMomentum and maxMomentum must be in [0, 1).");
        }
        _maxRates = [.. maxLr];
        PctStart = pctStart;
        Anneal = annealStrategy;
        CycleMomentum = cycleMomentum;
        BaseMomentum = baseMomentum;
        MaxMomentum = maxMomentum;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
        ThreePhase = threePhase;
        // Phase ends and end points as torch lays them out: (end step, start/end rate as 0 initial, 1 max, 2 min; momenta).
        _phases = threePhase
            ? [
                new Phase(pctStart * TotalSteps - 1, Point.Initial, Point.Max, maxMomentum, baseMomentum),
                new Phase(2 * pctStart * TotalSteps - 2, Point.Max, Point.Initial, baseMomentum, maxMomentum),
                new Phase(TotalSteps - 1, Point.Initial, Point.Min, maxMomentum, maxMomentum),
            ]
            : [
                new Phase(pctStart * TotalSteps - 1, Point.Initial, Point.Max, maxMomentum, baseMomentum),
                new Phase(TotalSteps - 1, Point.Max, Point.Min, baseMomentum, maxMomentum),
            ];
        Start();
    }

    public int TotalSteps { get; }
    public double PctStart { get; }
    public AnnealStrategy Anneal { get; }
    public bool CycleMomentum { get; }
    public double BaseMomentum { get; }
    public double MaxMomentum { get; }
    public double DivFactor { get; }
    public double FinalDivFactor { get; }
    public bool ThreePhase { get; }

    /// <summary>Each group's peak rate.</summary>
    public IReadOnlyList<double> MaxLearningRates => _maxRates;

    /// <summary>The momentum of the current step (computed even when not cycled into the optimizer).</summary>
    public double Momentum { get; private set; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) =>
        Compute(epoch, baseRate, baseRate * DivFactor, baseRate / FinalDivFactor, out _);

    private protected override void Apply(int epoch)
    {
        if (epoch > TotalSteps)
            throw new InvalidOperationException($"OneCycleLR was stepped {epoch} times; its cycle has {TotalSteps} steps (as torch, at most {TotalSteps} steps).");
        LastEpoch = epoch;
        double momentum = 0;
        for (int g = 0; g < GroupCount; g++)
        {
            double initial = BaseLearningRates[g];
            SetRate(g, Compute(epoch, initial, _maxRates[g], initial / FinalDivFactor, out momentum));
        }
        Momentum = momentum;
        if (_momentumTarget is not null) _momentumTarget.ScheduledMomentum = (float)momentum;
    }

    private double Compute(int step, double initial, double max, double min, out double momentum)
    {
        double start = 0;
        for (int i = 0; i < _phases.Length; i++)
        {
            Phase phase = _phases[i];
            if (step <= phase.End || i == _phases.Length - 1)
            {
                double pct = (step - start) / (phase.End - start);
                momentum = Interpolate(phase.StartMomentum, phase.EndMomentum, pct);
                return Interpolate(Value(phase.From, initial, max, min), Value(phase.To, initial, max, min), pct);
            }
            start = phase.End;
        }
        throw new InvalidOperationException("unreachable: the last phase always matches");
    }

    private double Interpolate(double from, double to, double pct) => Anneal == AnnealStrategy.Cos
        ? to + (from - to) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (to - from) * pct + from;

    private static double Value(Point p, double initial, double max, double min) => p switch
    {
        Point.Initial => initial,
        Point.Max => max,
        _ => min,
    };

    private static double[] Fill(Optimizer optimizer, double maxLr)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var rates = new double[OptimizerRates.Count(optimizer)];
        Array.Fill(rates, maxLr);
        return rates;
    }

    // Checks every argument first (the constructor body repeats some of these checks), because recording the initial rates
    // changes what later schedules on this optimizer start from: a refused OneCycleLR must leave no trace.
    private static double[] InitialRates(Optimizer optimizer, IReadOnlyList<double> maxLr, double divFactor, int? totalSteps, int? epochs,
        int? stepsPerEpoch, double pctStart, double finalDivFactor, bool cycleMomentum)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(maxLr);
        if (totalSteps is null && (epochs is null || stepsPerEpoch is null))
            throw new ArgumentException("OneCycleLR needs totalSteps, or both epochs and stepsPerEpoch.", nameof(totalSteps));
        if (totalSteps is int t) RequirePositive(t, nameof(totalSteps));
        if (totalSteps is null)
        {
            RequirePositive(epochs!.Value, nameof(epochs));
            RequirePositive(stepsPerEpoch!.Value, nameof(stepsPerEpoch));
        }
        if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "pctStart must be in [0, 1].");
        RequirePositive(finalDivFactor, nameof(finalDivFactor));
        if (cycleMomentum && optimizer is not IScheduledMomentum)
            throw new ArgumentException(
                $"{optimizer.GetType().Name} does not let a schedule set its momentum (IScheduledMomentum); pass cycleMomentum: false to cycle only the learning rate.",
                nameof(optimizer));
        int groups = OptimizerRates.Count(optimizer);
        if (maxLr.Count != groups)
            throw new ArgumentException($"maxLr has {maxLr.Count} values but the optimizer has {groups} parameter groups.", nameof(maxLr));
        RequirePositive(divFactor, nameof(divFactor));
        var initial = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            RequirePositive(maxLr[g], nameof(maxLr));
            initial[g] = maxLr[g] / divFactor;
        }
        OptimizerRates.SetInitial(optimizer, initial);   // torch overwrites group["initial_lr"]
        return initial;
    }

    private enum Point
    {
        Initial,
        Max,
        Min,
    }

    private readonly record struct Phase(double End, Point From, Point To, double StartMomentum, double EndMomentum);
}
