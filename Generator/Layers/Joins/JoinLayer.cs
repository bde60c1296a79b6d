using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers.Joins;

/// <summary>
/// A node that joins several inputs (a residual sum, a concatenation of branches). No attribute declares one yet:
/// blocks (<c>[Residual]</c>, <c>[Concat]</c>, docs/api.md) will lower to them. Their shapes, the fork gradients they
/// cause and the concatenation's in-place slices are planned (Planning/Planner); emitting their kernels comes with the
/// attributes that create them.
/// </summary>
internal abstract class JoinLayer : LayerDescriptor
{
    public override string? AttributeClass => null;

    public override LayerRole Role => LayerRole.Join;

    public override void EmitForward(ForwardEmission e)
        => throw new System.NotSupportedException($"{Kind} joins are not emitted yet: no attribute creates them");

    public override void EmitBackward(BackwardEmission e)
        => throw new System.NotSupportedException($"{Kind} joins are not emitted yet: no attribute creates them");

    /// <summary>Reports inputs a join cannot take (a generator bug until an attribute creates joins, then a user diagnostic).</summary>
    protected static InferredShape? Mismatch(ShapeContext context, string what)
    {
        context.Report(DiagnosticDescriptors.InternalError, "inferring the shapes of", context.Name, what);
        return null;
    }

    protected static string Shapes(IReadOnlyList<TensorShape> shapes)
    {
        var parts = new string[shapes.Count];
        for (int i = 0; i < shapes.Count; i++) parts[i] = shapes[i].ToString();
        return string.Join(" and ", parts);
    }
}

/// <summary>The residual sum y = x₁ + x₂ + ...: every input has the output's shape; dy flows unchanged to each input.</summary>
internal sealed class AddJoin : JoinLayer
{
    public static readonly AddJoin Instance = new();

    public override string Kind => "Add";

    public override string DefaultNamePrefix => "add";

    public override InferredShape? Infer(ShapeContext context)
    {
        foreach (TensorShape input in context.Inputs)
        {
            if (input != context.Input) return Mismatch(context, "a residual sum of different shapes " + Shapes(context.Inputs));
        }
        return new InferredShape(context.Input);
    }
}

/// <summary>
/// Concatenation on the channel (feature) axis: inputs agree in every other dimension. Each producer writes straight
/// into its channel slice of the output buffer (a channel offset and the concatenation's stride), so the join itself
/// copies nothing; its backward hands each input its slice of dy.
/// </summary>
internal sealed class ConcatJoin : JoinLayer
{
    public static readonly ConcatJoin Instance = new();

    public override string Kind => "Concat";

    public override string DefaultNamePrefix => "concat";

    public override InferredShape? Infer(ShapeContext context)
    {
        TensorShape first = context.Input;
        long channels = 0;
        int axis = first.HasTimeAxis ? 1 : 0;
        foreach (TensorShape input in context.Inputs)
        {
            bool same = input.Rank == first.Rank && input.HasTimeAxis == first.HasTimeAxis && input.Element == first.Element;
            for (int d = 0; same && d < input.Rank; d++) same = d == axis || input.Dimensions[d] == first.Dimensions[d];
            if (!same) return Mismatch(context, "a concatenation of shapes that differ outside the channels " + Shapes(context.Inputs));
            channels += input.Channels;
        }
        var dimensions = new int[first.Rank];
        for (int d = 0; d < first.Rank; d++) dimensions[d] = d == axis ? (int)System.Math.Min(channels, int.MaxValue) : first.Dimensions[d];
        TensorShape output = first with { Dimensions = new EquatableArray<int>(dimensions) };
        if (!context.FitsArray("its output", channels * first.Length / System.Math.Max(1, first.Channels))) return null;
        return new InferredShape(output);
    }
}
