using System;

namespace Compiled.Optimizers;

/// <summary>
/// The Adam family's common part (Adam, AdamW, Adamax, NAdam, RAdam, SparseAdam): β1, the first of PyTorch's <c>betas</c>,
/// which a schedule may set between steps (<see cref="Compiled.Schedules.OneCycleLR"/> cycles it, as torch's
/// <c>cycle_momentum</c> does for optimizers with <c>betas</c>) and which the state saves. Each constructor validates its
/// arguments and then declares β1 with <c>DeclareScheduledMomentum("beta1", beta1)</c>.
/// </summary>
public abstract class Beta1Optimizer : Optimizer, Compiled.Schedules.IScheduledMomentum
{
    private protected Beta1Optimizer(float learningRate, float weightDecay, string[] stateNames, string[]? parameterScalarNames = null)
        : base(learningRate, weightDecay, stateNames, parameterScalarNames)
    {
    }

    /// <summary>
    /// First of PyTorch's <c>betas</c>: decay of the first-moment average. It may be set between steps (torch's
    /// <c>group["betas"][0]</c>; <see cref="Compiled.Schedules.OneCycleLR"/> cycles it) and is saved with the state.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 1).</exception>
    public float Beta1
    {
        get => ScheduledValue;
        set => ScheduledValue = value;
    }

    /// <summary>β1 (<see cref="Beta1"/>), as <see cref="Compiled.Schedules.OneCycleLR"/> cycles it (torch's <c>cycle_momentum</c> for optimizers with <c>betas</c>).</summary>
    float Compiled.Schedules.IScheduledMomentum.ScheduledMomentum
    {
        get => Beta1;
        set => Beta1 = value;
    }
}
