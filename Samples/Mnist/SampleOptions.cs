namespace Compiled.Samples.Mnist;

/// <summary>The sample's settings, as parsed by <see cref="SampleCommand"/> (null: the model's or optimizer's default).</summary>
public sealed record SampleOptions
{
    public string Model { get; init; } = "lenet5";
    public int? Epochs { get; init; }
    public int? Batch { get; init; }
    public float? LearningRate { get; init; }
    public string Optimizer { get; init; } = "sgd";
    public float Momentum { get; init; } = 0.9f;
    public float? LearningRateDecay { get; init; }
    public float? WeightDecay { get; init; }
    public int Seed { get; init; } = 1;
    public string DataDirectory { get; init; } = "data/mnist";
    public int Threads { get; init; }
    public int? Limit { get; init; }
    public int Validation { get; init; }
    public bool Json { get; init; }
    public string? Width { get; init; }
    /// <summary>The learning-rate schedule; null: exponential with <see cref="LearningRateDecayOrDefault"/>.</summary>
    public ScheduleSpec? Schedule { get; init; }
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

    // The defaults (both models): SGD, momentum 0.9, lr 0.02 decayed ×0.8 per epoch, weight decay 5e-4, 10 epochs;
    // batch 32 for LeNet-5, 64 for the MLP. Measured (README.md): LeNet-5 99.07-99.23% over seeds 1-3 and widths 512/256
    // (batch 64 gave 99.01-99.14%, too close to the 99.0% target), the MLP 97.93-98.12%.
    public int BatchOrDefault => Batch ?? (Model == "lenet5" ? 32 : 64);
    public int EpochsOrDefault => Epochs ?? 10;
    public float LearningRateOrDefault => LearningRate ?? OptimizerChoice.DefaultLearningRate(Optimizer);
    public float LearningRateDecayOrDefault => LearningRateDecay ?? 0.8f;
    /// <summary>5e-4 for every optimizer that takes a weight decay (Rprop does not: 0).</summary>
    public float WeightDecayOrDefault => WeightDecay ?? (OptimizerChoice.TakesWeightDecay(Optimizer) ? 5e-4f : 0f);
}
