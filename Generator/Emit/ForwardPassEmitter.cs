using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>RunForward: one kernel call per node in run order (each descriptor writes its own), every size a literal, a comment with each node's input and output shapes.</summary>
internal static class ForwardPassEmitter
{
    /// <summary>The forward pass TrainStep runs: <c>RunForward</c>, or <c>RunTrainingForward</c> when some layer's forward depends on the mode.</summary>
    public static string TrainingMethod(NetworkPlan plan) => plan.HasModes ? "RunTrainingForward" : "RunForward";

    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        EmitPass(w, plan, training: !plan.HasModes && plan.Training, "RunForward",
            plan.HasModes ? "The forward pass in evaluation mode (Forward, Predict)" : "The forward pass");
        if (plan.HasModes && plan.Training) EmitPass(w, plan, training: true, "RunTrainingForward", "The forward pass in training mode (TrainStep)");
    }

    private static void EmitPass(SourceWriter w, NetworkPlan plan, bool training, string method, string what)
    {
        w.Line();
        w.Line($"// {what} over a chunk of n samples. Each layer's output [n, ...] has its own region of the workspace while it");
        w.Line("// is needed (by later layers or the backward pass), unless an activation overwrites it in place; the last layer writes to output.");
        using (w.Open($"private void {method}({TypeNames.ReadOnlySpan} input, {TypeNames.Workspace} workspace, int n, {TypeNames.Span} output)"))
        {
            if (plan.ParameterCount > 0) w.Line($"{TypeNames.ReadOnlySpan} p = Parameters;");
            DeclareBuffers(w, plan, plan.Layers.Select(l => l.Variable).Concat(plan.Layers.SelectMany(l => l.Saved.Select(s => s.Variable))), forward: true);
            foreach (LayerPlan layer in plan.Steps)
            {
                w.Line();
                layer.Node.Descriptor.EmitForward(new ForwardEmission(w, layer, training));
            }
        }
    }

    /// <summary>
    /// Declares the activation and arg-max spans a pass uses, in node order. In the forward pass the last node's
    /// output is the <c>output</c> parameter; in the backward pass it is its workspace region like the others.
    /// </summary>
    public static void DeclareBuffers(SourceWriter w, NetworkPlan plan, IEnumerable<string> used, bool forward)
    {
        var wanted = new HashSet<string>(used);
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            LayerPlan layer = plan.Layers[i];
            if (layer.ActivationOffset >= 0 && wanted.Contains(layer.Variable))
            {
                string region = forward && i == plan.Layers.Count - 1
                    ? "output"
                    : $"workspace.Activations({Literals.PerSample(layer.ActivationOffset)}, {Literals.PerSample(layer.Operand.Length)})";
                w.Line($"{TypeNames.Span} {layer.Variable} = {region};");
            }
            foreach (SavedPlan saved in layer.Saved)
            {
                if (!wanted.Contains(saved.Variable)) continue;
                w.Line(saved.Element == Graph.ElementType.Int32
                    ? $"{TypeNames.IntSpan} {saved.Variable} = workspace.Argmax({Literals.PerSample(saved.Offset)}, {Literals.PerSample(saved.Length)});"
                    : $"{TypeNames.Span} {saved.Variable} = workspace.Activations({Literals.PerSample(saved.Offset)}, {Literals.PerSample(saved.Length)});");
            }
        }
        foreach (BufferPlan buffer in plan.Buffers)
        {
            if (buffer.IsGradient && wanted.Contains(buffer.Variable))
                w.Line($"{TypeNames.Span} {buffer.Variable} = workspace.Activations({Literals.PerSample(buffer.Offset)}, {Literals.PerSample(buffer.Length)});");
        }
    }
}
