using System;
using System.Collections.Generic;
using Compiled.Data;
using Compiled.Optimizers;
using Compiled.Serialization;

namespace Compiled.Training;

/// <summary>
/// Writes the trainer's checkpoint (<see cref="TrainerOptions.CheckpointPath"/>) after every N-th epoch and after the last
/// one: the network, and the states named <c>optimizer</c>, <c>schedule</c>, <c>early_stopping</c> and <c>batches</c>
/// (those present), with the number of epochs done as the checkpoint's epoch and the optimizer's step count as its step.
/// It runs after the epoch's schedule step and the other callbacks, so the file holds exactly what the next epoch starts from.
/// </summary>
internal sealed class TrainingCheckpoint(string path, int every) : ITrainingCallback
{
    /// <summary>The named states of a run, as saved and as <see cref="Trainer.Resume"/> restores them.</summary>
    public static Dictionary<string, IStateful> States(Optimizer optimizer, TrainerOptions options, BatchIterator batches)
    {
        var states = new Dictionary<string, IStateful> { ["optimizer"] = optimizer, ["batches"] = batches };
        if (options.Schedule is not null) states["schedule"] = options.Schedule;
        if (options.EarlyStopping is not null) states["early_stopping"] = options.EarlyStopping;
        return states;
    }

    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        bool last = context.StopRequested || record.Epoch == context.Options.Epochs;
        if (record.Epoch % every != 0 && !last) return;
        // "{epoch}" keeps one file per checkpoint (TrainerOptions.CheckpointPath).
        string file = path.Replace("{epoch}", record.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Checkpoint.Save(file, context.Network, States(context.Optimizer, context.Options, context.Batches),
            epoch: record.Epoch, step: context.Optimizer.StepCount);
    }
}
