using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Compiled.Data;
using Compiled.Kernels;
using Compiled.Metrics;
using Compiled.Optimizers;
using Compiled.Regularization;
using Compiled.Schedules;
using Compiled.Serialization;
using Compiled.Training;
using static System.FormattableString;

namespace Compiled.Samples;

/// <summary>
/// One run of a sample: load and standardize the dataset, build the network and the training setup, train (with the test
/// set evaluated after each epoch when the sample asks), evaluate, save.
/// </summary>
public static class SampleRun
{
    /// <summary>
    /// Runs <paramref name="options"/> with the models and dataset of <paramref name="sample"/>, printing to
    /// <paramref name="output"/>; returns the exit code.
    /// </summary>
    /// <exception cref="NotSupportedException">The model cannot be built yet (<see cref="SampleModel.Unavailable"/>).</exception>
    public static int Run(SampleDefinition sample, SampleOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        SampleModel model = sample.Model(options.Model);
        if (model.Create is null)
            throw new NotSupportedException(model.Unavailable ?? $"--model {model.Name} cannot be built yet.");
        if (options.Width is string width)
            Simd.Width = width switch
            {
                "512" => VectorWidth.V512,
                "256" => VectorWidth.V256,
                "128" => VectorWidth.V128,
                _ => VectorWidth.Scalar,
            };
        // Data first, so missing files stop the run before anything is printed. Pixels are scaled to [0, 1], then
        // standardized with the training split's mean and standard deviation.
        var (train, test) = sample.LoadData(options.DataDirectory);
        if (options.Limit is int limit && limit < train.Count) train = train.Take(limit);
        if (options.TestLimit is int testLimit && testLimit < test.Count) test = test.Take(testLimit);
        Dataset? validation = null;
        if (options.Validation > 0)
        {
            if (options.Validation >= train.Count)
                throw new InvalidDataException($"--validation {options.Validation} leaves no training images (there are {train.Count}).");
            (train, validation) = train.Split(options.Validation, (ulong)options.Seed);
        }
        Standardization standardization = Standardization.Fit(train);
        standardization.Apply(train);
        standardization.Apply(test);
        if (validation is not null) standardization.Apply(validation);

        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        ITrainableNetwork network = model.Create(threads);
        network.Initialize(options.Seed);
        output.WriteLine($"{sample.ProgramName}: {model.Title} on {sample.DatasetName}");
        output.WriteLine($"SIMD: {Simd.Describe(Simd.Width)}{(Simd.IsAccelerated(Simd.Width) ? "" : ", emulated")}; threads: {network.Threads}");
        output.WriteLine(network.Summary);

        var setup = TrainingSetup.Create(options, train.Count, validation is not null, output);
        TestEachEpoch? testEachEpoch = sample.TestEachEpoch ? new TestEachEpoch(test, output) : null;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train {train.Count}{(validation is null ? "" : $", validation {validation.Count}")}, test {test.Count} (standardized: mean {standardization.Mean[0]:F4}, std {standardization.Std[0]:F4})"));
        output.WriteLine(setup.Describe(options));

        if (options.LoadSafeTensors is string load)
        {
            SafeTensorsLoadResult loaded = SafeTensors.Load(load, network);
            output.WriteLine($"loaded {loaded.Loaded.Count} tensors from {load}");
        }
        // --resume: the trainer restores the parameters, optimizer, schedule, early stopping and batch position, then
        // continues at the next epoch with the shuffles an uninterrupted run would have used there.
        // The augmentation pads with a black pixel as standardized (torchvision pads the raw image before Normalize).
        TrainerOptions trainerOptions = setup.TrainerOptions with { Augmentation = options.AugmentOrDefault.Create(standardization) };
        var trainer = new Trainer(network, setup.Optimizer,
            testEachEpoch is null ? trainerOptions : trainerOptions with { Callbacks = [.. trainerOptions.Callbacks, testEachEpoch] });
        if (options.Resume is string resume) output.WriteLine($"resuming from {resume}, saved after epoch {Checkpoint.Read(resume).Epoch}");
        TrainingHistory history = options.Resume is string from ? trainer.Resume(from, train, validation) : trainer.Fit(train, validation);
        if (history.StopReason is string reason) output.WriteLine(reason);

        if (options.SaveSafeTensors is string saveTensors)
        {
            SafeTensors.Save(saveTensors, network);
            output.WriteLine($"wrote {network.ParameterTable.Count} tensors to {saveTensors}");
        }

        // One pass over the test set gives the loss, the accuracy and the per-class line; none when the last epoch's
        // test pass ran on these very weights.
        if (testEachEpoch is null || !testEachEpoch.TryReuseLast(network, out EvaluationResult result, out int[] predicted, out double evaluationSeconds))
        {
            long evaluationStart = Stopwatch.GetTimestamp();
            predicted = new int[test.Count];
            result = new Evaluator().Evaluate(network, test, predicted);
            evaluationSeconds = Stopwatch.GetElapsedTime(evaluationStart).TotalSeconds;
        }
        double secondsPerEpoch = history.Epochs.Count == 0 ? 0 : history.Epochs.Average(r => r.TrainSeconds);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test accuracy {result.Accuracy * 100:F2}% ({(int)Math.Round(result.Accuracy * result.Count)}/{result.Count}), test loss {result.Loss:F4}; {secondsPerEpoch:F2} s per epoch, test pass {evaluationSeconds:F2} s"));
        if (sample.ClassNames is { } classNames)
            output.WriteLine(ClassAccuracy.Describe(classNames, ClassAccuracy.Measure(predicted, test, classNames.Count)));

        if (options.Json && history.Epochs.Count > 0)
            output.WriteLine(JsonSummary.Write(options.Model, history.Epochs, result.Accuracy, Simd.Width, network.Threads, options.BatchOrDefault,
                options.LearningRateOrDefault, testEachEpoch?.Accuracies));
        return 0;
    }
}

/// <summary>
/// What the options ask of the trainer: the optimizer, the schedule (per epoch, or per batch for OneCycleLR), the weight
/// penalty, clipping, early stopping and checkpoints (the trainer's own: <see cref="TrainerOptions.CheckpointPath"/>).
/// </summary>
public sealed class TrainingSetup
{
    private TrainingSetup(Optimizer optimizer, ScheduleSpec schedule, LearningRateScheduler? scheduler, EarlyStopping? earlyStopping,
        TrainerOptions trainerOptions)
    {
        Optimizer = optimizer;
        Schedule = schedule;
        Scheduler = scheduler;
        EarlyStopping = earlyStopping;
        TrainerOptions = trainerOptions;
    }

    public Optimizer Optimizer { get; }
    public ScheduleSpec Schedule { get; }
    public LearningRateScheduler? Scheduler { get; }
    public EarlyStopping? EarlyStopping { get; }
    public TrainerOptions TrainerOptions { get; }

    /// <summary>The setup for <paramref name="options"/> and a training set of <paramref name="trainCount"/> images.</summary>
    public static TrainingSetup Create(SampleOptions options, int trainCount, bool hasValidation, TextWriter? output)
    {
        ArgumentNullException.ThrowIfNull(options);
        int epochs = options.EpochsOrDefault;
        int batchesPerEpoch = (trainCount + options.BatchOrDefault - 1) / options.BatchOrDefault;
        Optimizer optimizer = OptimizerChoice.Create(options.Optimizer, options.LearningRateOrDefault, options.Momentum, options.WeightDecayOrDefault);
        ScheduleSpec schedule = options.ScheduleOrDefault;
        LearningRateScheduler? scheduler = schedule.Create(optimizer, epochs, batchesPerEpoch, options.LearningRateDecayOrDefault);
        EarlyStopping? earlyStopping = options.EarlyStoppingPatience is int patience ? new EarlyStopping(TrainingMetric.ValidationLoss, patience) : null;

        var trainerOptions = new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = options.BatchOrDefault,
            Seed = (ulong)options.Seed,
            Output = output,
            Schedule = scheduler,
            ScheduleInterval = schedule.PerBatch ? ScheduleInterval.Step : ScheduleInterval.Epoch,
            ScheduleMetric = hasValidation ? TrainingMetric.ValidationLoss : TrainingMetric.TrainLoss,
            ClipGradNorm = options.ClipNorm,
            Penalty = options.L1 is not null || options.L2 is not null ? new WeightPenalty(options.L1 ?? 0f, options.L2 ?? 0f) : null,
            EarlyStopping = earlyStopping,
            CheckpointPath = options.Save,
            CheckpointEvery = options.SaveEvery,
        };
        return new TrainingSetup(optimizer, schedule, scheduler, earlyStopping, trainerOptions);
    }

    /// <summary>One line: optimizer, rate, schedule, regularization, batch, epochs, seed.</summary>
    public string Describe(SampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var parts = new List<string>
        {
            options.Optimizer == "sgd" ? Invariant($"SGD momentum {options.Momentum:G3}") : Optimizer.GetType().Name,
            Invariant($"lr {options.LearningRateOrDefault:G4}"),
            $"schedule {Schedule}",
        };
        if (options.WeightDecayOrDefault != 0f) parts.Add(Invariant($"weight decay {options.WeightDecayOrDefault:G3}"));
        if (options.L1 is float l1) parts.Add(Invariant($"L1 {l1:G3}"));
        if (options.L2 is float l2) parts.Add(Invariant($"L2 {l2:G3}"));
        if (!options.AugmentOrDefault.IsNone) parts.Add($"augment {options.AugmentOrDefault}");
        if (options.ClipNorm is float clip) parts.Add(Invariant($"clip norm {clip:G3}"));
        if (EarlyStopping is not null) parts.Add(Invariant($"early stopping (patience {EarlyStopping.Patience})"));
        int epochs = options.EpochsOrDefault;
        parts.Add(Invariant($"batch {options.BatchOrDefault}, {epochs} epoch{(epochs == 1 ? "" : "s")}, seed {options.Seed}"));
        return string.Join(", ", parts);
    }
}
