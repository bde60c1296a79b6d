using System.Linq;
using Compiled.Generator.Graph;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Emit;

/// <summary>The network's numbers: public shape constants and summary, private workspace sizes, kernel geometries and the parameter table.</summary>
internal static class ConstantsEmitter
{
    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        w.Line($"/// <summary>Floats per input sample: {plan.Input}.</summary>");
        w.Line($"public const int InputLength = {Literals.Int(plan.Input.Length)};");
        w.Line();
        string producer = plan.Layers.Count > 0 ? plan.Layers[plan.Layers.Count - 1].Node.FullName : "the input";
        w.Line($"/// <summary>Floats per output sample (the output of {producer}): {plan.Output}.</summary>");
        w.Line($"public const int OutputLength = {Literals.Int(plan.Output.Length)};");
        w.Line();
        w.Line(plan.Training
            ? "/// <summary>Floats in <see cref=\"Parameters\"/> and <see cref=\"Gradients\"/>.</summary>"
            : "/// <summary>Floats in <see cref=\"Parameters\"/>.</summary>");
        w.Line($"public const int ParameterCount = {Literals.Int(plan.ParameterCount)};");
        w.Line();
        if (plan.State.Count > 0)
        {
            w.Line("/// <summary>Floats in <see cref=\"StateBuffer\"/>.</summary>");
            w.Line($"public const int StateCount = {Literals.Int(plan.StateCount)};");
            w.Line();
        }
        if (plan.Input.IsSpatial)
        {
            w.Line($"/// <summary>The input, one sample: {plan.Input}.</summary>");
            w.Line($"public const int InputChannels = {Literals.Int(plan.Input.Channels)}, InputHeight = {Literals.Int(plan.Input.Height)}, InputWidth = {Literals.Int(plan.Input.Width)};");
            w.Line();
        }
        foreach (LayerPlan layer in plan.Layers)
        {
            GraphNode node = layer.Node;
            w.Line($"/// <summary>Output of {node.FullName} ({node.Descriptor.Describe(node)}), one sample: {node.Output}.</summary>");
            string[] names = GeneratedMembers.LayerConstants(node);
            w.Line(node.Output.IsSpatial
                ? $"public const int {names[0]} = {Literals.Int(node.Output.Channels)}, {names[1]} = {Literals.Int(node.Output.Height)}, {names[2]} = {Literals.Int(node.Output.Width)}, {names[3]} = {Literals.Int(node.Output.Length)};"
                : $"public const int {names[0]} = {Literals.Int(node.Output.Length)};");
            w.Line();
        }

        w.Line("/// <summary>Keras-style summary: layers, output shapes, parameter counts.</summary>");
        w.Line("public const string ModelSummary =");
        string[] lines = plan.Summary.TrimEnd('\n').Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            w.Line("    " + Literals.String(lines[i] + "\n") + (i == lines.Length - 1 ? ";" : " +"));
        }
        w.Line();

        w.Line("// One thread's workspace: chunks of at most ChunkSamples samples, sized per sample.");
        w.Line($"private const int ChunkSamples = {Literals.Int(plan.ChunkSamples)};");
        w.Line($"private const int WorkspacePerSample = {Literals.Int(plan.WorkspacePerSample)}; // activations{(plan.Training ? " and gradients" : "")}, a region reused once its tensor is dead");
        w.Line($"private const int ArgmaxPerSample = {Literals.Int(plan.ArgmaxPerSample)};");
        LayerPlan? widest = plan.Layers.Where(l => l.Node.Descriptor.ColumnLength(l.Node) > 0).OrderByDescending(l => l.Node.Descriptor.ColumnLength(l.Node)).FirstOrDefault();
        w.Line(widest is null
            ? "private const int ColumnLength = 0; // no convolution"
            : $"private const int ColumnLength = {Literals.Int(plan.ColumnLength)}; // im2col of one sample of the largest convolution, {widest.Node.FullName}");

        EmitGeometries(w, plan);
        EmitTables(w, plan);
    }

    public static string GeometryField(LayerPlan layer) => "s_" + LayerNames.ToCamel(layer.Node.Identifier) + "Geometry";

    private static void EmitGeometries(SourceWriter w, NetworkPlan plan)
    {
        foreach (LayerPlan layer in plan.Layers)
        {
            GraphNode node = layer.Node;
            if (node.Descriptor.GeometryType is not { } type) continue;
            w.Line();
            w.Line($"// {node.FullName}: {node.Descriptor.Describe(node)} · {node.Input} → {node.Output}");
            w.Line($"private static readonly {type} {GeometryField(layer)} = new {type}(");
            string[] arguments = node.Descriptor.GeometryArguments(node);
            string initializer = node.Descriptor.GeometryInitializer(node);
            string end = initializer.Length == 0 ? ");" : ") { " + initializer + " };";
            for (int i = 0; i < arguments.Length; i++) w.Line("    " + arguments[i] + (i == arguments.Length - 1 ? end : ""));
        }
    }

    private static void EmitTables(SourceWriter w, NetworkPlan plan)
    {
        w.Line();
        w.Line("// The parameter buffer, PyTorch names and layouts: Dense weight [out, in], Conv2D weight [out, in, kh, kw], biases [out].");
        w.Line($"private static readonly {TypeNames.ReadOnlyList}<{TypeNames.ParameterInfo}> s_parameterTable = {TypeNames.Array}.AsReadOnly(new {TypeNames.ParameterInfo}[]");
        using (SourceWriter.Block table = w.Open())
        {
            table.Suffix = ");";
            foreach (ParameterPlan parameter in plan.Parameters)
            {
                w.Line($"new {TypeNames.ParameterInfo}({Literals.String(parameter.Name)}, {Literals.String(parameter.Layer)}, {I(parameter.Offset)}, new int[] {{ {string.Join(", ", parameter.Shape.Select(d => I(d)))} }}),");
            }
        }
        if (plan.State.Count > 0)
        {
            w.Line();
            w.Line("// The state buffer (running statistics: not parameters, never touched by optimizers), PyTorch names and layouts.");
            w.Line($"private static readonly {TypeNames.ReadOnlyList}<{TypeNames.ParameterInfo}> s_stateTable = {TypeNames.Array}.AsReadOnly(new {TypeNames.ParameterInfo}[]");
            using (SourceWriter.Block table = w.Open())
            {
                table.Suffix = ");";
                foreach (StatePlan tensor in plan.State)
                {
                    w.Line($"new {TypeNames.ParameterInfo}({Literals.String(tensor.Name)}, {Literals.String(tensor.Layer)}, {I(tensor.Offset)}, new int[] {{ {string.Join(", ", tensor.Shape.Select(d => I(d)))} }}),");
                }
            }
        }
        w.Line();
        string dims = string.Join(", ", plan.Input.Dimensions.Select(d => I(d)));
        w.Line($"private static readonly {TypeNames.ReadOnlyList}<int> s_inputShape = {TypeNames.Array}.AsReadOnly(new int[] {{ {dims} }});");
    }

    private static string I(int value) => Literals.Int(value);
}
