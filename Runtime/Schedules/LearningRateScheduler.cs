using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Compiled.Optimizers;
using Compiled.Serialization;

namespace Compiled.Schedules;

/// <summary>
/// Changes an optimizer's learning rate between epochs (or steps), as <c>torch.optim.lr_scheduler</c> does:
/// construction applies the rate of epoch 0, each <see cref="Step"/> advances one epoch (or one step, if the caller steps it
/// after every batch) and writes the new rate of every parameter group into the optimizer.
/// </summary>
/// <remarks>
/// Set the optimizer's parameter groups (<see cref="Optimizer.SetGroups"/>) before creating a schedule: it drives every group.
/// Rates are computed in double, as PyTorch computes them in Python floats, from each group's base rate
/// (<see cref="BaseLearningRates"/>, the optimizer's rate when the first schedule was attached), and stored into the
/// optimizer rounded to float. Each schedule's state (<see cref="IStateful"/>) is its epoch counter, base and last rates
/// and whatever it counts besides, so a checkpoint resumes it exactly; its hyperparameters come from the constructor.
/// </remarks>
public abstract class LearningRateScheduler : IStateful
{
    private readonly double[] _baseRates;
    private readonly double[] _lastRates;

    /// <param name="optimizer">The optimizer whose learning rate this schedule drives.</param>
    /// <param name="baseRates">Each group's base rate; null takes the optimizer's initial rates (torch's <c>initial_lr</c>).</param>
    private protected LearningRateScheduler(Optimizer optimizer, double[]? baseRates = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        _baseRates = baseRates ?? OptimizerRates.Initial(optimizer);
        _lastRates = OptimizerRates.Current(optimizer);
        LastEpoch = -1;
    }

    /// <summary>The optimizer whose rate this schedule sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Steps taken (torch's <c>last_epoch</c>): 0 after construction, +1 per <see cref="Step"/>.</summary>
    public int LastEpoch { get; private protected set; }

    /// <summary>Each parameter group's base rate (torch's <c>base_lrs</c>).</summary>
    public IReadOnlyList<double> BaseLearningRates => _baseRates;

    /// <summary>The rates last written into the optimizer, per group (torch's <c>get_last_lr()</c>), in double.</summary>
    public IReadOnlyList<double> LastLearningRates => _lastRates;

    /// <summary>The first group's current rate.</summary>
    public double LearningRate => _lastRates[0];

    /// <summary>Parameter groups the schedule drives.</summary>
    public int GroupCount => _lastRates.Length;

    /// <summary>Advances one epoch (or one step) and writes the new rates into the optimizer.</summary>
    public abstract void Step();

    /// <inheritdoc/>
    public virtual string StateKind => GetType().Name;

    /// <summary>Writes this group's rate into <see cref="LastLearningRates"/> and the optimizer.</summary>
    private protected void SetRate(int group, double rate)
    {
        if (OptimizerRates.Count(Optimizer) != _lastRates.Length)
            throw new InvalidOperationException($"The optimizer now has {OptimizerRates.Count(Optimizer)} parameter groups; the schedule was built for {_lastRates.Length}. Set the groups (Optimizer.SetGroups) before creating the schedule.");
        _lastRates[group] = rate;
        OptimizerRates.Set(Optimizer, group, rate);
    }

    /// <summary>The rate the optimizer holds now, in double: the last rate written unless something else changed it since.</summary>
    private protected double CurrentRate(int group)
    {
        double held = OptimizerRates.Get(Optimizer, group);
        return held == (float)_lastRates[group] ? _lastRates[group] : held;
    }

    /// <inheritdoc/>
    public void WriteState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Integers["last_epoch"] = LastEpoch;
        state.Integers["groups"] = _lastRates.Length;
        for (int g = 0; g < _lastRates.Length; g++)
        {
            state.Scalars[Key("base_lr", g)] = _baseRates[g];
            state.Scalars[Key("last_lr", g)] = _lastRates[g];
        }
        WriteExtraState(state);
    }

    /// <inheritdoc/>
    public void ReadState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        long epoch = Integer(state, "last_epoch");
        if (epoch < 0 || epoch > int.MaxValue) throw new InvalidDataException($"{StateKind} state: last_epoch {epoch} is out of range.");
        long groups = Integer(state, "groups");
        if (groups != _lastRates.Length)
            throw new InvalidDataException($"{StateKind} state has {groups} parameter groups; this optimizer has {_lastRates.Length}.");
        var bases = new double[groups];
        var lasts = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            bases[g] = Scalar(state, Key("base_lr", g));
            lasts[g] = Scalar(state, Key("last_lr", g));
            if (!double.IsFinite(bases[g]) || !double.IsFinite(lasts[g]) || lasts[g] < 0)
                throw new InvalidDataException($"{StateKind} state: the rates of group {g} ({bases[g]}, {lasts[g]}) are not valid learning rates.");
        }
        ValidateExtraState(state);
        // Everything is checked: apply.
        LastEpoch = (int)epoch;
        bases.CopyTo(_baseRates, 0);
        for (int g = 0; g < groups; g++) SetRate(g, lasts[g]);
        ReadExtraState(state);
    }

    /// <summary>Adds what a subclass counts besides the epoch and the rates.</summary>
    private protected virtual void WriteExtraState(StateBag state)
    {
    }

    /// <summary>Throws <see cref="InvalidDataException"/> when the subclass's entries are missing or malformed; changes nothing.</summary>
    private protected virtual void ValidateExtraState(StateBag state)
    {
    }

    /// <summary>Restores the subclass's entries (already validated).</summary>
    private protected virtual void ReadExtraState(StateBag state)
    {
    }

    private protected long Integer(StateBag state, string name) =>
        state.Integers.TryGetValue(name, out long value) ? value : throw new InvalidDataException($"{StateKind} state has no integer '{name}'.");

    private protected double Scalar(StateBag state, string name) =>
        state.Scalars.TryGetValue(name, out double value) ? value : throw new InvalidDataException($"{StateKind} state has no scalar '{name}'.");

    private static string Key(string name, int group) => name + "/" + group.ToString(CultureInfo.InvariantCulture);

    private protected static void RequirePositive(double value, string name)
    {
        if (!(double.IsFinite(value) && value > 0)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0.");
    }

    private protected static void RequirePositive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be > 0.");
    }
}

/// <summary>
/// A schedule whose rate is a function of the epoch and the group's base rate alone (every torch schedule except
/// <see cref="ReduceLROnPlateau"/>): <see cref="RateAt"/> is its closed form, which <see cref="SequentialLR"/> also uses.
/// </summary>
public abstract class EpochSchedule : LearningRateScheduler
{
    private protected EpochSchedule(Optimizer optimizer, double[]? baseRates = null) : base(optimizer, baseRates)
    {
    }

    /// <summary>The rate of a group with base rate <paramref name="baseRate"/> at epoch <paramref name="epoch"/> (0 = the first).</summary>
    public abstract double RateAt(int epoch, double baseRate);

    /// <inheritdoc/>
    public override void Step()
    {
        if (LastEpoch == int.MaxValue) throw new InvalidOperationException("The schedule's epoch counter is at its maximum.");
        Apply(LastEpoch + 1);
    }

    /// <summary>Applies epoch 0: every subclass constructor ends with this, once its fields are set.</summary>
    private protected void Start() => Apply(0);

    private protected virtual void Apply(int epoch)
    {
        LastEpoch = epoch;
        for (int g = 0; g < GroupCount; g++) SetRate(g, RateAt(epoch, BaseLearningRates[g]));
    }
}
