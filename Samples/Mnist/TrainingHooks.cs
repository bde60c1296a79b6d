using System.Collections.Generic;
using Compiled.Optimizers;
using Compiled.Schedules;
using Compiled.Serialization;
using Compiled.Training;

namespace Compiled.Samples.Mnist;

/// <summary>Steps a per-epoch schedule after each epoch (ReduceLROnPlateau with the validation loss, else the training loss).</summary>
internal sealed class ScheduleStep(LearningRateScheduler scheduler) : ITrainingCallback
{
    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        if (scheduler is ReduceLROnPlateau plateau) plateau.Step(record.ValidationLoss ?? record.TrainLoss);
        else scheduler.Step();
    }
}

/// <summary>Writes a checkpoint every <paramref name="every"/> epochs and after the last one.</summary>
internal sealed class SaveCheckpoint(string path, int every, Optimizer optimizer, LearningRateScheduler? scheduler) : ITrainingCallback
{
    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        if (record.Epoch % every != 0 && record.Epoch != context.Options.Epochs) return;
        var states = new Dictionary<string, IStateful>();
        if (optimizer is IStateful o) states["optimizer"] = o;
        if (scheduler is not null) states["schedule"] = scheduler;
        Checkpoint.Save(path, context.Network, states, epoch: record.Epoch);
    }
}
