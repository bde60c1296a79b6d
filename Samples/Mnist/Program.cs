using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Compiled;
using Compiled.Data;
using Compiled.Kernels;
using Compiled.Metrics;
using Compiled.Optimizers;
using Compiled.Samples.Mnist;
using Compiled.Schedules;
using Compiled.Serialization;
using Compiled.Training;

// compiled-mnist: train LeNet-5 or the MLP on MNIST, then report the test accuracy (scripts/fetch-mnist.sh gets the data).
// SampleCommand declares the options (System.CommandLine prints help and errors); Run does the work.
return new SampleCommand().Invoke(args, options =>
{
    try
    {
        return Run(options);
    }
    catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or NonFiniteException or NotSupportedException)
    {
        Console.Error.WriteLine($"compiled-mnist: {e.Message}");
        return 1;
    }
});

static int Run(SampleOptions options)
{
    foreach ((bool given, string name) in new[] { (options.ClipNorm is not null, "--clip-norm"), (options.L1 is not null, "--l1"), (options.L2 is not null, "--l2"),
        (options.EarlyStoppingPatience is not null, "--early-stopping"), (options.Resume is not null, "--resume"), (options.Schedule?.PerBatch == true, "--schedule onecycle") })
        if (given) throw new NotSupportedException($"{name} is not wired to the trainer yet.");
    if (options.Width is string width)
        Simd.Width = width switch
        {
            "512" => VectorWidth.V512,
            "256" => VectorWidth.V256,
            "128" => VectorWidth.V128,
            _ => VectorWidth.Scalar,
        };
    int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
    ITrainableNetwork network = options.Model == "mlp" ? new Mlp(threads) : new LeNet5(threads);
    network.Initialize(options.Seed);

    Console.WriteLine($"compiled-mnist: {(options.Model == "mlp" ? "MLP 784-128-64-10" : "LeNet-5")}");
    Console.WriteLine($"SIMD: {Simd.Describe(Simd.Width)}{(Simd.IsAccelerated(Simd.Width) ? "" : ", emulated")}; threads: {network.Threads}");
    Console.WriteLine(network.Summary);

    // Data: pixels scaled to [0, 1], then standardized with the training split's mean and standard deviation.
    var (train, test) = MnistDataset.Load(options.DataDirectory);
    if (options.Limit is int limit && limit < train.Count) train = train.Take(limit);
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

    int epochs = options.EpochsOrDefault;
    float learningRate = options.LearningRateOrDefault;
    Optimizer optimizer = options.Optimizer == "adam"
        ? new Adam(learningRate, weightDecay: options.WeightDecayOrDefault)
        : new Sgd(learningRate, options.Momentum, weightDecay: options.WeightDecayOrDefault);
    ScheduleSpec schedule = options.Schedule ?? new ScheduleSpec("exponential", new Dictionary<string, string> { ["gamma"] = options.LearningRateDecayOrDefault.ToString("R", CultureInfo.InvariantCulture) });
    int batchesPerEpoch = (train.Count + options.BatchOrDefault - 1) / options.BatchOrDefault;
    LearningRateScheduler? scheduler = schedule.Create(optimizer, epochs, batchesPerEpoch, options.LearningRateDecayOrDefault);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"train {train.Count}{(validation is null ? "" : $", validation {validation.Count}")}, test {test.Count} (standardized: mean {standardization.Mean[0]:F4}, std {standardization.Std[0]:F4})"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{(optimizer is Adam ? "Adam" : $"SGD momentum {options.Momentum:G3}")}, lr {learningRate:G4}, schedule {schedule}{(options.WeightDecayOrDefault == 0f ? "" : $", weight decay {options.WeightDecayOrDefault:G3}")}, batch {options.BatchOrDefault}, {epochs} epoch{(epochs == 1 ? "" : "s")}, seed {options.Seed}"));

    if (options.LoadSafeTensors is string load)
    {
        SafeTensorsLoadResult loaded = SafeTensors.Load(load, network);
        Console.WriteLine($"loaded {loaded.Loaded.Count} tensors from {load}");
    }

    var callbacks = new List<ITrainingCallback>();
    if (scheduler is not null) callbacks.Add(new ScheduleStep(scheduler));
    if (options.Save is string save) callbacks.Add(new SaveCheckpoint(save, options.SaveEvery, optimizer, scheduler));
    var trainer = new Trainer(network, optimizer, new TrainerOptions
    {
        Epochs = epochs,
        BatchSize = options.BatchOrDefault,
        Seed = (ulong)options.Seed,
        Callbacks = callbacks,
    });
    TrainingHistory history = trainer.Fit(train, validation);

    if (options.SaveSafeTensors is string saveTensors)
    {
        SafeTensors.Save(saveTensors, network);
        Console.WriteLine($"wrote {network.ParameterTable.Count} tensors to {saveTensors}");
    }

    long evaluationStart = Stopwatch.GetTimestamp();
    EvaluationResult result = Evaluator.Run(network, test);
    double evaluationSeconds = Stopwatch.GetElapsedTime(evaluationStart).TotalSeconds;
    double secondsPerEpoch = history.Epochs.Average(r => r.TrainSeconds);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"test accuracy {result.Accuracy * 100:F2}% ({(int)Math.Round(result.Accuracy * result.Count)}/{result.Count}), test loss {result.Loss:F4}; {secondsPerEpoch:F2} s per epoch, test pass {evaluationSeconds:F2} s"));

    if (options.Json)
        Console.WriteLine(JsonSummary.Write(options.Model, history.Epochs, result.Accuracy, Simd.Width, network.Threads, options.BatchOrDefault, learningRate));
    return 0;
}
