using System;
using System.Collections.Generic;

namespace Compiled.Optimizers;

/// <summary>
/// A set of parameter tensors sharing a learning rate and a weight decay (PyTorch's <c>param_groups</c> entry), e.g. a
/// smaller rate for early layers when fine-tuning, or no weight decay on biases. Settings are mutable between steps
/// (schedules change <see cref="LearningRate"/>); a group that was not given its own learning rate or weight decay
/// follows the optimizer's (<see cref="Optimizer.LearningRate"/>, <see cref="Optimizer.WeightDecay"/>).
/// </summary>
public sealed class ParameterGroup
{
    private float _learningRate;
    private float _weightDecay;

    internal ParameterGroup(string name, float? learningRate, float? weightDecay, bool frozen, float defaultLearningRate, float defaultWeightDecay)
    {
        Name = name;
        if (learningRate is float lr) Optimizer.RequireNonNegative(lr, "learningRate");
        if (weightDecay is float wd) Optimizer.RequireNonNegative(wd, "weightDecay");
        _learningRate = learningRate ?? defaultLearningRate;
        _weightDecay = weightDecay ?? defaultWeightDecay;
        OwnsLearningRate = learningRate.HasValue;
        OwnsWeightDecay = weightDecay.HasValue;
        Frozen = frozen;
    }

    /// <summary>The rule's pattern that made the group, or <c>"default"</c> for the parameters no rule matched.</summary>
    public string Name { get; }

    /// <summary>The group's learning rate (PyTorch's <c>group["lr"]</c>). Setting it detaches it from the optimizer's default.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            Optimizer.RequireNonNegative(value, nameof(LearningRate));
            _learningRate = value;
            OwnsLearningRate = true;
        }
    }

    /// <summary>The group's weight decay (L2 added to the gradient, or decoupled for <see cref="AdamW"/>). Setting it detaches it from the default.</summary>
    public float WeightDecay
    {
        get => _weightDecay;
        set
        {
            Optimizer.RequireNonNegative(value, nameof(WeightDecay));
            _weightDecay = value;
            OwnsWeightDecay = true;
        }
    }

    /// <summary>When true, no parameter of the group is updated (and its state and step counts stay as they are), as PyTorch skips parameters without a gradient.</summary>
    public bool Frozen { get; set; }

    /// <summary>True when the group has its own learning rate; false when it follows <see cref="Optimizer.LearningRate"/>.</summary>
    public bool OwnsLearningRate { get; private set; }

    /// <summary>True when the group has its own weight decay; false when it follows <see cref="Optimizer.WeightDecay"/>.</summary>
    public bool OwnsWeightDecay { get; private set; }

    internal void Follow(float learningRate, float weightDecay)
    {
        if (!OwnsLearningRate) _learningRate = learningRate;
        if (!OwnsWeightDecay) _weightDecay = weightDecay;
    }

    internal void Restore(float learningRate, float weightDecay, bool ownsLearningRate, bool ownsWeightDecay, bool frozen)
    {
        _learningRate = learningRate;
        _weightDecay = weightDecay;
        OwnsLearningRate = ownsLearningRate;
        OwnsWeightDecay = ownsWeightDecay;
        Frozen = frozen;
    }
}

/// <summary>
/// How <see cref="Optimizer.SetGroups(IReadOnlyList{ParameterInfo}, ParameterGroupRule[])"/> groups a network's parameters:
/// every parameter tensor whose layer name equals <see cref="Pattern"/>, or whose full name matches it as a glob
/// (<c>*</c> any run of characters, <c>?</c> one), joins this rule's group; the first matching rule wins.
/// </summary>
/// <param name="Pattern">A layer name (<c>conv1</c>) or a glob over parameter names (<c>*.bias</c>, <c>conv*.weight</c>).</param>
public sealed record ParameterGroupRule(string Pattern)
{
    /// <summary>The group's own learning rate; null follows the optimizer's.</summary>
    public float? LearningRate { get; init; }

    /// <summary>The group's own weight decay; null follows the optimizer's.</summary>
    public float? WeightDecay { get; init; }

    /// <summary>Start frozen: the group's parameters are not updated until <see cref="ParameterGroup.Frozen"/> is cleared.</summary>
    public bool Frozen { get; init; }
}

/// <summary>
/// One parameter tensor as the optimizer sees it (PyTorch keeps optimizer state per tensor): its range of the flat buffer,
/// its group, its own step count (the steps it was actually updated: frozen steps do not count) and whether it is frozen.
/// </summary>
public sealed class OptimizedParameter
{
    internal OptimizedParameter(string name, string layer, int offset, int length, int rowLength, ParameterGroup group, int scalarCount)
    {
        Name = name;
        Layer = layer;
        Offset = offset;
        Length = length;
        RowLength = rowLength;
        Group = group;
        Scalars = new double[scalarCount];
    }

    /// <summary>PyTorch-style name (<c>conv1.weight</c>), or <c>"parameters"</c> for the whole buffer when no table was given.</summary>
    public string Name { get; }

    /// <summary>The layer's name, or empty without a table.</summary>
    public string Layer { get; }

    /// <summary>Offset in floats into the parameter (and gradient) buffer.</summary>
    public int Offset { get; }

    /// <summary>Floats in the tensor.</summary>
    public int Length { get; }

    /// <summary>Floats per row (all dimensions after the first): what <see cref="SparseAdam"/> updates or skips as a unit.</summary>
    public int RowLength { get; }

    /// <summary>The group whose learning rate and weight decay apply.</summary>
    public ParameterGroup Group { get; }

    /// <summary>Frozen on its own (see <see cref="Optimizer.Freeze"/>); it is also skipped while its group is frozen.</summary>
    public bool Frozen { get; internal set; }

    /// <summary>Steps that updated this tensor (PyTorch's per-parameter <c>state["step"]</c>).</summary>
    public long StepCount { get; internal set; }

    /// <summary>True when the next step leaves this tensor alone.</summary>
    public bool IsFrozen => Frozen || Group.Frozen;

    // Per-tensor scalar state of the update rule (NAdam's mu_product, ASGD's eta and mu), named by the optimizer.
    internal double[] Scalars { get; }

    // The current step's per-tensor values, computed once before the tensor's update (which may run as several ranges on
    // several threads) and never saved: NAdam's mu and mu_product, ASGD's eta and mu as the step uses them.
    internal double[] StepValues { get; } = new double[4];
}
