using System;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c>:
/// <c>lr = etaMin + (base − etaMin) · (1 + cos(π · epoch / tMax)) / 2</c>. Past <c>tMax</c> the cosine continues
/// (the rate climbs back over the next <c>tMax</c> epochs), as in torch; use <see cref="CosineAnnealingWarmRestarts"/> to restart instead.
/// </summary>
/// <remarks>torch steps it with an equivalent recursive form; the closed form here agrees to rounding (the tests check 1e-7 relative).</remarks>
public sealed class CosineAnnealingLR : EpochSchedule
{
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="tMax">Epochs (or steps) from the base rate down to <paramref name="etaMin"/> (torch's <c>T_max</c>).</param>
    /// <param name="etaMin">The lowest rate (default 0).</param>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        RequirePositive(tMax, nameof(tMax));
        if (!double.IsFinite(etaMin) || etaMin < 0) throw new ArgumentOutOfRangeException(nameof(etaMin), etaMin, "etaMin must be finite and >= 0.");
        TMax = tMax;
        EtaMin = etaMin;
        Start();
    }

    public int TMax { get; }
    public double EtaMin { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) =>
        EtaMin + (baseRate - EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2;
}
