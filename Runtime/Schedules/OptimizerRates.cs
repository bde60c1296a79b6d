using System.Runtime.CompilerServices;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// The one place schedules read and write an optimizer's learning rates, group by group, and remember each
/// optimizer's initial rates (PyTorch's <c>param_group["initial_lr"]</c>).
/// </summary>
/// <remarks>
/// Today an <see cref="Optimizer"/> has one group: its <see cref="Optimizer.LearningRate"/>. Parameter groups (a rate
/// per slice of the buffer) plug in here without touching the schedules, which already scale each group's base rate.
/// The initial rates are recorded by the first schedule attached to an optimizer and reused by later ones, as torch's
/// <c>group.setdefault("initial_lr", group["lr"])</c> does; that is what lets a second schedule built on the same optimizer
/// (e.g. the cosine part of a <see cref="SequentialLR"/>) start from the original rate rather than the warm-up's.
/// </remarks>
internal static class OptimizerRates
{
    private static readonly ConditionalWeakTable<Optimizer, double[]> s_initial = new();

    public static int Count(Optimizer optimizer) => 1;

    public static double Get(Optimizer optimizer, int group) => optimizer.LearningRate;

    public static void Set(Optimizer optimizer, int group, double rate) => optimizer.LearningRate = (float)rate;

    /// <summary>The optimizer's recorded initial rates, recording the current ones first if none are (torch's setdefault).</summary>
    public static double[] Initial(Optimizer optimizer)
    {
        if (s_initial.TryGetValue(optimizer, out double[]? rates)) return (double[])rates.Clone();
        rates = Current(optimizer);
        s_initial.AddOrUpdate(optimizer, rates);
        return (double[])rates.Clone();
    }

    /// <summary>Overwrites the recorded initial rates (OneCycleLR does: torch sets <c>initial_lr = max_lr / div_factor</c>).</summary>
    public static void SetInitial(Optimizer optimizer, double[] rates) => s_initial.AddOrUpdate(optimizer, (double[])rates.Clone());

    public static double[] Current(Optimizer optimizer)
    {
        var rates = new double[Count(optimizer)];
        for (int g = 0; g < rates.Length; g++) rates[g] = Get(optimizer, g);
        return rates;
    }
}
