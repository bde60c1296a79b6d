namespace Compiled.Training;

/// <summary>
/// Hooks the <see cref="Trainer"/> calls around each epoch and at the end of training: early stopping
/// (<see cref="EarlyStopping"/>) inspects the record in <see cref="OnEpochEnd"/>, copies or restores
/// <c>context.Network.Parameters</c> and calls <see cref="TrainingContext.RequestStop"/>; a checkpoint writer saves
/// <c>context.Network</c>, <c>context.Optimizer</c>, <c>context.Schedule</c> and <c>context.Batches</c> in <see cref="OnEpochEnd"/>
/// (after the epoch's schedule step, so a run resumed with <see cref="TrainerOptions.InitialEpoch"/> continues exactly).
/// Learning-rate schedules have their own option, <see cref="TrainerOptions.Schedule"/>.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>Before the epoch's first batch.</summary>
    void OnEpochStart(TrainingContext context)
    {
    }

    /// <summary>After the epoch's validation pass and schedule step.</summary>
    void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
    }

    /// <summary>Once, after the last epoch (planned or stopped), before <see cref="Trainer.Fit"/> returns.</summary>
    void OnTrainEnd(TrainingContext context)
    {
    }
}
