using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit;

/// <summary>RunForward: one kernel call per node in run order (each descriptor writes its own), every size a literal, a comment with each node's input and output shapes.</summary>
internal static class ForwardPassEmitter
{
    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        w.Line();
        w.Line("// The forward pass over a chunk of n samples. Each layer's output [n, ...] has its own region of the workspace while it");
        w.Line("// is needed (by later layers or the backward pass), unless an activation overwrites it in place; the last layer writes to output.");
        using (w.Open($"private void RunForward({TypeNames.ReadOnlySpan} input, {TypeNames.Workspace} workspace, int n, {TypeNames.Span} output)"))
        {
            if (plan.ParameterCount > 0) w.Line($"{TypeNames.ReadOnlySpan} p = Parameters;");
            DeclareBuffers(w, plan, plan.Layers.Select(l => l.Variable).Concat(plan.Layers.Select(ArgmaxVariable)), forward: true);
            foreach (LayerPlan layer in plan.Steps)
            {
                w.Line();
                layer.Node.Descriptor.EmitForward(new ForwardEmission(w, layer));
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
            if (layer.ArgmaxOffset >= 0 && wanted.Contains(ArgmaxVariable(layer)))
                w.Line($"{TypeNames.IntSpan} {ArgmaxVariable(layer)} = workspace.Argmax({Literals.PerSample(layer.ArgmaxOffset)}, {Literals.PerSample(layer.Node.Descriptor.ArgmaxLength(layer.Node))});");
        }
        foreach (BufferPlan buffer in plan.Buffers)
        {
            if (buffer.IsGradient && wanted.Contains(buffer.Variable))
                w.Line($"{TypeNames.Span} {buffer.Variable} = workspace.Activations({Literals.PerSample(buffer.Offset)}, {Literals.PerSample(buffer.Length)});");
        }
    }

    public static string ArgmaxVariable(LayerPlan layer) => LayerNames.ToCamel(layer.Node.Identifier) + "Argmax";
}
