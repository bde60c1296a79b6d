using System.Collections.Generic;
using System.IO;
using Compiled.Regularization;
using Compiled.Schedules;

namespace Compiled.Training;

/// <summary>How the per-epoch progress is shown.</summary>
public enum ProgressDisplay
{
    /// <summary>A live progress bar when writing to an interactive console, plain epoch lines when the output is redirected.</summary>
    Auto = 0,
    /// <summary>Always a live progress bar (carriage returns) plus the epoch lines.</summary>
    Bar,
    /// <summary>Only the per-epoch lines.</summary>
    EpochLines,
}

/// <summary>When a <see cref="TrainerOptions.Schedule"/> steps.</summary>
public enum ScheduleInterval
{
    /// <summary>After every epoch (after validation): the torch idiom for StepLR, cosine, plateau.</summary>
    Epoch = 0,
    /// <summary>After every optimizer step (batch): for OneCycleLR and per-step warm-up; the schedule's epochs are then steps.</summary>
    Step,
}

/// <summary>Settings of a <see cref="Trainer"/> run.</summary>
/// <remarks>
/// Per batch the trainer runs: <c>TrainStep</c> → <see cref="Penalty"/> (added to the loss and the gradients) → NaN/Inf guard →
/// clipping (<see cref="ClipGradNorm"/>, then <see cref="ClipGradValue"/>, the order Keras applies <c>clipnorm</c> and
/// <c>clipvalue</c>) → optimizer step → the schedule's step if it is per step. Per epoch: validation → the schedule's step if
/// per epoch (<see cref="ReduceLROnPlateau"/> with <see cref="ScheduleMetric"/>) → <see cref="EarlyStopping"/> and the callbacks.
/// </remarks>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    /// <summary>Seed of the per-epoch shuffles (the network's initialization has its own seed).</summary>
    public ulong Seed { get; init; }
    public bool Shuffle { get; init; } = true;
    /// <summary>
    /// Random crop and flip applied to every training batch (never to validation), drawn from <see cref="Seed"/>, the epoch
    /// and each sample's index, so a resumed run sees the same images; null: none.
    /// </summary>
    public Compiled.Data.ImageAugmentation? Augmentation { get; init; }
    /// <summary>Where the per-epoch lines go; null prints nothing.</summary>
    public TextWriter? Output { get; init; } = System.Console.Out;
    public ProgressDisplay Progress { get; init; } = ProgressDisplay.Auto;
    /// <summary>After each step, stop with a <see cref="NonFiniteException"/> when the loss or a gradient is NaN or infinite.</summary>
    public bool CheckFinite { get; init; } = true;
    /// <summary>Samples per forward call when evaluating the validation set.</summary>
    public int EvaluationBatchSize { get; init; } = 256;
    /// <summary>Epoch hooks, called in order after <see cref="EarlyStopping"/> (checkpoints, logging).</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];

    /// <summary>A learning-rate schedule built on the trainer's optimizer, or null for a constant rate.</summary>
    public LearningRateScheduler? Schedule { get; init; }

    /// <summary>Whether <see cref="Schedule"/> steps after every epoch (default) or after every batch.</summary>
    public ScheduleInterval ScheduleInterval { get; init; } = ScheduleInterval.Epoch;

    /// <summary>The metric a <see cref="ReduceLROnPlateau"/> schedule is stepped with (default the validation loss).</summary>
    public TrainingMetric ScheduleMetric { get; init; } = TrainingMetric.ValidationLoss;

    /// <summary>Clip the gradients to this global 2-norm (or <see cref="ClipNormType"/>-norm) before each step, as <c>clip_grad_norm_</c>; null: no clipping.</summary>
    public float? ClipGradNorm { get; init; }

    /// <summary>p of the norm <see cref="ClipGradNorm"/> clips (default 2; <see cref="float.PositiveInfinity"/> for the largest magnitude).</summary>
    public float ClipNormType { get; init; } = 2f;

    /// <summary>Clamp every gradient into ±this before each step, as <c>clip_grad_value_</c>; null: no clamping.</summary>
    public float? ClipGradValue { get; init; }

    /// <summary>L1/L2 weight penalty added to the loss and the gradients (and to the reported losses, validation included, as Keras does), or null.</summary>
    public WeightPenalty? Penalty { get; init; }

    /// <summary>Early stopping on a monitored metric, or null.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>
    /// Epochs already done (Keras' <c>initial_epoch</c>): <c>Fit</c> runs epochs <c>InitialEpoch + 1 .. Epochs</c>, with the same
    /// shuffles an uninterrupted run would use there. With the parameters, optimizer, schedule and early-stopping state restored
    /// from a checkpoint taken after epoch <c>InitialEpoch</c>, the run continues bit for bit (same thread count).
    /// </summary>
    public int InitialEpoch { get; init; }

    /// <summary>
    /// Where to write a checkpoint (<see cref="Serialization.Checkpoint"/>: parameters, optimizer, schedule, early stopping,
    /// batch position, epoch) every <see cref="CheckpointEvery"/> epochs and after the last one, atomically; null: none.
    /// <c>{epoch}</c> in the path is replaced by the epoch number, keeping one file per checkpoint (as Keras' <c>ModelCheckpoint</c>
    /// file patterns do); otherwise each checkpoint replaces the previous one. <see cref="Trainer.Resume"/> continues from any of them.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Epochs between checkpoints (default 1); the last epoch run is always saved.</summary>
    public int CheckpointEvery { get; init; } = 1;
}
