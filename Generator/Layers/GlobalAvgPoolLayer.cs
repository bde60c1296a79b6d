using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// <c>[GlobalAvgPool]</c>: each channel's mean over its plane, [c, h, w] → [c] (PyTorch's <c>nn.AdaptiveAvgPool2d(1)</c>
/// then <c>torch.flatten(x, 1)</c>). No parameters; its backward spreads dy / (h·w) over the plane and reads nothing saved.
/// Named with the other pools (<c>pool1</c>, ...).
/// </summary>
internal sealed class GlobalAvgPoolLayer : LayerDescriptor
{
    public static readonly GlobalAvgPoolLayer Instance = new();

    public override string Kind => "GlobalAvgPool";

    public override string DefaultNamePrefix => "pool";

    public override InferredShape? Infer(ShapeContext context)
        => context.RequireSpatial() ? new InferredShape(TensorShape.Flat(context.Input.Channels)) : null;

    public override string Describe(GraphNode node) => $"GlobalAvgPool {Invariant.Int(node.Input.Height)}x{Invariant.Int(node.Input.Width)}";

    public override void EmitForward(ForwardEmission e)
    {
        TensorShape i = e.Node.Input;
        e.Line(e.Header);
        e.Line($"{TypeNames.GlobalAvgPoolKernels}.Forward({e.X}, {e.Y}, n, {Invariant.Int(i.Channels)}, {Invariant.Int(i.SpatialLength)});");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        TensorShape i = e.Node.Input;
        e.Add(e.Header);
        e.Add($"{TypeNames.GlobalAvgPoolKernels}.Backward({e.Dy}, {e.Dx}, n, {Invariant.Int(i.Channels)}, {Invariant.Int(i.SpatialLength)}, accumulate: false);");
    }
}
