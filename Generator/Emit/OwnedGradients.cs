using System.Collections.Generic;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>
/// Weight gradients owned by output features (<see cref="CostModel.OwnsWeightGradient"/>). On two or more threads a layer
/// marked <see cref="LayerPlan.OwnedGradients"/> computes only its input gradient in the backward pass; at the end of
/// RunBackward, after one barrier (every thread's x and dy are then written, and liveness keeps them until then), each
/// thread adds its range of the layer's output features (<c>ctx.OwnedRange</c>) over the whole batch, slice after slice
/// in thread order, straight into the network's gradients (<c>ctx.SharedGradients</c>): no per-thread copy, no reduction.
/// The runner reduces only the other parameters (<c>SlicedGradients</c>). On one thread the layer's backward computes its
/// gradients as every other layer's does.
/// </summary>
internal static class OwnedGradients
{
    /// <summary>The local that says whether this step runs the owned pass.</summary>
    public const string Flag = "owned";

    public const string FlagComment = "on two or more threads the owned layers' weight gradients wait for the pass at the end";

    /// <summary>Whether any layer's gradients are owned.</summary>
    public static bool Any(NetworkPlan plan)
    {
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.OwnedGradients) return true;
        }
        return false;
    }

    /// <summary>
    /// In the constructor: the parameter ranges threads accumulate per slice (every parameter but the owned layers' weights
    /// and biases), adjacent ranges merged. Nothing when no layer is owned (the runner then reduces every parameter).
    /// </summary>
    public static void EmitSlicedRanges(SourceWriter w, NetworkPlan plan)
    {
        if (!Any(plan)) return;
        var owned = new List<(int Offset, int Length)>();
        foreach (LayerPlan layer in plan.Layers)
        {
            if (!layer.OwnedGradients) continue;
            owned.Add((layer.WeightOffset, layer.WeightLength));
            if (layer.BiasOffset >= 0) owned.Add((layer.BiasOffset, layer.BiasLength));
        }
        owned.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var ranges = new List<string>();
        int at = 0;
        foreach ((int offset, int length) in owned)
        {
            if (offset > at) ranges.Add($"new {TypeNames.ParameterRange}({Literals.Int(at)}, {Literals.Int(offset - at)})");
            at = offset + length;
        }
        if (plan.ParameterCount > at) ranges.Add($"new {TypeNames.ParameterRange}({Literals.Int(at)}, {Literals.Int(plan.ParameterCount - at)})");
        w.Line("// Per-slice gradients the runner reduces: every parameter but the weights and biases owned by output features.");
        w.Line($"_stepRunner.SlicedGradients = [{string.Join(", ", ranges)}];");

        // Layers whose forward pass runs by output features too: each thread reads and writes only its rows of w and b,
        // so the optimizer step updates them there (the rows stay in that thread's cache).
        var rows = new List<(int Offset, string Text)>();
        LayerPlan last = plan.Layers[plan.Layers.Count - 1];
        foreach (LayerPlan layer in plan.Layers)
        {
            if (!OwnsForward(layer, training: true, sliced: true, writesNetworkOutput: ReferenceEquals(layer, last))) continue;
            int outputs = layer.Node.Output.Length;
            rows.Add((layer.WeightOffset, OwnedRows(layer.WeightOffset, outputs, layer.WeightLength / outputs)));
            if (layer.BiasOffset >= 0) rows.Add((layer.BiasOffset, OwnedRows(layer.BiasOffset, outputs, 1)));
        }
        if (rows.Count == 0) return;
        rows.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        w.Line("// Parameters only their owner thread reads and writes (forward and weight gradient by output features): the optimizer");
        w.Line("// step updates each thread's rows on that thread.");
        w.Line($"_stepRunner.OwnedParameters = [{string.Join(", ", rows.ConvertAll(r => r.Text))}];");
    }

    private static string OwnedRows(int offset, int rows, int rowLength)
        => $"new {TypeNames.OwnedParameterRows}({Literals.Int(offset)}, {Literals.Int(rows)}, {Literals.Int(rowLength)})";

    /// <summary>
    /// Whether an owned layer runs its training forward by output features too: a first layer (its input the batch input,
    /// which every thread can read) writing its output to a workspace region (not the last layer, whose output rows are the
    /// runner's: differential seed 3's N29, a lone Dense(129), wrote nothing there before this was checked). On two or more threads each thread computes its
    /// range of output features over every slice and a barrier follows, so each thread reads only its rows of w, and the
    /// constructor declares them <c>OwnedParameters</c> so the optimizer step updates them on that thread too
    /// (<see cref="EmitSlicedRanges"/>): the weights no longer move between cores every step.
    /// </summary>
    public static bool OwnsForward(LayerPlan layer, bool training, bool sliced, bool writesNetworkOutput)
        => training && sliced && !writesNetworkOutput && layer.OwnedGradients && layer.InputVariable == "input" && layer.ActivationOffset >= 0
            && layer.OutputStride == 0;

    /// <summary>The owned pass at the end of RunBackward (see the class).</summary>
    public static void EmitPass(SourceWriter w, NetworkPlan plan, List<string> trainable)
    {
        if (!Any(plan)) return;
        LayerPlan[] steps = plan.Steps;
        w.Line();
        w.Line("// Weight gradients owned by output features: once every thread has arrived, every slice's x and dy are written");
        w.Line("// (liveness keeps them until here). Each thread adds its range of each owned layer's output features over the whole");
        w.Line("// batch, slice after slice in thread order, straight into the network's gradients: no per-thread copy, no reduction.");
        using (w.Open($"if ({Flag})"))
        {
            w.Line("ctx.Barrier();");
            w.Line($"{TypeNames.Span} shared = ctx.SharedGradients;");
            for (int i = steps.Length - 1; i >= 0; i--)
            {
                LayerPlan layer = steps[i];
                if (!layer.OwnedGradients) continue;
                int inputs = layer.Node.Input.Length, outputs = layer.Node.Output.Length;
                w.Line($"// {layer.Node.FullName}: dw rows [first, first + rows) += dyᵀ · x, db[first..] += Σ dy, x [m, {Literals.Int(inputs)}] and dy [m, {Literals.Int(outputs)}] of each slice");
                using (w.Open($"if (!_freezing.IsFrozen({Literals.Int(trainable.IndexOf(layer.Node.FullName))}))"))
                {
                    w.Line($"(int first, int rows) = ctx.OwnedRange({Literals.Int(outputs)});");
                    using (w.Open("for (int u = 0; u < ctx.Threads; u++)"))
                    {
                        w.Line("(int start, int m) = ctx.Slice(u);");
                        w.Line("int from = start * WorkspacePerSample;");
                        string x = layer.InputVariable == "input"
                            ? $"ctx.BatchInput.Slice(start * {Literals.Int(inputs)}, m * {Literals.Int(inputs)})"
                            : Rows(ActivationOffset(plan, layer.InputVariable), inputs);
                        string dy = Rows(GradientOffset(plan, layer.OutputGradient), outputs);
                        string dw = LayerComments.Slice("shared", layer.WeightOffset, layer.WeightLength);
                        string db = LayerComments.Slice("shared", layer.BiasOffset, layer.BiasLength);
                        w.Line($"{TypeNames.DenseKernels}.WeightGradientRows({x}, {dy}, {dw}, {db}, m, {Literals.Int(inputs)}, {Literals.Int(outputs)}, first, rows);");
                    }
                }
            }
        }
    }

    // Slice u's rows of a region: its part of the workspace starts at start · WorkspacePerSample, the region at offset · m.
    public static string Rows(int offset, int length)
        => $"ctx.Workspace(from{(offset == 0 ? "" : " + " + Literals.Int(offset) + " * m")}, {Literals.Int(length)} * m)";

    private static int ActivationOffset(NetworkPlan plan, string variable)
    {
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Variable == variable && layer.ActivationOffset >= 0) return layer.ActivationOffset;
        }
        throw new System.InvalidOperationException($"no activation region holds {variable}");
    }

    private static int GradientOffset(NetworkPlan plan, string variable)
    {
        foreach (BufferPlan buffer in plan.Buffers)
        {
            if (buffer.IsGradient && buffer.Variable == variable) return buffer.Offset;
        }
        throw new System.InvalidOperationException($"no gradient region holds {variable}");
    }
}
