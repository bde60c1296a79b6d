using System.Collections.Generic;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers.Losses;

/// <summary>
/// A loss head: the last node, which TrainStep turns into a loss kernel call over the network's (flattened) output.
/// Kernels return the sum of the terms PyTorch averages; the network scales gradients by 1/batch for per-sample losses
/// and 1/(batch·outputs) for per-element ones (Emit/LossHead).
/// </summary>
internal abstract class LossLayer : LayerDescriptor
{
    public override LayerRole Role => LayerRole.Loss;

    public override string DefaultNamePrefix => "loss";

    public override InferredShape? Infer(ShapeContext context) => new(context.Input.Flattened);

    public override void EmitForward(ForwardEmission e)
        => throw new System.NotSupportedException("a loss head is emitted by TrainStep, not the forward pass");

    /// <summary>Predict's link from logits to probabilities (softmax, sigmoid); false: Predict is Forward.</summary>
    public virtual bool HasLink => false;

    /// <summary>What the link gives, for comments and docs: "softmax probabilities".</summary>
    public virtual string LinkDescription => "";

    /// <summary>The link's kernel call from <paramref name="logits"/> to <paramref name="output"/> over n samples of <paramref name="outputs"/>.</summary>
    public virtual string LinkCall(string logits, string output, int outputs) => "";

    /// <summary>Trains on class-index labels.</summary>
    public virtual bool TakesLabels => false;

    /// <summary>Trains on float targets [batch, outputs].</summary>
    public virtual bool TakesTargets => false;

    /// <summary>Averaged over samples (true) or over every output element (false).</summary>
    public virtual bool PerSample => false;

    /// <summary>The loss kernel call for a thread's slice (<c>ctx</c>: a StepContext): returns the slice's loss sum and writes the scaled gradient.</summary>
    public abstract string KernelCall(GraphNode node, bool labels, string logits, string gradients, int outputs, string scale);
}

/// <summary><c>[SoftmaxCrossEntropy]</c>: PyTorch's <c>CrossEntropyLoss</c> on logits, with class labels or probability targets; Predict gives softmax.</summary>
internal sealed class SoftmaxCrossEntropyLayer : LossLayer
{
    public static readonly SoftmaxCrossEntropyLayer Instance = new();

    public override string Kind => "SoftmaxCrossEntropy";

    public override bool HasLink => true;

    public override string LinkDescription => "softmax probabilities";

    public override string LinkCall(string logits, string output, int outputs) => $"{TypeNames.LossKernels}.Softmax({logits}, {output}, n, {Literals.Int(outputs)});";

    public override bool TakesLabels => true;

    public override bool TakesTargets => true;

    public override bool PerSample => true;

    public override string KernelCall(GraphNode node, bool labels, string logits, string gradients, int outputs, string scale)
        => $"{TypeNames.LossKernels}.SoftmaxCrossEntropy({logits}, {(labels ? "ctx.Labels" : "ctx.Targets")}, {gradients}, n, {Literals.Int(outputs)}, {scale})";
}

/// <summary><c>[SigmoidBinaryCrossEntropy]</c>: PyTorch's <c>BCEWithLogitsLoss</c>; Predict gives sigmoid.</summary>
internal sealed class SigmoidBinaryCrossEntropyLayer : LossLayer
{
    public static readonly SigmoidBinaryCrossEntropyLayer Instance = new();

    public override string Kind => "SigmoidBinaryCrossEntropy";

    public override bool HasLink => true;

    public override string LinkDescription => "sigmoid probabilities";

    public override string LinkCall(string logits, string output, int outputs) => $"{TypeNames.ActivationKernels}.Sigmoid({logits}, {output});";

    public override bool TakesTargets => true;

    public override string KernelCall(GraphNode node, bool labels, string logits, string gradients, int outputs, string scale)
        => $"{TypeNames.LossKernels}.SigmoidBinaryCrossEntropy({logits}, ctx.Targets, {gradients}, {Literals.Int(outputs)} * n, {scale})";
}

/// <summary><c>[MeanSquaredError]</c>: PyTorch's <c>MSELoss</c>, mean over every output.</summary>
internal sealed class MeanSquaredErrorLayer : LossLayer
{
    public static readonly MeanSquaredErrorLayer Instance = new();

    public override string Kind => "MeanSquaredError";

    public override bool TakesTargets => true;

    public override string KernelCall(GraphNode node, bool labels, string logits, string gradients, int outputs, string scale)
        => $"{TypeNames.LossKernels}.MeanSquaredError({logits}, ctx.Targets, {gradients}, {Literals.Int(outputs)} * n, {scale})";
}

/// <summary><c>[MultiClassHinge(Margin = 1f)]</c>: PyTorch's <c>MultiMarginLoss</c> (p = 1) on class labels.</summary>
internal sealed class MultiClassHingeLayer : LossLayer
{
    public static readonly MultiClassHingeLayer Instance = new();

    private static readonly ArgumentSpec[] Schema = { ArgumentSpec.NamedFloat("Margin", 1f, ArgumentRange.FiniteNumber) };

    public override string Kind => "MultiClassHinge";

    public override IReadOnlyList<ArgumentSpec> Arguments => Schema;

    public override string ConstructorExample(string attributeName) => "[MultiClassHinge] or [MultiClassHinge(Margin = 1f)]";

    public override string Describe(GraphNode node)
        => node.Arguments[0].Float == 1f ? "MultiClassHinge" : "MultiClassHinge, margin " + Invariant.Float(node.Arguments[0].Float);

    public override bool TakesLabels => true;

    public override bool PerSample => true;

    public override string KernelCall(GraphNode node, bool labels, string logits, string gradients, int outputs, string scale)
        => $"{TypeNames.LossKernels}.MultiClassHinge({logits}, ctx.Labels, {gradients}, n, {Literals.Int(outputs)}, {Literals.Float(node.Arguments[0].Float)}, {scale})";
}
