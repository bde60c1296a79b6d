using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Data;

namespace Compiled.Samples;

/// <summary>
/// What one sample program is: its name, its dataset (how to load it and which script fetches it) and the models it
/// offers with their defaults. <see cref="SampleCommand"/> builds the command line from it and <see cref="SampleRun"/>
/// trains with it, so the MNIST and Fashion-MNIST programs share every option and the whole run.
/// </summary>
/// <param name="ProgramName">The executable's name, e.g. <c>compiled-mnist</c> (in messages and the pointer to <c>--help</c>).</param>
/// <param name="Description">The one-sentence description <c>--help</c> starts with.</param>
/// <param name="DatasetName">The dataset's name in help and messages, e.g. <c>MNIST</c>.</param>
/// <param name="DefaultDataDirectory">The default of <c>--data</c>, e.g. <c>data/mnist</c>.</param>
/// <param name="FetchScript">The script that fetches the dataset, e.g. <c>scripts/fetch-mnist.sh</c>.</param>
/// <param name="LoadData">Loads the training and test splits from a directory, pixels in [0, 1].</param>
/// <param name="Models">The models <c>--model</c> offers; the first is the default.</param>
public sealed record SampleDefinition(
    string ProgramName,
    string Description,
    string DatasetName,
    string DefaultDataDirectory,
    string FetchScript,
    Func<string, (Dataset Train, Dataset Test)> LoadData,
    IReadOnlyList<SampleModel> Models)
{
    /// <summary>Evaluate the test set after every epoch and print its loss and accuracy (a line per epoch after the trainer's).</summary>
    public bool TestEachEpoch { get; init; }

    /// <summary>The classes' names by label; when set, the run ends with the test accuracy of each class.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The model <c>--model</c> takes when not given: the first of <see cref="Models"/>.</summary>
    public SampleModel DefaultModel => Models[0];

    /// <summary>The names <c>--model</c> accepts, in order.</summary>
    public string[] ModelNames => Models.Select(m => m.Name).ToArray();

    /// <summary>The model named <paramref name="name"/> (as <see cref="ModelNames"/> spells it).</summary>
    public SampleModel Model(string name) =>
        Models.FirstOrDefault(m => m.Name == name) ?? throw new ArgumentException($"{ProgramName} has no model '{name}'; it has {string.Join(", ", ModelNames)}.", nameof(name));
}

/// <summary>One network a sample offers under <c>--model</c>.</summary>
/// <param name="Name">The value of <c>--model</c>, e.g. <c>lenet5</c>.</param>
/// <param name="Title">How the run's first line names it, e.g. <c>LeNet-5</c>.</param>
/// <param name="Defaults">The training settings used when the command line does not give them.</param>
/// <param name="Create">Builds the network for a thread count; null while it cannot be built yet (<see cref="Unavailable"/> says why).</param>
public sealed record SampleModel(string Name, string Title, ModelDefaults Defaults, Func<int, ITrainableNetwork>? Create)
{
    /// <summary>Why <see cref="Create"/> is null: the message a run of this model stops with.</summary>
    public string? Unavailable { get; init; }
}

/// <summary>
/// A model's training defaults: what a run uses for every option the command line leaves out. The learning rate, weight
/// decay and schedule apply to the default optimizer; another <c>--optimizer</c> takes its own (torch's) learning rate.
/// </summary>
public sealed record ModelDefaults
{
    /// <summary>Mini-batch size.</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>The optimizer's <c>--optimizer</c> name.</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary>The default optimizer's learning rate; null: <see cref="OptimizerChoice.DefaultLearningRate"/>.</summary>
    public float? LearningRate { get; init; }

    /// <summary>Weight decay (for optimizers that take one).</summary>
    public float WeightDecay { get; init; } = 5e-4f;

    /// <summary>The schedule; null: exponential decay by <see cref="LearningRateDecay"/> per epoch.</summary>
    public ScheduleSpec? Schedule { get; init; }

    /// <summary>The training images' augmentation (random crop, flip); none by default.</summary>
    public AugmentSpec Augment { get; init; } = AugmentSpec.None;

    /// <summary>The factor per epoch of the default (exponential) schedule.</summary>
    public float LearningRateDecay { get; init; } = 0.8f;
}
