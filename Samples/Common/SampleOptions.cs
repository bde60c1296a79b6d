using System.Collections.Generic;
using System.Globalization;

namespace Compiled.Samples;

/// <summary>The sample's settings, as parsed by <see cref="SampleCommand"/> (null: the model's or optimizer's default).</summary>
public sealed record SampleOptions
{
    /// <summary>The <c>--model</c> name, one of the sample's <see cref="SampleDefinition.Models"/>.</summary>
    public required string Model { get; init; }
    public int? Epochs { get; init; }
    public int? Batch { get; init; }
    public float? LearningRate { get; init; }
    public string Optimizer { get; init; } = "sgd";
    public float Momentum { get; init; } = 0.9f;
    public float? LearningRateDecay { get; init; }
    public float? WeightDecay { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>The directory of the dataset's files (<c>--data</c>; default: the sample's <see cref="SampleDefinition.DefaultDataDirectory"/>).</summary>
    public required string DataDirectory { get; init; }
    public int Threads { get; init; }
    public int? Limit { get; init; }
    /// <summary>Test on the first N test images only (<c>--test-limit</c>; null: all).</summary>
    public int? TestLimit { get; init; }
    public int Validation { get; init; }
    public bool Json { get; init; }
    public string? Width { get; init; }
    /// <summary>The learning-rate schedule given on the command line; null: <see cref="ScheduleOrDefault"/>.</summary>
    public ScheduleSpec? Schedule { get; init; }
    /// <summary>The training images' augmentation given on the command line; null: the model's (<see cref="AugmentOrDefault"/>).</summary>
    public AugmentSpec? Augment { get; init; }
    /// <summary>Clip the gradients' global L2 norm to this before each step (torch's <c>clip_grad_norm_</c>).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>L1 penalty factor on the weights, added to the loss and its gradient.</summary>
    public float? L1 { get; init; }
    /// <summary>L2 penalty factor on the weights, added to the loss and its gradient (Keras convention: factor · Σw²).</summary>
    public float? L2 { get; init; }
    /// <summary>Early stopping on the validation loss with this patience (epochs); null: off.</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>Checkpoint file written every <see cref="SaveEvery"/> epochs.</summary>
    public string? Save { get; init; }
    public int SaveEvery { get; init; } = 1;
    /// <summary>Checkpoint to resume from (parameters, optimizer, schedule, epoch).</summary>
    public string? Resume { get; init; }
    /// <summary>A .safetensors file (PyTorch names) loaded into the network before training.</summary>
    public string? LoadSafeTensors { get; init; }
    /// <summary>A .safetensors file the trained network is written to.</summary>
    public string? SaveSafeTensors { get; init; }

    /// <summary>The chosen model's defaults, which the <c>...OrDefault</c> properties fall back to.</summary>
    public ModelDefaults Defaults { get; init; } = new();

    public int BatchOrDefault => Batch ?? Defaults.Batch;
    public int EpochsOrDefault => Epochs ?? Defaults.Epochs;
    /// <summary>The model's rate for its default optimizer; torch's (SGD: 0.02) for any other.</summary>
    public float LearningRateOrDefault => LearningRate
        ?? (Optimizer == Defaults.Optimizer ? Defaults.LearningRate : null)
        ?? OptimizerChoice.DefaultLearningRate(Optimizer);
    public float LearningRateDecayOrDefault => LearningRateDecay ?? Defaults.LearningRateDecay;
    /// <summary>The model's weight decay for every optimizer that takes one (Rprop does not: 0).</summary>
    public float WeightDecayOrDefault => WeightDecay ?? (OptimizerChoice.TakesWeightDecay(Optimizer) ? Defaults.WeightDecay : 0f);
    /// <summary>The schedule: <see cref="Schedule"/>, else the model's, else exponential decay by <see cref="LearningRateDecayOrDefault"/> per epoch.</summary>
    /// <summary>The augmentation: <see cref="Augment"/>, else the model's.</summary>
    public AugmentSpec AugmentOrDefault => Augment ?? Defaults.Augment;
    public ScheduleSpec ScheduleOrDefault => Schedule ?? Defaults.Schedule ?? new ScheduleSpec("exponential",
        new Dictionary<string, string> { ["gamma"] = LearningRateDecayOrDefault.ToString("R", CultureInfo.InvariantCulture) });
}
