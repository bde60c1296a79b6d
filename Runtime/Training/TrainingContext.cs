using Compiled.Data;
using Compiled.Optimizers;
using Compiled.Schedules;

namespace Compiled.Training;

/// <summary>The state of a running <see cref="Trainer.Fit"/> that callbacks see and steer.</summary>
public sealed class TrainingContext
{
    internal TrainingContext(ITrainableNetwork network, Optimizer optimizer, TrainerOptions options, TrainingHistory history, BatchIterator batches)
    {
        Network = network;
        Optimizer = optimizer;
        Options = options;
        History = history;
        Batches = batches;
    }

    public ITrainableNetwork Network { get; }
    public Optimizer Optimizer { get; }
    public TrainerOptions Options { get; }
    public TrainingHistory History { get; }

    /// <summary>The learning-rate schedule (<see cref="TrainerOptions.Schedule"/>), or null.</summary>
    public LearningRateScheduler? Schedule => Options.Schedule;

    /// <summary>The training batches (its position is part of a checkpoint).</summary>
    public BatchIterator Batches { get; }

    /// <summary>1-based number of the current epoch.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Set by <see cref="RequestStop"/>: training ends after the current epoch.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Ends training after the current epoch; the reason lands in <see cref="TrainingHistory.StopReason"/>.</summary>
    public void RequestStop(string reason)
    {
        StopRequested = true;
        History.StopReason = reason;
    }
}
