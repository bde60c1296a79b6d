using System;
using System.Collections.Generic;
using System.IO;
using Compiled.Optimizers;
using Compiled.Serialization;

namespace Compiled.Schedules;

/// <summary>Whether a monitored metric should fall (a loss) or rise (an accuracy).</summary>
public enum MetricMode
{
    /// <summary>Lower is better (torch's <c>'min'</c>).</summary>
    Min,
    /// <summary>Higher is better (torch's <c>'max'</c>).</summary>
    Max,
}

/// <summary>How a new metric value must beat the best one to count as an improvement (torch's <c>threshold_mode</c>).</summary>
public enum ThresholdMode
{
    /// <summary>By a fraction: <c>best · (1 − threshold)</c> in min mode, <c>best · (1 + threshold)</c> in max mode.</summary>
    Relative,
    /// <summary>By an amount: <c>best − threshold</c> in min mode, <c>best + threshold</c> in max mode.</summary>
    Absolute,
}

/// <summary>
/// <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c>: after each epoch, <see cref="Step(double)"/> with the monitored metric
/// (usually the validation loss); when it has not improved for more than <c>patience</c> epochs, every group's rate is
/// multiplied by <c>factor</c> (not below its <c>minLr</c>; changes smaller than <c>eps</c> are skipped), then
/// <c>cooldown</c> epochs pass before bad epochs count again.
/// </summary>
/// <remarks>
/// Unlike the other schedules it reads the optimizer's current rate, so it composes with a rate set by hand. Defaults
/// are torch's: factor 0.1, patience 10, threshold 1e-4 relative, cooldown 0, minLr 0, eps 1e-8.
/// </remarks>
public sealed class ReduceLROnPlateau : LearningRateScheduler
{
    private readonly double[] _minRates;

    /// <summary>The same minimum rate for every group.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, MetricMode mode = MetricMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, double minLr = 0, double eps = 1e-8)
        : this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, Fill(optimizer, minLr), eps)
    {
    }

    /// <summary>A minimum rate per parameter group (torch's list-valued <c>min_lr</c>).</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="mode">Min (a loss, default) or max (an accuracy).</param>
    /// <param name="factor">Multiplier of the rate on a plateau, in [0, 1) (default 0.1).</param>
    /// <param name="patience">Epochs without improvement tolerated before reducing (default 10).</param>
    /// <param name="threshold">How much better counts as better (default 1e-4).</param>
    /// <param name="thresholdMode">Relative (default) or absolute threshold.</param>
    /// <param name="cooldown">Epochs after a reduction during which bad epochs are not counted (default 0).</param>
    /// <param name="minLr">Lowest rate of each group.</param>
    /// <param name="eps">A reduction smaller than this is skipped (default 1e-8).</param>
    public ReduceLROnPlateau(Optimizer optimizer, MetricMode mode, double factor, int patience, double threshold,
        ThresholdMode thresholdMode, int cooldown, IReadOnlyList<double> minLr, double eps = 1e-8)
        : base(optimizer, OptimizerRates.Current(optimizer ?? throw new ArgumentNullException(nameof(optimizer))))
    {
        if (!(factor >= 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor must be in [0, 1) (torch: 'Factor should be < 1.0').");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be >= 0.");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, "cooldown must be >= 0.");
        if (!(threshold >= 0) || double.IsInfinity(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be finite and >= 0.");
        if (!(eps >= 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be finite and >= 0.");
        ArgumentNullException.ThrowIfNull(minLr);
        if (minLr.Count != GroupCount)
            throw new ArgumentException($"minLr has {minLr.Count} values but the optimizer has {GroupCount} parameter groups.", nameof(minLr));
        _minRates = [.. minLr];
        foreach (double m in _minRates)
            if (!(m >= 0) || double.IsInfinity(m)) throw new ArgumentOutOfRangeException(nameof(minLr), m, "minLr must be finite and >= 0.");
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        Best = mode == MetricMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
        LastEpoch = 0;
    }

    public MetricMode Mode { get; }
    public double Factor { get; }
    public int Patience { get; }
    public double Threshold { get; }
    public ThresholdMode ThresholdMode { get; }
    public int Cooldown { get; }
    public double Eps { get; }
    public IReadOnlyList<double> MinLearningRates => _minRates;

    /// <summary>The best metric seen (±∞ before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without improvement (torch's <c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>Always throws: this schedule steps on a metric.</summary>
    public override void Step() =>
        throw new InvalidOperationException("ReduceLROnPlateau steps on a metric: call Step(metric) with the monitored value (e.g. the validation loss).");

    /// <summary>Records the epoch's <paramref name="metric"/> and reduces the rates after more than <see cref="Patience"/> bad epochs.</summary>
    public void Step(double metric)
    {
        if (double.IsNaN(metric)) throw new ArgumentException("The monitored metric is NaN.", nameof(metric));
        LastEpoch++;
        if (IsBetter(metric))
        {
            Best = metric;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            BadEpochs = 0;
        }
        if (BadEpochs > Patience)
        {
            for (int g = 0; g < GroupCount; g++)
            {
                double old = CurrentRate(g);
                double reduced = Math.Max(old * Factor, _minRates[g]);
                if (old - reduced > Eps) SetRate(g, reduced);
            }
            CooldownCounter = Cooldown;
            BadEpochs = 0;
        }
    }

    private bool IsBetter(double a) => (Mode, ThresholdMode) switch
    {
        (MetricMode.Min, ThresholdMode.Relative) => a < Best * (1 - Threshold),
        (MetricMode.Min, ThresholdMode.Absolute) => a < Best - Threshold,
        (MetricMode.Max, ThresholdMode.Relative) => a > Best * (Threshold + 1),
        _ => a > Best + Threshold,
    };

    private protected override void WriteExtraState(StateBag state)
    {
        state.Scalars["best"] = Best;
        state.Integers["num_bad_epochs"] = BadEpochs;
        state.Integers["cooldown_counter"] = CooldownCounter;
    }

    private protected override void ValidateExtraState(StateBag state)
    {
        double best = Scalar(state, "best");
        if (double.IsNaN(best)) throw new InvalidDataException($"{StateKind} state: best is NaN.");
        long bad = Integer(state, "num_bad_epochs"), cool = Integer(state, "cooldown_counter");
        if (bad < 0 || bad > int.MaxValue) throw new InvalidDataException($"{StateKind} state: num_bad_epochs {bad} is out of range.");
        if (cool < 0 || cool > int.MaxValue) throw new InvalidDataException($"{StateKind} state: cooldown_counter {cool} is out of range.");
    }

    private protected override void ReadExtraState(StateBag state)
    {
        Best = state.Scalars["best"];
        BadEpochs = (int)state.Integers["num_bad_epochs"];
        CooldownCounter = (int)state.Integers["cooldown_counter"];
    }

    private static double[] Fill(Optimizer optimizer, double value)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var values = new double[OptimizerRates.Count(optimizer)];
        Array.Fill(values, value);
        return values;
    }
}
