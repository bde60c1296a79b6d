using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// The dropouts' common part: <c>[Dropout(p)]</c> (PyTorch's <c>nn.Dropout</c>, per element, any shape) and
/// <c>[Dropout2d(p)]</c> (<c>nn.Dropout2d</c>, whole channels of a [c, h, w] input). Inverted: in training (TrainStep,
/// <c>NetworkMode.Training</c>) each element or channel is zeroed with probability p and the others are scaled by
/// 1/(1 − p); in evaluation it is the identity. The mask comes from the network's <c>DropoutSeed</c>, the training-step
/// counter <c>DropoutStep</c>, the node and the sample's index in the batch, so it does not depend on the thread split.
/// Element-wise, so it runs in place over its input when the planner allows it (then evaluation emits nothing); its forward
/// saves the mask, which is all its backward reads. A rate outside [0, 1) is CMP0036 at the attribute.
/// </summary>
internal abstract class DropoutLayerBase : LayerDescriptor
{
    private const int Rate = 0;

    private readonly ArgumentSpec[] _schema;

    protected DropoutLayerBase()
    {
        _schema = new[] { ArgumentSpec.RequiredDouble("p", 0, $"[{Kind}(0.5)]") };
    }

    public override string DefaultNamePrefix => "dropout";

    public override string ConstructorExample(string attributeName) => $"[{attributeName}(p)], e.g. [{attributeName}(0.5)]";

    public override IReadOnlyList<ArgumentSpec> Arguments => _schema;

    public override bool ForwardDependsOnMode => true;

    public override bool CanRunInPlace => true;

    /// <summary>Whether it drops whole channels (Dropout2d) rather than elements.</summary>
    protected abstract bool Channels { get; }

    public override void Check(LayerDeclaration layer, string name, List<DiagnosticInfo> diagnostics)
    {
        double p = layer.Arguments[Rate].Double;
        if (!(p >= 0 && p < 1))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutRateOutOfRange, layer.Site, name, layer.Arguments[Rate].ToString(), layer.AttributeName));
    }

    public override string Describe(GraphNode node) => $"{Kind} p={node.Arguments[Rate]}";

    public override string ArchitectureArguments(GraphNode node) => " p=" + node.Arguments[Rate];

    /// <summary>The rate, as emitted (a double literal, what the mask kernel takes).</summary>
    public static double RateOf(GraphNode node) => node.Arguments[Rate].Double;

    public override IReadOnlyList<SavedSpec> Saved(GraphNode node)
        => new[] { new SavedSpec("mask", ElementType.Float32, Channels ? node.Input.Channels : node.Output.Length) };

    public override void EmitForward(ForwardEmission e)
    {
        if (!e.Training)
        {
            if (e.InPlace)
            {
                e.Line($"{e.Header}: evaluation, the identity (in place: nothing to do)");
            }
            else
            {
                e.Line($"{e.Header}: evaluation, the identity");
                e.Line($"{e.X}.CopyTo({e.Y});");
            }
            return;
        }

        GraphNode node = e.Node;
        string p = Invariant.Double(RateOf(node));
        string mask = e.Saved("mask");
        int length = Channels ? node.Input.Channels : node.Output.Length;
        e.Line($"{e.Header}; training: mask from (DropoutSeed, DropoutStep, node {Invariant.Int(node.Index)}, sample)");
        e.Line($"if (DropoutMaskOverride is {{ }} {MaskHook(node)}) {MaskHook(node)}({Literals.String(node.FullName)}, DropoutStep, ctx.Start, n, {mask});");
        e.Line($"else {TypeNames.DropoutKernels}.{(Channels ? "ChannelMask" : "Mask")}({TypeNames.SeededRandom}.DeriveSeed(DropoutSeed, {Invariant.Int(node.Index)}UL), DropoutStep, ctx.Start, n, {Invariant.Int(length)}, {p}, {mask});");
        e.Line(Channels
            ? $"{TypeNames.DropoutKernels}.ChannelForward({e.X}, {mask}, {e.Y}, n, {Invariant.Int(node.Input.Channels)}, {Invariant.Int(node.Input.SpatialLength)});"
            : $"{TypeNames.DropoutKernels}.Forward({e.X}, {mask}, {e.Y});");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        GraphNode node = e.Node;
        string mask = e.Saved("mask");
        e.Add(e.Header);
        e.Add(Channels
            ? $"{TypeNames.DropoutKernels}.ChannelBackward({e.Dy}, {mask}, {e.Dx}, n, {Invariant.Int(node.Input.Channels)}, {Invariant.Int(node.Input.SpatialLength)}, accumulate: false);"
            : $"{TypeNames.DropoutKernels}.Backward({e.Dy}, {mask}, {e.Dx}, accumulate: false);");
    }

    private static string MaskHook(GraphNode node) => LayerNames.ToCamel(node.Identifier) + "Hook";
}

/// <summary><c>[Dropout(p)]</c>: PyTorch's <c>nn.Dropout</c>, one mask value per element; any shape.</summary>
internal sealed class DropoutLayer : DropoutLayerBase
{
    public static readonly DropoutLayer Instance = new();

    public override string Kind => "Dropout";

    protected override bool Channels => false;

    public override InferredShape? Infer(ShapeContext context) => new(context.Input);
}

/// <summary><c>[Dropout2d(p)]</c>: PyTorch's <c>nn.Dropout2d</c>, one mask value per channel of each sample; needs [c, h, w].</summary>
internal sealed class Dropout2dLayer : DropoutLayerBase
{
    public static readonly Dropout2dLayer Instance = new();

    public override string Kind => "Dropout2d";

    protected override bool Channels => true;

    public override InferredShape? Infer(ShapeContext context) => context.RequireSpatial() ? new InferredShape(context.Input) : null;
}
