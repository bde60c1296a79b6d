using System.Collections.Generic;
using Compiled.Generator.Model;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit;

/// <summary>
/// RunBackward: from the last layer down to the first layer with parameters (whose input gradient is not needed).
/// The gradient flows between two delta buffers: a layer with weights or a pool reads dy from one and writes dx to
/// the other; activations work in place. Parameter gradients are added (+=) into this thread's buffer g.
/// A layer with parameters consults the network's <c>_freezing</c> (Runtime/Networks/LayerFreezing): while it is frozen its
/// weight and bias gradients are skipped, its input gradient is computed only if an earlier layer with parameters is trained,
/// and the pass returns once no earlier layer needs a gradient.
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
        string current = "deltaA", other = "deltaB";
        LayerPlan[] steps = plan.Steps;
        List<string> trainable = TrainableLayers(plan);
        for (int i = steps.Length - 1; i >= 0; i--)
        {
            LayerPlan layer = steps[i];
            if (!layer.Backward) break;
            statements.Add("");
            EmitLayer(layer, trainable.IndexOf(layer.Layer.Name), statements, used, ref current, ref other);
        }

        w.Line();
        w.Line($"// The backward pass over a chunk of n samples, last layer first. The loss wrote dLoss/dOutput {plan.Output.Batched} to deltaA;");
        w.Line("// the activations are those RunForward saved in the workspace.");
        using (w.Open($"private void RunBackward({TypeNames.ReadOnlySpan} input, {TypeNames.Workspace} workspace, int n)"))
        {
            w.Line($"{TypeNames.ReadOnlySpan} p = Parameters;");
            w.Line($"{TypeNames.Span} g = workspace.Gradients;");
            ForwardPassEmitter.DeclareBuffers(w, plan, used, forward: false);
            string half = Literals.PerSample(plan.DeltaLength);
            w.Line($"{TypeNames.Span} deltaA = workspace.Deltas(0, {half});");
            if (statements.Exists(s => s.Contains("deltaB"))) w.Line($"{TypeNames.Span} deltaB = workspace.Deltas({half}, {half});");
            foreach (string statement in statements) w.Line(statement);
        }
    }

    /// <summary>The names of the layers with parameters, in forward order: the indices of <c>_freezing</c>.</summary>
    public static List<string> TrainableLayers(NetworkPlan plan)
    {
        var names = new List<string>();
        foreach (LayerPlan layer in plan.Layers)
            if (layer.WeightOffset >= 0) names.Add(layer.Layer.Name);
        return names;
    }

    // index: the layer's position among the layers with parameters (-1 for the others).
    private static void EmitLayer(LayerPlan layer, int index, List<string> statements, List<string> used, ref string current, ref string other)
    {
        ShapedLayer s = layer.Layer;
        string x = layer.InputVariable, y = layer.Variable;
        string dy = $"{current}.Slice(0, {Literals.PerSample(layer.Operand.Length)})";
        string dx = layer.InputGradient ? $"{other}.Slice(0, {Literals.PerSample(s.Input.Length)})" : "default";
        string shapes = $"dy {s.Output.Batched} → dx {(layer.InputGradient ? s.Input.Batched : "(not needed)")}";
        string header = ForwardPassEmitter.Header(layer, shapes, inPlace: false);
        bool swaps = layer.InputGradient;
        switch (s.Kind)
        {
            case LayerKind.Dense:
                Use(x);
                statements.Add($"{header}; dw += dyᵀ · x, db += Σ dy (not while {s.Name} is frozen)");
                Trainable(layer, index, statements, dx, (dxArg, dw, db) =>
                    $"{TypeNames.DenseKernels}.Backward({x}, {ForwardPassEmitter.Slice("p", layer.WeightOffset, s.WeightLength)}, {dy}, {dxArg}, {dw}, {db}, n, {I(s.Input.Length)}, {I(s.Output.Length)});");
                break;
            case LayerKind.Conv2D:
                Use(x);
                statements.Add($"{header}; dw += dy ⋆ x, db += Σ dy (not while {s.Name} is frozen)");
                Trainable(layer, index, statements, dx, (dxArg, dw, db) =>
                    $"{TypeNames.Conv2DKernels}.Backward(in {ConstantsEmitter.GeometryField(layer)}, {x}, {ForwardPassEmitter.Slice("p", layer.WeightOffset, s.WeightLength)}, {dy}, {dxArg}, {dw}, {db}, {ForwardPassEmitter.Columns(layer)}, n);");
                break;
            case LayerKind.MaxPool:
                Use(ForwardPassEmitter.ArgmaxVariable(layer));
                statements.Add(header);
                statements.Add($"{TypeNames.PoolKernels}.MaxBackward(in {ConstantsEmitter.GeometryField(layer)}, {dy}, {ForwardPassEmitter.ArgmaxVariable(layer)}, {dx}, n);");
                break;
            case LayerKind.AvgPool:
                statements.Add(header);
                statements.Add($"{TypeNames.PoolKernels}.AvgBackward(in {ConstantsEmitter.GeometryField(layer)}, {dy}, {dx}, n);");
                break;
            case LayerKind.Flatten:
                statements.Add($"// {s.Name}: Flatten · dy {s.Output.Batched} is dx {s.Input.Batched}, the same floats");
                swaps = false;
                break;
            default:
                // Activations: dx overwrites dy in place.
                swaps = false;
                statements.Add(ForwardPassEmitter.Header(layer, $"dy → dx {layer.Operand.Batched}", inPlace: true));
                statements.Add(ActivationBackward(s, x, y, dy, Use));
                break;
        }
        if (swaps) (current, other) = (other, current);

        void Use(string variable)
        {
            if (variable != "input" && !used.Contains(variable)) used.Add(variable);
        }
    }

    // A layer with parameters: the full backward while trained (its input gradient only if an earlier layer is trained),
    // the input gradient alone while frozen and needed, and the end of the pass when no earlier layer needs a gradient.
    private static void Trainable(LayerPlan layer, int index, List<string> statements, string dx, System.Func<string, string, string, string> call)
    {
        ShapedLayer s = layer.Layer;
        string k = Literals.Int(index);
        string dw = ForwardPassEmitter.Slice("g", layer.WeightOffset, s.WeightLength);
        string db = ForwardPassEmitter.Slice("g", layer.BiasOffset, s.BiasLength);
        if (!layer.InputGradient)
        {
            statements.Add($"if (!_freezing.IsFrozen({k})) {call("default", dw, db)}");
            return;
        }
        statements.Add($"if (!_freezing.IsFrozen({k})) {call($"_freezing.NeedsInputGradient({k}) ? {dx} : default", dw, db)}");
        statements.Add($"else if (_freezing.NeedsInputGradient({k})) {call(dx, "default", "default")}");
        statements.Add($"if (!_freezing.NeedsInputGradient({k})) return;");
    }

    private static string ActivationBackward(ShapedLayer s, string x, string y, string dy, System.Action<string> use)
    {
        string kernels = TypeNames.ActivationKernels;
        switch (s.Kind)
        {
            case LayerKind.ReLU:
                use(y);
                return $"{kernels}.ReluBackward({y}, {dy}, {dy});";
            case LayerKind.LeakyReLU:
                use(x);
                return $"{kernels}.LeakyReluBackward({x}, {dy}, {dy}, {Literals.Float(s.Declaration.Value)});";
            case LayerKind.ELU:
                use(x);
                use(y);
                return $"{kernels}.EluBackward({x}, {y}, {dy}, {dy}, {Literals.Float(s.Declaration.Value)});";
            case LayerKind.Sigmoid:
                use(y);
                return $"{kernels}.SigmoidBackward({y}, {dy}, {dy});";
            default:
                use(y);
                return $"{kernels}.TanhBackward({y}, {dy}, {dy});";
        }
    }

    private static string I(int value) => Literals.Int(value);
}
