using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers.Joins;

/// <summary>
/// A node that joins several inputs: a residual sum (<c>[Residual]</c>) or a concatenation of branches (<c>[Concat]</c>),
/// which the graph builder (Graph/GraphBuilder) creates from a block's structure attributes. Their inputs are forks'
/// consumers like any other; in the backward pass each input's gradient is written the first time a gradient reaches it
/// and added to after (<see cref="BackwardEmission.FirstWrite"/>).
/// </summary>
internal abstract class JoinLayer : LayerDescriptor
{
    public override string? AttributeClass => null;

    public override LayerRole Role => LayerRole.Join;

    protected static string Shapes(IReadOnlyList<TensorShape> shapes)
    {
        var parts = new string[shapes.Count];
        for (int i = 0; i < shapes.Count; i++) parts[i] = shapes[i].ToString();
        return string.Join(" and ", parts);
    }

    /// <summary>The header comment: <c>// layer1.0.add1: Add · [n, 64, 8, 8] + [n, 64, 8, 8] → [n, 64, 8, 8]</c>.</summary>
    protected static string Header(GraphNode node, string joiner)
    {
        var inputs = new string[node.InputShapes.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = node.InputShapes[i].Batched;
        return $"// {node.FullName}: {node.Descriptor.Describe(node)} · {string.Join(joiner, inputs)} → {node.Output.Batched}";
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
            if (input != context.Input)
            {
                context.Report(DiagnosticDescriptors.ResidualShapeMismatch, context.Name, context.Inputs[0], context.Inputs[1]);
                return null;
            }
        }
        return new InferredShape(context.Input);
    }

    public override void EmitForward(ForwardEmission e)
    {
        e.Line(Header(e.Node, " + "));
        EquatableArray<string> x = e.Layer.InputVariables;
        e.Line($"{TypeNames.JoinKernels}.Add({x[0]}, {x[1]}, {e.Y});");
        for (int i = 2; i < x.Count; i++) e.Line($"{TypeNames.JoinKernels}.AddInto({e.Y}, {x[i]});");
    }

    /// <summary>
    /// dy flows unchanged to every input: one input's gradient is dy's buffer itself (Planning/Liveness hands it on), the
    /// others' are copied from it, or added where another consumer's gradient is already there.
    /// </summary>
    public override void EmitBackward(BackwardEmission e)
    {
        e.Add($"// {e.Node.FullName}: {Kind} · dy {e.Node.Output.Batched} → each input's gradient");
        EquatableArray<string> dx = e.Layer.InputGradientVariables;
        for (int i = 0; i < dx.Count; i++)
        {
            if (dx[i].Length == 0) continue;
            if (dx[i] == e.Dy)
            {
                e.Add($"// input {Invariant.Int(i + 1)}'s gradient is dy, where it lies (Planning/Liveness)");
                continue;
            }
            string target = e.Use(dx[i]);
            e.Add(e.FirstWrite(target) ? $"{e.Dy}.CopyTo({target});" : $"{TypeNames.JoinKernels}.AddInto({target}, {e.Dy});");
        }
    }
}

/// <summary>
/// Concatenation on the channel (feature) axis: inputs agree in every other dimension. A branch whose nodes can write
/// strided rows writes straight into its channel slice of the output buffer (a channel offset and the concatenation's
/// stride; Planning/ConcatPlacement), so the join copies nothing for it; the others' rows are copied in. Backward, each
/// input's gradient is its slice of dy: read there in place where the branch's backward can, else copied out.
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
            if (!same)
            {
                context.Report(DiagnosticDescriptors.ConcatShapeMismatch, context.Name, Shapes(context.Inputs));
                return null;
            }
            channels += input.Channels;
        }
        var dimensions = new int[first.Rank];
        for (int d = 0; d < first.Rank; d++) dimensions[d] = d == axis ? (int)System.Math.Min(channels, int.MaxValue) : first.Dimensions[d];
        TensorShape output = first with { Dimensions = new EquatableArray<int>(dimensions) };
        if (!context.FitsArray("its output", channels * first.Length / System.Math.Max(1, first.Channels))) return null;
        return new InferredShape(output);
    }

    /// <summary>Each input's rows (c_i·h·w floats per sample) copied to its channel slice of the output's rows (C·h·w apart).</summary>
    public override void EmitForward(ForwardEmission e)
    {
        e.Line(Header(e.Node, " ‖ "));
        int total = e.Node.Output.Length, offset = 0;
        var copies = new List<string>();
        var placed = new List<string>();
        for (int i = 0; i < e.Node.InputShapes.Count; i++)
        {
            int length = e.Node.InputShapes[i].Length;
            if (IsPlaced(e.Layer.PlacedInputs, i)) placed.Add(e.Layer.InputVariables[i]);
            else copies.Add($"    {TypeNames.StridedRows}.Copy({e.Layer.InputVariables[i]}, {Literals.Int(length)}, {Slice(e.Y, offset)}, {Literals.Int(total)}, n, {Literals.Int(length)});");
            offset += length;
        }
        if (placed.Count > 0) e.Line($"// written in place into their channel slices: {string.Join(", ", placed)}");
        if (copies.Count == 0) return;
        e.Line("if (n > 0) // a thread with no samples has empty spans, which cannot be sliced at a channel offset");
        e.Line("{");
        foreach (string copy in copies) e.Line(copy);
        e.Line("}");
    }

    private static bool IsPlaced(EquatableArray<bool> placed, int input) => input < placed.Count && placed[input];

    /// <summary>Each input's gradient is its channel slice of dy: copied, or added where another consumer's gradient is already there.</summary>
    public override void EmitBackward(BackwardEmission e)
    {
        e.Add($"// {e.Node.FullName}: {Kind} · dy {e.Node.Output.Batched} → each branch's channel slice");
        int total = e.Node.Output.Length, offset = 0;
        EquatableArray<string> dx = e.Layer.InputGradientVariables;
        for (int i = 0; i < e.Node.InputShapes.Count; i++)
        {
            int length = e.Node.InputShapes[i].Length;
            if (dx[i].Length > 0 && IsPlaced(e.Layer.PlacedInputGradients, i))
            {
                e.Add($"// {dx[i]} is this slice of dy, read in place");
            }
            else if (dx[i].Length > 0)
            {
                string target = e.Use(dx[i]);
                string call = e.FirstWrite(target) ? "Copy" : "Add";
                e.Add($"if (n > 0) {TypeNames.StridedRows}.{call}({Slice(e.Dy, offset)}, {Literals.Int(total)}, {target}, {Literals.Int(length)}, n, {Literals.Int(length)});");
            }
            offset += length;
        }
    }

    private static string Slice(string span, int offset) => offset == 0 ? span : $"{span}.Slice({Literals.Int(offset)})";
}
