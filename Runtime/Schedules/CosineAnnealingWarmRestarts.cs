using System;
using System.IO;
using Compiled.Optimizers;
using Compiled.Serialization;

namespace Compiled.Schedules;

/// <summary>
/// <c>torch.optim.lr_scheduler.CosineAnnealingWarmRestarts</c> (SGDR): cosine annealing from the base rate to
/// <c>etaMin</c> over a cycle of <c>T_i</c> epochs, then a restart at the base rate; the first cycle is <c>t0</c> long and each
/// next one <c>tMult</c> times longer: <c>lr = etaMin + (base − etaMin) · (1 + cos(π · T_cur / T_i)) / 2</c>.
/// </summary>
/// <remarks>
/// <see cref="Step()"/> advances one epoch (keeping a fraction, as torch's <c>T_cur + 1</c>); <see cref="Step(double)"/> jumps to a fractional epoch, as torch's
/// <c>scheduler.step(epoch + i / iters)</c> inside an epoch. The cycle holding an epoch is found by adding cycle lengths
/// (exact), where torch takes a floating-point logarithm (which can land one cycle short on an exact boundary such
/// as epoch 21 with <c>t0 = 3, tMult = 2</c>).
/// </remarks>
public sealed class CosineAnnealingWarmRestarts : EpochSchedule
{
    private double _epoch;

    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="t0">Length of the first cycle in epochs (or steps) (torch's <c>T_0</c>).</param>
    /// <param name="tMult">Factor by which each cycle is longer than the previous (≥ 1, default 1).</param>
    /// <param name="etaMin">The lowest rate (default 0).</param>
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0) : base(optimizer)
    {
        RequirePositive(t0, nameof(t0));
        if (tMult < 1) throw new ArgumentOutOfRangeException(nameof(tMult), tMult, "tMult must be an integer >= 1, as torch requires.");
        if (!double.IsFinite(etaMin) || etaMin < 0) throw new ArgumentOutOfRangeException(nameof(etaMin), etaMin, "etaMin must be finite and >= 0.");
        T0 = t0;
        TMult = tMult;
        EtaMin = etaMin;
        Start();
    }

    public int T0 { get; }
    public int TMult { get; }
    public double EtaMin { get; }

    /// <summary>The current (possibly fractional) epoch.</summary>
    public double Epoch => _epoch;

    /// <summary>Jumps to epoch <paramref name="epoch"/> (≥ 0, may be fractional) and applies its rate.</summary>
    public void Step(double epoch)
    {
        if (!(epoch >= 0) || double.IsInfinity(epoch) || epoch >= int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be finite and >= 0.");
        _epoch = epoch;
        LastEpoch = (int)Math.Floor(epoch);
        for (int g = 0; g < GroupCount; g++) SetRate(g, Rate(epoch, BaseLearningRates[g]));
    }

    /// <inheritdoc/>
    public override void Step() => Step(_epoch + 1);

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => Rate(epoch, baseRate);

    private protected override void Apply(int epoch) => Step(epoch);

    private double Rate(double epoch, double baseRate)
    {
        double tCur, cycle = T0;
        if (TMult == 1)
        {
            tCur = epoch % T0;
        }
        else
        {
            double cycleStart = 0;
            while (epoch >= cycleStart + cycle)
            {
                cycleStart += cycle;
                cycle *= TMult;
            }
            tCur = epoch - cycleStart;
        }
        return EtaMin + (baseRate - EtaMin) * (1 + Math.Cos(Math.PI * tCur / cycle)) / 2;
    }

    private protected override void WriteExtraState(StateBag state) => state.Scalars["epoch"] = _epoch;

    private protected override void ValidateExtraState(StateBag state)
    {
        double epoch = Scalar(state, "epoch");
        if (!(epoch >= 0) || double.IsInfinity(epoch)) throw new InvalidDataException($"{StateKind} state: epoch {epoch} is not a finite value >= 0.");
    }

    private protected override void ReadExtraState(StateBag state) => _epoch = state.Scalars["epoch"];
}
