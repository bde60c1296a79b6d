using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Networks;
using Compiled.Optimizers;
using Compiled.Regularization;
using Compiled.Schedules;

namespace Compiled.Training;

/// <summary>
/// The training loop: per epoch a seeded shuffle, then for each mini-batch
/// <c>TrainStep</c> (forward, loss, backward; class labels or float targets, whichever the dataset holds) → weight penalty →
/// NaN/Inf guard → gradient clipping → <c>optimizer.StepAndZeroGradients(Parameters, Gradients)</c>
/// (the update and the zeroing in one pass over the buffers) → a per-step schedule;
/// after the epoch an optional validation pass, a printed line, a per-epoch schedule, early stopping and the callbacks.
/// A network that implements <see cref="IFusedTrainStep"/> (it runs on a <see cref="StepRunner"/>) does the guard, the
/// optimizer step and the zeroing inside its step's own parallel dispatch, each thread on its range of the buffers,
/// whenever no weight penalty or clipping needs the whole gradient first, and there each thread also copies its own rows of
/// the shuffled batch (<see cref="StepOptions.Gather"/>); the results are bitwise the same.
/// </summary>
/// <remarks>
/// <code>
/// var sgd = new Sgd(0.1f, momentum: 0.9f);
/// var trainer = new Trainer(net, sgd, new TrainerOptions
/// {
///     Epochs = 30,
///     Schedule = new CosineAnnealingLR(sgd, tMax: 30),
///     ClipGradNorm = 5f,
///     Penalty = new WeightPenalty(l2: 1e-4f),
///     EarlyStopping = new EarlyStopping(patience: 5),
/// });
/// TrainingHistory history = trainer.Fit(train, validation);
/// </code>
/// Deterministic for a fixed network seed, shuffle seed and thread count. Nothing is allocated per batch
/// (the batch buffers, the optimizer state and the evaluation buffer are made once).
/// <c>ZeroGradients</c> is called once before the first batch; after that the optimizer's fused pass leaves
/// <c>Gradients</c> zeroed after every step, bitwise the same as <c>Step</c> followed by <c>ZeroGradients</c>.
/// </remarks>
public sealed class Trainer
{
    public Trainer(ITrainableNetwork network, Optimizer optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new TrainerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs, "options.Epochs");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, "options.BatchSize");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CheckpointEvery, "options.CheckpointEvery");
        if (options.InitialEpoch < 0 || options.InitialEpoch >= options.Epochs)
            throw new ArgumentOutOfRangeException("options.InitialEpoch", options.InitialEpoch, $"InitialEpoch must be in 0..{options.Epochs - 1} (Epochs is {options.Epochs}).");
        if (options.Schedule is { } schedule)
        {
            if (!ReferenceEquals(schedule.Optimizer, optimizer))
                throw new ArgumentException("The schedule drives a different optimizer than the trainer's.", "options.Schedule");
            if (schedule is ReduceLROnPlateau && options.ScheduleInterval == ScheduleInterval.Step)
                throw new ArgumentException("ReduceLROnPlateau steps on an epoch's metric: use ScheduleInterval.Epoch.", "options.ScheduleInterval");
        }
        if (options.ClipGradNorm is float norm && (!(norm > 0) || float.IsInfinity(norm)))
            throw new ArgumentOutOfRangeException("options.ClipGradNorm", norm, "ClipGradNorm must be finite and > 0.");
        if (!(options.ClipNormType > 0))
            throw new ArgumentOutOfRangeException("options.ClipNormType", options.ClipNormType, "ClipNormType must be > 0 (or +Infinity).");
        if (options.ClipGradValue is float value && (!(value > 0) || float.IsInfinity(value)))
            throw new ArgumentOutOfRangeException("options.ClipGradValue", value, "ClipGradValue must be finite and > 0.");
        Network = network;
        Optimizer = optimizer;
        Options = options;
    }

    public ITrainableNetwork Network { get; }
    public Optimizer Optimizer { get; }
    public TrainerOptions Options { get; }

    /// <summary>
    /// Trains on <paramref name="train"/> for epochs <see cref="TrainerOptions.InitialEpoch"/> + 1 .. <see cref="TrainerOptions.Epochs"/>,
    /// evaluating <paramref name="validation"/> after each. A dataset of class labels trains cross-entropy and hinge heads;
    /// a dataset of float targets (<see cref="Dataset.HasTargets"/>) trains MSE, BCE and cross-entropy heads.
    /// </summary>
    /// <exception cref="NonFiniteException">The loss or a gradient became NaN or infinite.</exception>
    public TrainingHistory Fit(Dataset train, Dataset? validation = null) => Run(train, validation, null);

    /// <summary>
    /// Continues a run from the checkpoint at <paramref name="checkpointPath"/> (written by <see cref="TrainerOptions.CheckpointPath"/>):
    /// restores the parameters, the optimizer, the schedule and early stopping (those this trainer has) and the epoch, then
    /// trains the remaining epochs up to <see cref="TrainerOptions.Epochs"/>. With the same data, seeds, options and thread
    /// count the result is bit for bit that of the uninterrupted run.
    /// </summary>
    /// <exception cref="System.IO.InvalidDataException">The checkpoint is unreadable, of another network, or lacks a state this trainer needs (nothing is changed then).</exception>
    public TrainingHistory Resume(string checkpointPath, Dataset train, Dataset? validation = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        return Run(train, validation, checkpointPath);
    }

    private TrainingHistory Run(Dataset train, Dataset? validation, string? resumeFrom)
    {
        ArgumentNullException.ThrowIfNull(train);
        RequireFits(train, nameof(train));
        if (validation is not null) RequireFits(validation, nameof(validation));

        ITrainableNetwork net = Network;
        TrainerOptions o = Options;
        if (validation is null)
        {
            if (o.EarlyStopping is { Monitor: TrainingMetric.ValidationLoss or TrainingMetric.ValidationAccuracy } stopping)
                throw new ArgumentException($"Early stopping monitors {stopping.Monitor.Name()}, which needs a validation set: pass one to Fit, or monitor a training metric.", nameof(validation));
            if (o.Schedule is ReduceLROnPlateau && o.ScheduleMetric is TrainingMetric.ValidationLoss or TrainingMetric.ValidationAccuracy)
                throw new ArgumentException($"ReduceLROnPlateau steps on {o.ScheduleMetric.Name()}, which needs a validation set: pass one to Fit, or set ScheduleMetric to a training metric.", nameof(validation));
        }
        var history = new TrainingHistory();
        var batches = new BatchIterator(train, o.BatchSize, o.Shuffle, o.Seed, augmentation: o.Augmentation);
        int firstEpoch = o.InitialEpoch + 1;
        if (resumeFrom is not null)
        {
            long done = Serialization.Checkpoint.Load(resumeFrom, net, TrainingCheckpoint.States(Optimizer, o, batches)).Epoch;
            if (done < 0 || done >= o.Epochs)
                throw new System.IO.InvalidDataException($"'{resumeFrom}' was saved after epoch {done}; this trainer runs {o.Epochs} epochs, so there is nothing left to train.");
            firstEpoch = (int)done + 1;
        }
        var context = new TrainingContext(net, Optimizer, o, history, batches);
        var evaluator = new Evaluator(o.EvaluationBatchSize);
        TextWriter? output = o.Output;
        ProgressBar? bar = output is not null && ShowBar(output) ? new ProgressBar(output) : null;
        var outputs = net as ITrainingOutputs;
        int width = net.OutputLength;
        bool targets = train.HasTargets;
        // Float targets of an MSE head have no accuracy: report none rather than 0.
        bool accuracy = outputs is not null && (!targets || net.Loss is LossKind.SoftmaxCrossEntropy or LossKind.SigmoidBinaryCrossEntropy);
        WeightPenalty? penalty = o.Penalty;
        LearningRateScheduler? schedule = o.Schedule;
        bool stepSchedule = schedule is not null && o.ScheduleInterval == ScheduleInterval.Step;
        var callbacks = new List<ITrainingCallback>(o.Callbacks.Count + 1);
        if (o.EarlyStopping is not null) callbacks.Add(o.EarlyStopping);
        callbacks.AddRange(o.Callbacks);
        if (o.CheckpointPath is not null) callbacks.Add(new TrainingCheckpoint(o.CheckpointPath, o.CheckpointEvery));

        // A network that runs on a StepRunner ends its step in the same dispatch: finite check, optimizer step and zeroing per
        // thread range. Only when nothing needs the whole gradient in between (a weight penalty, clipping by the global norm or value).
        var fused = net as IFusedTrainStep;
        StepOptions? stepOptions = fused is not null && penalty is null && o.ClipGradNorm is null && o.ClipGradValue is null
            ? new StepOptions(net.Parameters, net.ParameterTable) { Optimizer = Optimizer, CheckFinite = o.CheckFinite, Gather = batches }
            : null;

        SyncFrozenLayers();
        net.ZeroGradients();
        for (int epoch = firstEpoch; epoch <= o.Epochs; epoch++)
        {
            context.Epoch = epoch;
            foreach (ITrainingCallback callback in callbacks) callback.OnEpochStart(context);
            float learningRate = Optimizer.LearningRate;
            long start = Stopwatch.GetTimestamp();
            double lossSum = 0, normSum = 0;
            int seen = 0, steps = 0;
            long correct = 0, judged = 0;

            // On the fused path every thread of the step copies its own rows of the shuffled batch (StepOptions.Gather).
            foreach (Batch batch in batches.Epoch(epoch - 1, deferGather: stepOptions is not null))
            {
                float loss;
                if (stepOptions is not null)
                {
                    stepOptions.Epoch = epoch;
                    stepOptions.Batch = batch.Index;
                    loss = targets
                        ? fused!.TrainStep(batch.Inputs, batch.Targets, batch.Size, stepOptions)
                        : fused!.TrainStep(batch.Inputs, batch.Labels, batch.Size, stepOptions);
                }
                else
                {
                    loss = targets
                        ? net.TrainStep(batch.Inputs, batch.Targets, batch.Size)
                        : net.TrainStep(batch.Inputs, batch.Labels, batch.Size);
                    if (penalty is not null) loss += (float)penalty.Apply(net.Parameters, net.Gradients, net.ParameterTable);
                    if (o.CheckFinite) Guard(loss, epoch, batch.Index);
                }
                if (accuracy)
                {
                    if (targets)
                    {
                        (int c, int j) = Accuracy.CountCorrect(net.Loss, outputs!.LastOutputs, batch.Targets, batch.Size, width);
                        correct += c;
                        judged += j;
                    }
                    else
                    {
                        correct += Accuracy.CountCorrect(outputs!.LastOutputs, batch.Labels, batch.Size, width);
                        judged += batch.Size;
                    }
                }
                if (stepOptions is null)
                {
                    if (o.ClipGradNorm is float maxNorm) normSum += GradientClipping.ClipGradNorm(net.Gradients, maxNorm, o.ClipNormType);
                    if (o.ClipGradValue is float clip) GradientClipping.ClipGradValue(net.Gradients, clip);
                    Optimizer.StepAndZeroGradients(net.Parameters, net.Gradients);
                }
                if (stepSchedule) schedule!.Step();
                lossSum += (double)loss * batch.Size;
                seen += batch.Size;
                steps++;
                bar?.Update(epoch, o.Epochs, batch.Index + 1, batches.BatchCount, lossSum / seen,
                    accuracy ? correct / (double)judged : null, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            double trainSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

            EvaluationResult? checkup = validation is null ? null : evaluator.Evaluate(net, validation);
            double? validationLoss = checkup?.Loss;
            if (validationLoss is double vl && penalty is not null) validationLoss = vl + penalty.Value(net.Parameters, net.ParameterTable);
            var record = new EpochRecord(
                epoch,
                lossSum / seen,
                accuracy ? correct / (double)judged : null,
                validationLoss,
                checkup?.AccuracyOrNull,
                learningRate,
                trainSeconds,
                Stopwatch.GetElapsedTime(start).TotalSeconds,
                seen,
                o.ClipGradNorm is null ? null : normSum / steps);
            history.Add(record);
            if (output is not null)
            {
                bar?.Clear();
                output.WriteLine(FormatLine(record, o.Epochs));
                output.Flush();
            }
            if (schedule is not null && !stepSchedule)
            {
                if (schedule is ReduceLROnPlateau plateau) plateau.Step(o.ScheduleMetric.Read(record));
                else schedule.Step();
            }
            foreach (ITrainingCallback callback in callbacks) callback.OnEpochEnd(context, record);
            if (context.StopRequested) break;
        }
        foreach (ITrainingCallback callback in callbacks) callback.OnTrainEnd(context);
        if (output is not null)
        {
            if (history.StopReason is string reason) output.WriteLine(reason);
            if (o.EarlyStopping is { RestoredBestWeights: true } stopping)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"restored the weights of epoch {stopping.BestEpoch} ({stopping.Monitor.Name()} {stopping.Best:G6})"));
            output.Flush();
        }
        return history;
    }

    /// <summary>The per-epoch line, e.g. <c>epoch  3/10  loss 0.0412  acc 98.71%  val loss 0.0398  val acc 98.80%  lr 0.01  4.2 s</c>.</summary>
    public static string FormatLine(EpochRecord r, int epochs)
    {
        int digits = epochs.ToString(CultureInfo.InvariantCulture).Length;
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"epoch {r.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(digits)}/{epochs}  loss {r.TrainLoss:F4}");
        if (r.TrainAccuracy is double acc) text.Append(CultureInfo.InvariantCulture, $"  acc {acc * 100:F2}%");
        if (r.GradientNorm is double gn) text.Append(CultureInfo.InvariantCulture, $"  grad norm {gn:G4}");
        if (r.ValidationLoss is double vl && !double.IsNaN(vl)) text.Append(CultureInfo.InvariantCulture, $"  val loss {vl:F4}");
        if (r.ValidationAccuracy is double va) text.Append(CultureInfo.InvariantCulture, $"  val acc {va * 100:F2}%");
        text.Append(CultureInfo.InvariantCulture, $"  lr {r.LearningRate:G4}  {r.TrainSeconds:F2} s");
        return text.ToString();
    }

    private void RequireFits(Dataset data, string name)
    {
        if (data.SampleLength != Network.InputLength)
            throw new ArgumentException($"The network takes {Network.InputLength} floats per sample; the {name} samples [{string.Join(", ", data.SampleShape)}] have {data.SampleLength}.", name);
        LossKind loss = Network.Loss;
        if (data.HasTargets)
        {
            if (loss is not (LossKind.SoftmaxCrossEntropy or LossKind.SigmoidBinaryCrossEntropy or LossKind.MeanSquaredError))
                throw new ArgumentException($"The network's {loss} head trains on class labels, but the {name} dataset holds float targets.", name);
            if (data.TargetLength != Network.OutputLength)
                throw new ArgumentException($"The network has {Network.OutputLength} outputs; the {name} targets have {data.TargetLength} per sample.", name);
        }
        else
        {
            if (loss is not (LossKind.SoftmaxCrossEntropy or LossKind.MultiClassHinge))
                throw new ArgumentException($"The network's {loss} head trains on float targets, but the {name} dataset holds class labels; convert them with {name}.OneHot({Network.OutputLength}).", name);
            if (data.ClassCount > Network.OutputLength)
                throw new ArgumentException($"The {name} labels go up to {data.ClassCount - 1} but the network has {Network.OutputLength} outputs.", name);
        }
    }

    // Per optimizer (several trainers may share one in turn): the layers a trainer froze in it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Optimizer, HashSet<string>> s_frozenByTrainers = new();

    // A layer frozen in the network (ITrainableNetwork.Freeze) must not move in the optimizer either: momentum and weight
    // decay would keep changing it with a zero gradient. Freezes those layers in the optimizer (giving it the network's
    // parameter table first if it has none), and unfreezes the ones a trainer froze in this optimizer
    // earlier that the network has unfrozen since; tensors frozen through the optimizer itself are left alone.
    private void SyncFrozenLayers()
    {
        var layers = new List<string>();
        foreach (ParameterInfo p in Network.ParameterTable)
            if (!layers.Contains(p.Layer)) layers.Add(p.Layer);
        var frozen = layers.FindAll(Network.IsFrozen);
        HashSet<string> frozenByTrainer = s_frozenByTrainers.GetValue(Optimizer, _ => new HashSet<string>(StringComparer.Ordinal));
        if (frozen.Count == 0 && frozenByTrainer.Count == 0) return;
        bool named = Optimizer.Parameters.Count > 0 && Optimizer.Parameters[0].Layer.Length > 0;
        // Naming the tensors is allowed even after steps (each carries on from the whole buffer's state).
        if (!named) Optimizer.SetGroups(Network.ParameterTable);
        foreach (string layer in frozen)
        {
            Optimizer.Freeze(layer);
            frozenByTrainer.Add(layer);
        }
        foreach (string layer in new List<string>(frozenByTrainer))
        {
            if (frozen.Contains(layer)) continue;
            Optimizer.Freeze(layer, frozen: false);
            frozenByTrainer.Remove(layer);
        }
    }

    private bool ShowBar(TextWriter output) => Options.Progress switch
    {
        ProgressDisplay.Bar => true,
        ProgressDisplay.EpochLines => false,
        _ => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected,
    };

    // Stops before the optimizer step, so the parameters still hold the last finite values.
    private void Guard(float loss, int epoch, int batch)
    {
        float[] gradients = Network.Gradients;
        int bad = FiniteCheck.IndexOfNonFinite(gradients);
        if (float.IsFinite(loss) && bad < 0) return;

        throw FiniteCheck.Diverged(loss, Network.Parameters, gradients, bad, Network.ParameterTable, epoch, batch);
    }
}
