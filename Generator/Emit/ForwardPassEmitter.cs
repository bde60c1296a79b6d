using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>RunForward: one kernel call per node in run order (each descriptor writes its own), every size a literal, a comment with each node's input and output shapes.</summary>
internal static class ForwardPassEmitter
{
    /// <summary>The forward pass TrainStep's step bodies run (training mode, on the thread's slice).</summary>
    public const string TrainingMethod = "RunTrainingForward";

    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        w.Line();
        w.Line($"// The forward pass{(plan.HasModes ? " in evaluation mode" : "")} (Forward, Predict) over a chunk of n samples. Each layer's output [n, ...] has its own");
        w.Line("// region of the workspace while it is needed, unless an activation overwrites it in place; the last layer writes to output.");
        using (w.Open($"private void RunForward({TypeNames.ReadOnlySpan} input, {TypeNames.Workspace} workspace, int n, {TypeNames.Span} output)"))
        {
            EmitPass(w, plan, training: false, sliced: false);
        }
        if (!plan.Training) return;

        w.Line();
        w.Line($"// The forward pass{(plan.HasModes ? " in training mode" : "")} (TrainStep) over this thread's slice of the batch, n samples, in its own part of");
        w.Line("// the runner's workspace (from at): each layer's output has a region while it is needed (the backward pass reads some");
        w.Line("// again); the last layer writes this slice's rows of the runner's outputs.");
        using (w.Open($"private void {TrainingMethod}(in {TypeNames.StepContext} ctx)"))
        {
            w.Line(SliceLocals);
            w.Line($"{TypeNames.ReadOnlySpan} input = ctx.Input;");
            EmitPass(w, plan, training: true, sliced: true);
        }
    }

    private static void EmitPass(SourceWriter w, NetworkPlan plan, bool training, bool sliced)
    {
        if (plan.ParameterCount > 0) w.Line($"{TypeNames.ReadOnlySpan} p = Parameters;");
        var norm = new NormalizationLayout(plan);
        var fusion = new FusionLayout(plan, norm);
        DeclareBuffers(w, plan, plan.Layers.Select(l => l.Variable).Concat(plan.Layers.SelectMany(l => l.Saved.Select(s => s.Variable))), forward: true, sliced);
        foreach (LayerPlan layer in plan.Steps)
        {
            w.Line();
            if (fusion.ForwardRunner(layer, training) is { } runner)
            {
                // A residual sum whose ReLU is fused too is never written: the convolution (training: the batch norm) writes the ReLU's buffer.
                string wrote = fusion.FusedOutput(runner, training) ?? layer.Variable;
                w.Line($"// {layer.Node.FullName}: {layer.Node.Descriptor.Describe(layer.Node)} · fused: {runner.Node.FullName}'s pass wrote {wrote}");
                continue;
            }
            bool writesOutput = ReferenceEquals(layer, plan.Layers[plan.Layers.Count - 1]);
            layer.Node.Descriptor.EmitForward(new ForwardEmission(w, layer, training, sliced) { Norm = norm, Fusion = fusion, WritesNetworkOutput = writesOutput });
        }
    }

    /// <summary>The locals a step body's pass starts with: its slice's samples and where its part of the runner's workspaces begins.</summary>
    public const string SliceLocals = "int n = ctx.Count, at = ctx.Start * WorkspacePerSample, ints = ctx.Start * ArgmaxPerSample;";

    /// <summary>
    /// The region of a tensor of <paramref name="length"/> floats per sample at per-sample offset <paramref name="offset"/>,
    /// laid out like a chunk's: <c>[n, length]</c> at <c>offset · n</c> of the workspace of n samples. A chunk's workspace
    /// is <c>workspace.Activations</c>; in a step body it is this thread's own part of the runner's batch-wide workspace,
    /// samples <c>[Start, Start + Count)</c> times the floats per sample (<c>at</c>). Threads run their slices without
    /// waiting for each other, so the regions that liveness reuses over time must be private to each thread.
    /// </summary>
    public static string Region(int offset, int length, bool sliced, bool ints = false)
    {
        if (!sliced) return $"workspace.{(ints ? "Argmax" : "Activations")}({Literals.PerSample(offset)}, {Literals.PerSample(length)})";
        string start = (ints ? "ints" : "at") + (offset == 0 ? "" : " + " + Literals.PerSample(offset));
        return $"ctx.{(ints ? "IntWorkspace" : "Workspace")}({start}, {Literals.PerSample(length)})";
    }

    /// <summary>
    /// Declares the activation, saved and gradient spans a pass uses, in node order. The last node's output is the
    /// <c>output</c> parameter of a chunk's forward pass, and the runner's output rows (<c>ctx.Output</c>) in a step body.
    /// </summary>
    public static void DeclareBuffers(SourceWriter w, NetworkPlan plan, IEnumerable<string> used, bool forward, bool sliced)
    {
        var wanted = new HashSet<string>(used);
        // A view (a branch's rows inside a concatenation) needs its parent declared first.
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.ViewOf.Length > 0 && wanted.Contains(layer.Variable)) wanted.Add(layer.ViewOf);
        }
        foreach (BufferPlan buffer in plan.Buffers)
        {
            if (buffer.Parent.Length > 0 && wanted.Contains(buffer.Variable)) wanted.Add(buffer.Parent);
        }
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            LayerPlan layer = plan.Layers[i];
            if (layer.ActivationOffset >= 0 && wanted.Contains(layer.Variable))
            {
                bool last = i == plan.Layers.Count - 1;
                string region = last && sliced ? "ctx.Output"
                    : last && forward ? "output"
                    : Region(layer.ActivationOffset, layer.Operand.Length, sliced);
                w.Line($"{TypeNames.Span} {layer.Variable} = {region};");
            }
            foreach (SavedPlan saved in layer.Saved)
            {
                if (!wanted.Contains(saved.Variable)) continue;
                bool ints = saved.Element == Graph.ElementType.Int32;
                w.Line($"{(ints ? TypeNames.IntSpan : TypeNames.Span)} {saved.Variable} = {Region(saved.Offset, saved.Length, sliced, ints)};");
            }
        }
        foreach (BufferPlan buffer in plan.Buffers)
        {
            if (buffer.IsGradient && buffer.Parent.Length == 0 && wanted.Contains(buffer.Variable))
                w.Line($"{TypeNames.Span} {buffer.Variable} = {Region(buffer.Offset, buffer.Length, sliced)};");
        }
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.ViewOf.Length > 0 && wanted.Contains(layer.Variable))
                w.Line($"{TypeNames.Span} {layer.Variable} = {View(layer.ViewOf, layer.ViewOffset)}; // rows {Literals.Int(layer.OutputStride)} floats apart");
        }
        foreach (BufferPlan buffer in plan.Buffers)
        {
            if (buffer.Parent.Length > 0 && wanted.Contains(buffer.Variable))
                w.Line($"{TypeNames.Span} {buffer.Variable} = {View(buffer.Parent, buffer.ViewOffset)}; // rows {Literals.Int(buffer.Stride)} floats apart");
        }
    }

    /// <summary>A branch's channel slice of a concatenation's rows: its parent from the slice's offset on (empty on a thread with no samples, which cannot slice it).</summary>
    private static string View(string parent, int offset) => offset == 0 ? parent : $"n > 0 ? {parent}.Slice({Literals.Int(offset)}) : default";
}
