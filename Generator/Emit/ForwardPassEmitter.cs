using System.Linq;
using Compiled.Generator.Model;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit;

/// <summary>RunForward: one kernel call per layer, every size a literal, a comment with each layer's input and output shapes.</summary>
internal static class ForwardPassEmitter
{
    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        w.Line();
        w.Line("// The forward pass over a chunk of n samples. Each layer's output [n, ...] has its own region of the workspace");
        w.Line("// (the backward pass reads them again) unless an activation overwrites it in place; the last layer writes to output.");
        using (w.Open($"private void RunForward({TypeNames.ReadOnlySpan} input, {TypeNames.Workspace} workspace, int n, {TypeNames.Span} output)"))
        {
            if (plan.ParameterCount > 0) w.Line($"{TypeNames.ReadOnlySpan} p = Parameters;");
            DeclareBuffers(w, plan, plan.Layers.Select(l => l.Variable).Concat(plan.Layers.Select(ArgmaxVariable)), forward: true);
            foreach (LayerPlan layer in plan.Steps)
            {
                w.Line();
                EmitLayer(w, layer);
            }
        }
    }

    /// <summary>
    /// Declares the activation and arg-max spans a pass uses, in layer order. In the forward pass the last layer's
    /// output is the <c>output</c> parameter; in the backward pass it is its workspace region like the others.
    /// </summary>
    public static void DeclareBuffers(SourceWriter w, NetworkPlan plan, System.Collections.Generic.IEnumerable<string> used, bool forward)
    {
        var wanted = new System.Collections.Generic.HashSet<string>(used);
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
                w.Line($"{TypeNames.IntSpan} {ArgmaxVariable(layer)} = workspace.Argmax({Literals.PerSample(layer.ArgmaxOffset)}, {Literals.PerSample(layer.Layer.Output.Length)});");
        }
    }

    public static string ArgmaxVariable(LayerPlan layer) => LayerNames.ToCamel(layer.Layer.Identifier) + "Argmax";

    /// <summary>The im2col buffer of one convolution: exactly its per-sample column length.</summary>
    public static string Columns(LayerPlan layer) => $"workspace.Columns({Literals.Int(ConstantsEmitter.ColumnLength(layer))})";

    /// <summary>The parameter (or gradient) slice of a weight or bias, or <c>default</c> when the layer has no bias.</summary>
    public static string Slice(string buffer, int offset, int length) => offset < 0 ? "default" : $"{buffer}.Slice({Literals.Int(offset)}, {Literals.Int(length)})";

    private static void EmitLayer(SourceWriter w, LayerPlan layer)
    {
        ShapedLayer s = layer.Layer;
        string x = layer.InputVariable, y = layer.Variable;
        string header = Header(layer, $"{(s.Kind.IsActivation() ? layer.Operand.Batched : s.Input.Batched)} → {layer.Operand.Batched}", x == y);
        switch (s.Kind)
        {
            case LayerKind.Dense:
                w.Line($"{header}; y = x · wᵀ + b, w [{I(s.Output.Length)}, {I(s.Input.Length)}]");
                w.Line($"{TypeNames.DenseKernels}.Forward({x}, {Slice("p", layer.WeightOffset, s.WeightLength)}, {Slice("p", layer.BiasOffset, s.BiasLength)}, {y}, n, {I(s.Input.Length)}, {I(s.Output.Length)});");
                break;
            case LayerKind.Conv2D:
                w.Line($"{header}; w [{I(s.Output.Channels)}, {I(s.Input.Channels)}, {I(s.Declaration.Kernel)}, {I(s.Declaration.Kernel)}]");
                w.Line($"{TypeNames.Conv2DKernels}.Forward(in {ConstantsEmitter.GeometryField(layer)}, {x}, {Slice("p", layer.WeightOffset, s.WeightLength)}, {Slice("p", layer.BiasOffset, s.BiasLength)}, {y}, {Columns(layer)}, n);");
                break;
            case LayerKind.MaxPool:
                w.Line(header);
                w.Line($"{TypeNames.PoolKernels}.MaxForward(in {ConstantsEmitter.GeometryField(layer)}, {x}, {y}, {ArgmaxVariable(layer)}, n);");
                break;
            case LayerKind.AvgPool:
                w.Line(header);
                w.Line($"{TypeNames.PoolKernels}.AvgForward(in {ConstantsEmitter.GeometryField(layer)}, {x}, {y}, n);");
                break;
            case LayerKind.Flatten:
                if (layer.ActivationOffset < 0)
                {
                    w.Line($"{header}: the rows of {x} are already flat (NCHW), so the next layer reads them as they are.");
                }
                else
                {
                    w.Line($"{header}: the last layer, so it copies the (already flat, NCHW) rows of {x} to the output.");
                    w.Line($"{x}.CopyTo({y});");
                }
                break;
            case LayerKind.ReLU:
                w.Line(header);
                w.Line($"{TypeNames.ActivationKernels}.Relu({x}, {y});");
                break;
            case LayerKind.LeakyReLU:
                w.Line(header);
                w.Line($"{TypeNames.ActivationKernels}.LeakyRelu({x}, {y}, {Literals.Float(s.Declaration.Value)});");
                break;
            case LayerKind.ELU:
                w.Line(header);
                w.Line($"{TypeNames.ActivationKernels}.Elu({x}, {y}, {Literals.Float(s.Declaration.Value)});");
                break;
            case LayerKind.Sigmoid:
                w.Line(header);
                w.Line($"{TypeNames.ActivationKernels}.Sigmoid({x}, {y});");
                break;
            case LayerKind.Tanh:
                w.Line(header);
                w.Line($"{TypeNames.ActivationKernels}.Tanh({x}, {y});");
                break;
        }
    }

    /// <summary>The comment over a layer's call: what it computes, in place or not, and why it runs out of the declared order.</summary>
    public static string Header(LayerPlan layer, string shapes, bool inPlace)
    {
        ShapedLayer s = layer.Layer;
        string header = $"// {s.Name}: {LayerDescription.Describe(s)} · {shapes}";
        if (inPlace && s.Kind.IsActivation()) header += ", in place";
        if (layer.Note.Length > 0) header += "; " + layer.Note;
        return header;
    }

    private static string I(int value) => Literals.Int(value);
}
