using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit;

/// <summary>
/// What a loss head means for the emitted code: the LossKind, the link Predict applies, which targets TrainStep
/// takes, and the kernel call (kernels return the sum of the terms PyTorch averages; the network scales gradients by
/// 1/batch for per-sample losses and 1/(batch·outputs) for per-element ones, and divides the sum the same way).
/// </summary>
internal sealed class LossHead
{
    private readonly ShapedLayer? _layer;

    public LossHead(ShapedLayer? layer, int outputs)
    {
        _layer = layer;
        Outputs = outputs;
    }

    public int Outputs { get; }

    public LayerKind? Kind => _layer?.Kind;

    public string Name => _layer?.Name ?? "";

    public string LossKindMember => Kind?.ToString() ?? "None";

    /// <summary>Softmax (CE) or sigmoid (BCE); raw outputs otherwise.</summary>
    public bool HasLink => Kind is LayerKind.SoftmaxCrossEntropy or LayerKind.SigmoidBinaryCrossEntropy;

    public string LinkDescription => Kind == LayerKind.SoftmaxCrossEntropy ? "softmax probabilities" : "sigmoid probabilities";

    /// <summary>Class-index labels: cross-entropy and hinge.</summary>
    public bool TakesLabels => Kind is LayerKind.SoftmaxCrossEntropy or LayerKind.MultiClassHinge;

    /// <summary>Float targets [batch, outputs]: cross-entropy (one-hot or probabilities), BCE and MSE.</summary>
    public bool TakesTargets => Kind is LayerKind.SoftmaxCrossEntropy or LayerKind.SigmoidBinaryCrossEntropy or LayerKind.MeanSquaredError;

    /// <summary>Averaged over samples (true) or over every output element (false).</summary>
    public bool PerSample => Kind is LayerKind.SoftmaxCrossEntropy or LayerKind.MultiClassHinge;

    /// <summary>The gradient scale inside a chunk body.</summary>
    public string GradientScale => PerSample ? "1f / chunk.Batch" : $"1f / (chunk.Batch * {Literals.Int(Outputs)}f)";

    /// <summary>Turns the summed loss of the batch into the mean, in TrainStep.</summary>
    public string MeanExpression => PerSample ? "lossSum / batch" : "lossSum / (batch * (float)OutputLength)";

    public string MeanDescription => PerSample ? "mean over the batch" : "mean over every output of the batch";

    /// <summary>The link applied by Predict, from <paramref name="logits"/> to <paramref name="output"/>.</summary>
    public string LinkCall(string logits, string output) => Kind == LayerKind.SoftmaxCrossEntropy
        ? $"{TypeNames.LossKernels}.Softmax({logits}, {output}, n, {Literals.Int(Outputs)});"
        : $"{TypeNames.ActivationKernels}.Sigmoid({logits}, {output});";

    /// <summary>The loss kernel call for a chunk with labels (true) or float targets (false).</summary>
    public string KernelCall(bool labels, string logits, string gradients)
    {
        string classes = Literals.Int(Outputs);
        return Kind switch
        {
            LayerKind.SoftmaxCrossEntropy => labels
                ? $"{TypeNames.LossKernels}.SoftmaxCrossEntropy({logits}, chunk.Labels, {gradients}, n, {classes}, {GradientScale})"
                : $"{TypeNames.LossKernels}.SoftmaxCrossEntropy({logits}, chunk.Targets, {gradients}, n, {classes}, {GradientScale})",
            LayerKind.MultiClassHinge =>
                $"{TypeNames.LossKernels}.MultiClassHinge({logits}, chunk.Labels, {gradients}, n, {classes}, {Literals.Float(_layer!.Declaration.Value)}, {GradientScale})",
            LayerKind.SigmoidBinaryCrossEntropy =>
                $"{TypeNames.LossKernels}.SigmoidBinaryCrossEntropy({logits}, chunk.Targets, {gradients}, {classes} * n, {GradientScale})",
            _ =>
                $"{TypeNames.LossKernels}.MeanSquaredError({logits}, chunk.Targets, {gradients}, {classes} * n, {GradientScale})",
        };
    }

    /// <summary>Why the other TrainStep overload is not supported, as the exception message says it.</summary>
    public string UnsupportedMessage(string className, bool labels) => labels
        ? $"{className}: the loss head '{Name}' ({Kind}) trains on float targets [batch, {Literals.Int(Outputs)}], not class labels; call TrainStep(input, targets, batch) with a ReadOnlySpan<float> of targets."
        : $"{className}: the loss head '{Name}' ({Kind}) trains on class labels, not float targets; call TrainStep(input, labels, batch) with a ReadOnlySpan<int> of class indices in [0, {Literals.Int(Outputs)}).";
}
