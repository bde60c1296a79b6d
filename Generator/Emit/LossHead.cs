using Compiled.Generator.Graph;
using Compiled.Generator.Layers.Losses;

namespace Compiled.Generator.Emit;

/// <summary>
/// What a loss head means for the emitted code: the LossKind, the link Predict applies, which targets TrainStep
/// takes, and the kernel call (from its <see cref="LossLayer"/> descriptor; kernels return the sum of the terms PyTorch
/// averages; the network scales gradients by 1/batch for per-sample losses and 1/(batch·outputs) for per-element ones,
/// and divides the sum the same way).
/// </summary>
internal sealed class LossHead
{
    private readonly GraphNode? _node;
    private readonly LossLayer? _layer;

    public LossHead(GraphNode? node, int outputs)
    {
        _node = node;
        _layer = node?.Descriptor as LossLayer;
        Outputs = outputs;
    }

    public int Outputs { get; }

    /// <summary>The loss kind's name (<c>SoftmaxCrossEntropy</c>), or null without a loss head.</summary>
    public string? Kind => _layer?.Kind;

    public string Name => _node?.FullName ?? "";

    public string LossKindMember => Kind ?? "None";

    /// <summary>Softmax (CE) or sigmoid (BCE); raw outputs otherwise.</summary>
    public bool HasLink => _layer?.HasLink ?? false;

    public string LinkDescription => _layer?.LinkDescription ?? "";

    /// <summary>Class-index labels: cross-entropy and hinge.</summary>
    public bool TakesLabels => _layer?.TakesLabels ?? false;

    /// <summary>Float targets [batch, outputs]: cross-entropy (one-hot or probabilities), BCE and MSE.</summary>
    public bool TakesTargets => _layer?.TakesTargets ?? false;

    /// <summary>Averaged over samples (true) or over every output element (false).</summary>
    public bool PerSample => _layer?.PerSample ?? false;

    /// <summary>The gradient scale inside a step body.</summary>
    public string GradientScale => PerSample ? "1f / ctx.Batch" : $"1f / (ctx.Batch * {Literals.Int(Outputs)}f)";

    /// <summary>Turns the summed loss of the batch into the mean, in TrainStep.</summary>
    public string MeanExpression => PerSample ? "lossSum / batch" : "lossSum / (batch * (float)OutputLength)";

    public string MeanDescription => PerSample ? "mean over the batch" : "mean over every output of the batch";

    /// <summary>The link applied by Predict, from <paramref name="logits"/> to <paramref name="output"/>.</summary>
    public string LinkCall(string logits, string output) => _layer!.LinkCall(logits, output, Outputs);

    /// <summary>The loss kernel call for a thread's slice (the step body's <c>ctx</c>) with labels (true) or float targets (false).</summary>
    public string KernelCall(bool labels, string logits, string gradients) => _layer!.KernelCall(_node!, labels, logits, gradients, Outputs, GradientScale);

    /// <summary>Why the other TrainStep overload is not supported, as the exception message says it.</summary>
    public string UnsupportedMessage(string className, bool labels) => labels
        ? $"{className}: the loss head '{Name}' ({Kind}) trains on float targets [batch, {Literals.Int(Outputs)}], not class labels; call TrainStep(input, targets, batch) with a ReadOnlySpan<float> of targets."
        : $"{className}: the loss head '{Name}' ({Kind}) trains on class labels, not float targets; call TrainStep(input, labels, batch) with a ReadOnlySpan<int> of class indices in [0, {Literals.Int(Outputs)}).";
}
