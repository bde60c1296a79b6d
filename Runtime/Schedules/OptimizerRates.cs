using System.Runtime.CompilerServices;
using Compiled.Optimizers;

namespace Compiled.Schedules;

/// <summary>
/// The one place schedules read and write an optimizer's learning rates, group by group, and remember each
/// optimizer's initial rates (PyTorch's <c>param_group["initial_lr"]</c>).
/// </summary>
/// <remarks>
/// A group is one of <see cref="Optimizer.Groups"/> (torch's <c>param_groups</c>); schedules scale each group's base rate.
/// A group that follows the optimizer's default rate is driven through <see cref="Optimizer.LearningRate"/> (so the default
/// and every group following it move together, and stay following it); a group with a rate of its own is set directly.
/// The initial rates are recorded by the first schedule attached to an optimizer and reused by later ones, as torch's
/// <c>group.setdefault("initial_lr", group["lr"])</c> does; that is what lets a second schedule built on the same optimizer
/// (e.g. the cosine part of a <see cref="SequentialLR"/>) start from the original rate rather than the warm-up's.
/// </remarks>
internal static class OptimizerRates
{
    private static readonly ConditionalWeakTable<Optimizer, double[]> s_initial = new();

    public static int Count(Optimizer optimizer) => optimizer.Groups.Count;

    public static double Get(Optimizer optimizer, int group) => optimizer.Groups[group].LearningRate;

    public static void Set(Optimizer optimizer, int group, double rate)
    {
        ParameterGroup g = optimizer.Groups[group];
        if (g.OwnsLearningRate) g.LearningRate = (float)rate;
        else optimizer.LearningRate = (float)rate;
    }

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
