using System;
using System.Globalization;
using System.IO;
using Compiled.Schedules;
using Compiled.Serialization;

namespace Compiled.Training;

/// <summary>
/// Stops training when a monitored metric has stopped improving (Keras' <c>EarlyStopping</c>): after each epoch the
/// metric counts as improved when it beats the best so far by more than <c>minDelta</c>; after <c>patience</c> epochs
/// without improvement the run stops; at the end of training (stopped or not) the best epoch's weights are copied
/// back into the network.
/// </summary>
/// <remarks>
/// Defaults: monitor the validation loss, patience 10 (as the course teaches; Keras' default is 0), minDelta 0, mode from
/// the metric (min for losses, max for accuracies), restore the best weights (Keras' default is not to, and Keras restores
/// only when it stops early; here the network always ends with the best weights seen, which is what a user wants after
/// <c>Fit</c>). Only the parameters are restored, not the optimizer's state. Give it to <see cref="TrainerOptions.EarlyStopping"/>
/// (or <see cref="TrainerOptions.Callbacks"/>); its state (<see cref="IStateful"/>) goes into checkpoints.
/// </remarks>
public sealed class EarlyStopping : ITrainingCallback, IStateful
{
    private float[]? _bestWeights;

    /// <param name="monitor">The metric to watch (default validation loss).</param>
    /// <param name="patience">Epochs without improvement before stopping (default 10).</param>
    /// <param name="minDelta">The smallest change that counts as an improvement (≥ 0, default 0).</param>
    /// <param name="mode">Min or max; null chooses from the metric.</param>
    /// <param name="restoreBestWeights">Copy the best epoch's parameters back at the end (default true).</param>
    public EarlyStopping(TrainingMetric monitor = TrainingMetric.ValidationLoss, int patience = 10, double minDelta = 0,
        MetricMode? mode = null, bool restoreBestWeights = true)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be >= 0.");
        if (!(minDelta >= 0) || double.IsInfinity(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be finite and >= 0.");
        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
        Mode = mode ?? monitor.DefaultMode();
        RestoreBestWeights = restoreBestWeights;
        Best = Mode == MetricMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
    }

    public TrainingMetric Monitor { get; }
    public int Patience { get; }
    public double MinDelta { get; }
    public MetricMode Mode { get; }
    public bool RestoreBestWeights { get; }

    /// <summary>The best value seen (±∞ before the first epoch).</summary>
    public double Best { get; private set; }

    /// <summary>1-based epoch of <see cref="Best"/>, 0 before the first epoch.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch at which this stopped the run, or 0.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>Whether the last <see cref="ITrainingCallback.OnTrainEnd"/> copied the best weights back.</summary>
    public bool RestoredBestWeights { get; private set; }

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(context);
        double value = Monitor.Read(record);
        Wait++;
        if (Mode == MetricMode.Min ? value < Best - MinDelta : value > Best + MinDelta)
        {
            Best = value;
            BestEpoch = record.Epoch;
            Wait = 0;
            if (RestoreBestWeights)
            {
                float[] parameters = context.Network.Parameters;
                if (_bestWeights is null || _bestWeights.Length != parameters.Length) _bestWeights = new float[parameters.Length];
                parameters.AsSpan().CopyTo(_bestWeights);
            }
            return;
        }
        if (Wait >= Patience)
        {
            StoppedEpoch = record.Epoch;
            context.RequestStop(string.Create(CultureInfo.InvariantCulture,
                $"early stopping: {Monitor.Name()} did not improve for {Wait} epochs (best {Best:G6} at epoch {BestEpoch})"));
        }
    }

    /// <inheritdoc/>
    public void OnTrainEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        RestoredBestWeights = false;
        if (!RestoreBestWeights || _bestWeights is null) return;
        float[] parameters = context.Network.Parameters;
        if (_bestWeights.Length != parameters.Length)
            throw new InvalidOperationException($"The best weights hold {_bestWeights.Length} floats but the network has {parameters.Length}.");
        _bestWeights.AsSpan().CopyTo(parameters);
        RestoredBestWeights = true;
    }

    /// <inheritdoc/>
    public string StateKind => nameof(EarlyStopping);

    /// <inheritdoc/>
    public void WriteState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Scalars["best"] = Best;
        state.Integers["best_epoch"] = BestEpoch;
        state.Integers["wait"] = Wait;
        state.Integers["stopped_epoch"] = StoppedEpoch;
        if (_bestWeights is not null) state.Buffers["best_weights"] = (float[])_bestWeights.Clone();
    }

    /// <inheritdoc/>
    public void ReadState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        double best = state.Scalars.TryGetValue("best", out double b) ? b : throw new InvalidDataException("EarlyStopping state has no scalar 'best'.");
        if (double.IsNaN(best)) throw new InvalidDataException("EarlyStopping state: best is NaN.");
        long bestEpoch = Integer(state, "best_epoch"), wait = Integer(state, "wait"), stopped = Integer(state, "stopped_epoch");
        foreach ((string name, long value) in new[] { ("best_epoch", bestEpoch), ("wait", wait), ("stopped_epoch", stopped) })
            if (value < 0 || value > int.MaxValue) throw new InvalidDataException($"EarlyStopping state: {name} {value} is out of range.");
        state.Buffers.TryGetValue("best_weights", out float[]? weights);
        Best = best;
        BestEpoch = (int)bestEpoch;
        Wait = (int)wait;
        StoppedEpoch = (int)stopped;
        _bestWeights = weights is null ? null : (float[])weights.Clone();
    }

    private static long Integer(StateBag state, string name) =>
        state.Integers.TryGetValue(name, out long value) ? value : throw new InvalidDataException($"EarlyStopping state has no integer '{name}'.");
}
