using System.Collections.Generic;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>
/// RunBackward: from the last node down to the first layer with parameters (whose input gradient is not needed), each
/// descriptor writing its own statements. Each node reads its output's gradient dy from its region of the workspace and
/// writes its input's gradient dx to another (planned by liveness, Planning/Liveness); activations and Flatten work in dy's region. Parameter gradients are
/// added (+=) into this thread's buffer g. Every node consults the network's <c>_freezing</c> (Runtime/Networks/LayerFreezing):
/// a frozen layer's weight and bias gradients are skipped, and a node computes its input gradient only while some layer with
/// parameters upstream of it (through any path of the graph) is trained; a node without parameters is skipped whole then.
/// There is no early return: with forks and joins a later node in the pass may still feed a trained layer.
/// </summary>
internal static class BackwardPassEmitter
{
    /// <summary>Whether any layer has parameters (otherwise training has nothing to propagate).</summary>
    public static bool HasWork(NetworkPlan plan)
    {
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Backward) return true;
        }
        return false;
    }

    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        var statements = new List<string>();
        var used = new List<string>();
        LayerPlan[] steps = plan.Steps;
        List<string> trainable = TrainableLayers(plan);
        var norm = new NormalizationLayout(plan);
        var fusion = new FusionLayout(plan, norm);
        var written = new HashSet<string>(); // the fork gradients some consumer has written
        for (int i = steps.Length - 1; i >= 0; i--)
        {
            LayerPlan layer = steps[i];
            if (!layer.Backward) continue;
            statements.Add("");
            if (fusion.BackwardRunner(layer) is { } runner)
            {
                // Its gradient stays in dy's buffer, where the batch norm's backward reads it with the mask y > 0.
                statements.Add($"// {layer.Node.FullName}: {layer.Node.Descriptor.Describe(layer.Node)} · fused: {runner.Node.FullName}'s backward applies its mask (y > 0) to dy");
                continue;
            }
            string dy = Use(used, layer.OutputGradient);
            bool inPlace = layer.Node.Descriptor.BackwardInPlace;
            // A fork's gradient: the first consumer to run its backward writes it, the later ones add into it (from dy's
            // buffer after an in-place backward, else from a temporary their kernel writes).
            string fork = layer.AccumulateInputGradient && layer.Node.Inputs.Count == 1 ? Use(used, layer.InputGradientVariable) : "";
            bool firstWrite = fork.Length > 0 && written.Add(fork);
            string dx = inPlace ? dy
                : !layer.InputGradient ? "default"
                : fork.Length > 0 && !firstWrite ? Use(used, layer.TemporaryGradient)
                : Use(used, layer.InputGradientVariable);
            var emission = new BackwardEmission(layer, trainable.IndexOf(layer.Node.FullName), dy, dx, statements, variable => Use(used, variable))
            {
                FirstWrite = variable => written.Add(variable),
                Norm = norm,
                Fusion = fusion,
            };
            int start = statements.Count; // after the blank line
            layer.Node.Descriptor.EmitBackward(emission);
            string? accumulate = fork.Length > 0 && (inPlace || !firstWrite)
                ? firstWrite
                    ? $"{dx}.CopyTo({fork}); // {layer.Node.FullName}'s input is a fork: the first gradient to reach it"
                    : $"{TypeNames.JoinKernels}.AddInto({fork}, {dx}); // {layer.Node.FullName}'s input is a fork: gradients that meet are summed"
                : null;
            if (layer.HasParameters)
            {
                // Its own statements weigh freezing (Trainable); the fork's sum only where it computed dx.
                if (accumulate is not null) statements.Add($"if (_freezing.NeedsInputGradient({Literals.Int(trainable.IndexOf(layer.Node.FullName))})) {accumulate}");
            }
            else
            {
                // Without parameters it runs only for its inputs: while no trained layer is upstream, nobody reads what it writes.
                if (accumulate is not null) statements.Add(accumulate);
                Guard(statements, start, $"if (_freezing.RunsBackward({Literals.Int(layer.Node.Index)}))");
            }
        }

        w.Line();
        w.Line($"// The backward pass over this thread's slice, last layer first. The loss wrote dLoss/dOutput {plan.Output.Batched} to {steps[steps.Length - 1].OutputGradient};");
        w.Line($"// the activations are those {ForwardPassEmitter.TrainingMethod} saved in the workspace; each gradient has its own region (XDelta: dLoss/d(output of X)).");
        using (w.Open($"private void RunBackward(in {TypeNames.StepContext} ctx)"))
        {
            w.Line(ForwardPassEmitter.SliceLocals);
            if (used.Contains("input")) w.Line($"{TypeNames.ReadOnlySpan} input = ctx.Input;");
            w.Line($"{TypeNames.ReadOnlySpan} p = Parameters;");
            w.Line($"{TypeNames.Span} g = ctx.Gradients;");
            if (OwnedGradients.Any(plan)) w.Line($"bool {OwnedGradients.Flag} = ctx.Threads > 1; // {OwnedGradients.FlagComment}");
            ForwardPassEmitter.DeclareBuffers(w, plan, used, forward: false, sliced: true);
            foreach (string statement in statements) w.Line(statement);
            OwnedGradients.EmitPass(w, plan, trainable);
        }
    }

    // Wraps the statements from start on in `header { ... }`, keeping a leading comment above the header.
    private static void Guard(List<string> statements, int start, string header)
    {
        int first = start;
        while (first < statements.Count && statements[first].StartsWith("//", System.StringComparison.Ordinal)) first++;
        if (first == statements.Count) return;
        var body = statements.GetRange(first, statements.Count - first);
        statements.RemoveRange(first, statements.Count - first);
        statements.Add(header);
        statements.Add("{");
        foreach (string line in body) statements.Add(line.Length == 0 ? line : "    " + line);
        statements.Add("}");
    }

    private static string Use(List<string> used, string variable)
    {
        if (!used.Contains(variable)) used.Add(variable);
        return variable;
    }

    /// <summary>The names of the layers with parameters, in forward order: the indices of <c>_freezing</c>.</summary>
    public static List<string> TrainableLayers(NetworkPlan plan)
    {
        var names = new List<string>();
        foreach (LayerPlan layer in plan.Layers)
            if (layer.HasParameters) names.Add(layer.Node.FullName);
        return names;
    }
}
