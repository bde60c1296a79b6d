using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Optimizers;

namespace Compiled.Samples;

/// <summary>
/// The optimizers <c>--optimizer</c> offers: every <c>torch.optim</c> rule that trains on mini-batches, with torch's defaults
/// except the learning rate of SGD (0.02, measured for the sample) and the weight decay (<c>--weight-decay</c>, 5e-4 for all).
/// Not offered: L-BFGS (full-batch, each step re-evaluates the loss through a closure the trainer does not run) and
/// SparseAdam (for embedding rows; on dense layers every row has a gradient, so it is Adam without weight decay).
/// </summary>
public static class OptimizerChoice
{
    /// <summary>Name, torch's default learning rate, whether it takes weight decay, and what it is.</summary>
    public static readonly IReadOnlyList<(string Name, float LearningRate, bool WeightDecay, string Help)> All =
    [
        ("sgd", 0.02f, true, "SGD with --momentum (torch.optim.SGD)"),
        ("adagrad", 1e-2f, true, "Adagrad"),
        ("adadelta", 1.0f, true, "Adadelta"),
        ("rmsprop", 1e-2f, true, "RMSprop"),
        ("adam", 1e-3f, true, "Adam"),
        ("adamw", 1e-3f, true, "AdamW (decoupled weight decay)"),
        ("adamax", 2e-3f, true, "Adamax"),
        ("nadam", 2e-3f, true, "NAdam"),
        ("radam", 1e-3f, true, "RAdam"),
        ("asgd", 1e-2f, true, "averaged SGD"),
        ("rprop", 1e-2f, false, "Rprop (no weight decay; meant for full batches)"),
    ];

    public static string[] Names => All.Select(o => o.Name).ToArray();

    /// <summary>torch's default learning rate of <paramref name="name"/> (SGD: the sample's 0.02).</summary>
    public static float DefaultLearningRate(string name) => Find(name).LearningRate;

    /// <summary>Whether <paramref name="name"/> takes a weight decay.</summary>
    public static bool TakesWeightDecay(string name) => Find(name).WeightDecay;

    /// <summary>The optimizer named <paramref name="name"/> with torch's defaults for everything not given.</summary>
    public static Optimizer Create(string name, float learningRate, float momentum, float weightDecay) => name switch
    {
        "sgd" => new Sgd(learningRate, momentum, weightDecay: weightDecay),
        "adagrad" => new Adagrad(learningRate, weightDecay: weightDecay),
        "adadelta" => new Adadelta(learningRate, weightDecay: weightDecay),
        "rmsprop" => new RmsProp(learningRate, weightDecay: weightDecay),
        "adam" => new Adam(learningRate, weightDecay: weightDecay),
        "adamw" => new AdamW(learningRate, weightDecay: weightDecay),
        "adamax" => new Adamax(learningRate, weightDecay: weightDecay),
        "nadam" => new NAdam(learningRate, weightDecay: weightDecay),
        "radam" => new RAdam(learningRate, weightDecay: weightDecay),
        "asgd" => new Asgd(learningRate, weightDecay: weightDecay),
        "rprop" => weightDecay == 0f ? new Rprop(learningRate) : throw new ArgumentException("Rprop takes no weight decay.", nameof(weightDecay)),
        _ => throw new ArgumentException($"unknown optimizer '{name}'", nameof(name)),
    };

    private static (string Name, float LearningRate, bool WeightDecay, string Help) Find(string name) =>
        All.FirstOrDefault(o => o.Name == name) is { Name: not null } found ? found : throw new ArgumentException($"unknown optimizer '{name}'", nameof(name));
}
