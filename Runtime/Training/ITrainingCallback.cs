namespace Compiled.Training;

/// <summary>
/// Hooks the <see cref="Trainer"/> calls around each epoch: learning-rate schedules set
/// <c>context.Optimizer.LearningRate</c> in <see cref="OnEpochStart"/>; early stopping inspects the record in
/// <see cref="OnEpochEnd"/>, copies or restores <c>context.Network.Parameters</c> and calls <see cref="TrainingContext.RequestStop"/>.
/// </summary>
public interface ITrainingCallback
{
    void OnEpochStart(TrainingContext context)
    {
    }

    void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
    }
}
