using System;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// Inverse-time decay as the course writes it, <c>lr = lr0 / (1 + rate · epoch)</c>; with Keras'
/// <c>InverseTimeDecay</c> options, <c>lr = lr0 / (1 + rate · epoch / decaySteps)</c>, the quotient floored when
/// <c>staircase</c>. PyTorch has no class for it: it is <c>LambdaLR(opt, lambda e: 1 / (1 + rate * e))</c>, which the tests match.
/// </summary>
public sealed class InverseTimeDecay : EpochSchedule
{
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="rate">Decay rate (≥ 0).</param>
    /// <param name="decaySteps">Epochs (or steps) per unit of decay (default 1).</param>
    /// <param name="staircase">Decay in whole units of <paramref name="decaySteps"/> (default false).</param>
    public InverseTimeDecay(Optimizer optimizer, double rate, int decaySteps = 1, bool staircase = false) : base(optimizer)
    {
        if (!double.IsFinite(rate) || rate < 0) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The decay rate must be finite and >= 0.");
        RequirePositive(decaySteps, nameof(decaySteps));
        Rate = rate;
        DecaySteps = decaySteps;
        Staircase = staircase;
        Start();
    }

    public double Rate { get; }
    public int DecaySteps { get; }
    public bool Staircase { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate)
    {
        double t = Staircase ? epoch / DecaySteps : epoch / (double)DecaySteps;
        return baseRate * (1.0 / (1.0 + Rate * t));
    }
}
