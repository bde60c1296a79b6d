using System.Collections.Generic;
using System.IO;

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

/// <summary>Settings of a <see cref="Trainer"/> run.</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    /// <summary>Seed of the per-epoch shuffles (the network's initialization has its own seed).</summary>
    public ulong Seed { get; init; }
    public bool Shuffle { get; init; } = true;
    /// <summary>Where the per-epoch lines go; null prints nothing.</summary>
    public TextWriter? Output { get; init; } = System.Console.Out;
    public ProgressDisplay Progress { get; init; } = ProgressDisplay.Auto;
    /// <summary>After each step, stop with a <see cref="NonFiniteException"/> when the loss or a gradient is NaN or infinite.</summary>
    public bool CheckFinite { get; init; } = true;
    /// <summary>Samples per forward call when evaluating the validation set.</summary>
    public int EvaluationBatchSize { get; init; } = 256;
    /// <summary>Epoch hooks, called in order (schedules, early stopping, logging).</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];
}
