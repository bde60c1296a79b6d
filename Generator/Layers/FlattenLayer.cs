using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// <c>[Flatten]</c>: the same floats as one vector per sample (NCHW order). It emits no work: the next layer reads its
/// input's buffer as it is, and its backward passes dy through; only as the last layer does it copy to the output.
/// </summary>
internal sealed class FlattenLayer : LayerDescriptor
{
    public static readonly FlattenLayer Instance = new();

    public override string Kind => "Flatten";

    public override string DefaultNamePrefix => "flatten";

    public override bool AliasesInput => true;

    public override InferredShape? Infer(ShapeContext context) => new(context.Input.Flattened);

    public override void EmitForward(ForwardEmission e)
    {
        if (e.Layer.ActivationOffset < 0)
        {
            e.Line($"{e.Header}: the rows of {e.X} are already flat (NCHW), so the next layer reads them as they are.");
        }
        else
        {
            e.Line($"{e.Header}: the last layer, so it copies the (already flat, NCHW) rows of {e.X} to the output.");
            e.Line($"{e.X}.CopyTo({e.Y});");
        }
    }

    public override void EmitBackward(BackwardEmission e)
        => e.Add($"// {e.Node.FullName}: Flatten · dy {e.Node.Output.Batched} is dx {e.Node.Input.Batched}, the same floats");
}
