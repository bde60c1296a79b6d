namespace Compiled.Schedules;

/// <summary>
/// An optimizer whose momentum a schedule may change between steps: SGD's <c>momentum</c>, or β1 of the Adam family
/// (torch's <c>betas[0]</c>). <see cref="OneCycleLR"/> cycles it inversely to the learning rate (<c>cycle_momentum</c>).
/// </summary>
public interface IScheduledMomentum
{
    /// <summary>The momentum (or β1) the next step uses.</summary>
    float ScheduledMomentum { get; set; }
}
