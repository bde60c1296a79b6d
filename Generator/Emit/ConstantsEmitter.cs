using System.Linq;
using Compiled.Generator.Model;
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
        string producer = plan.Layers.Count > 0 ? plan.Layers[plan.Layers.Count - 1].Layer.Name : "the input";
        w.Line($"/// <summary>Floats per output sample (the output of {producer}): {plan.Output}.</summary>");
        w.Line($"public const int OutputLength = {Literals.Int(plan.Output.Length)};");
        w.Line();
        w.Line(plan.Training
            ? "/// <summary>Floats in <see cref=\"Parameters\"/> and <see cref=\"Gradients\"/>.</summary>"
            : "/// <summary>Floats in <see cref=\"Parameters\"/>.</summary>");
        w.Line($"public const int ParameterCount = {Literals.Int(plan.ParameterCount)};");
        w.Line();
        if (plan.Input.IsSpatial)
        {
            w.Line($"/// <summary>The input, one sample: {plan.Input}.</summary>");
            w.Line($"public const int InputChannels = {Literals.Int(plan.Input.Channels)}, InputHeight = {Literals.Int(plan.Input.Height)}, InputWidth = {Literals.Int(plan.Input.Width)};");
            w.Line();
        }
        foreach (LayerPlan layer in plan.Layers)
        {
            ShapedLayer shaped = layer.Layer;
            w.Line($"/// <summary>Output of {shaped.Name} ({LayerDescription.Describe(shaped)}), one sample: {shaped.Output}.</summary>");
            string[] names = GeneratedMembers.LayerConstants(shaped);
            w.Line(shaped.Output.IsSpatial
                ? $"public const int {names[0]} = {Literals.Int(shaped.Output.Channels)}, {names[1]} = {Literals.Int(shaped.Output.Height)}, {names[2]} = {Literals.Int(shaped.Output.Width)}, {names[3]} = {Literals.Int(shaped.Output.Length)};"
                : $"public const int {names[0]} = {Literals.Int(shaped.Output.Length)};");
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
        w.Line($"private const int ActivationsPerSample = {Literals.Int(plan.ActivationsPerSample)};");
        if (plan.Training) w.Line($"private const int DeltasPerSample = {Literals.Int(2 * plan.DeltaLength)}; // two backward buffers of {Literals.Int(plan.DeltaLength)}");
        w.Line($"private const int ArgmaxPerSample = {Literals.Int(plan.ArgmaxPerSample)};");
        LayerPlan? widest = plan.Layers.Where(l => l.Kind == LayerKind.Conv2D).OrderByDescending(ColumnLength).FirstOrDefault();
        w.Line(widest is null
            ? "private const int ColumnLength = 0; // no convolution"
            : $"private const int ColumnLength = {Literals.Int(plan.ColumnLength)}; // im2col of one sample of the largest convolution, {widest.Layer.Name}");

        EmitGeometries(w, plan);
        EmitTables(w, plan);
    }

    /// <summary>im2col floats of one sample: [in·k·k, outH·outW].</summary>
    public static int ColumnLength(LayerPlan layer)
        => layer.Layer.Input.Channels * layer.Layer.Declaration.Kernel * layer.Layer.Declaration.Kernel * layer.Layer.Output.Height * layer.Layer.Output.Width;

    public static string GeometryField(LayerPlan layer) => "s_" + LayerNames.ToCamel(layer.Layer.Identifier) + "Geometry";

    private static void EmitGeometries(SourceWriter w, NetworkPlan plan)
    {
        foreach (LayerPlan layer in plan.Layers)
        {
            ShapedLayer s = layer.Layer;
            if (s.Kind == LayerKind.Conv2D)
            {
                int k = s.Declaration.Kernel;
                w.Line();
                w.Line($"// {s.Name}: {LayerDescription.Describe(s)} · {s.Input} → {s.Output}");
                w.Line($"private static readonly {TypeNames.Conv2DGeometry} {GeometryField(layer)} = new {TypeNames.Conv2DGeometry}(");
                w.Line($"    InChannels: {I(s.Input.Channels)}, InHeight: {I(s.Input.Height)}, InWidth: {I(s.Input.Width)}, OutChannels: {I(s.Output.Channels)}, KernelHeight: {I(k)}, KernelWidth: {I(k)},");
                w.Line($"    StrideHeight: {I(s.Stride)}, StrideWidth: {I(s.Stride)}, PadTop: {I(s.PadTop)}, PadLeft: {I(s.PadLeft)}, PadBottom: {I(s.PadBottom)}, PadRight: {I(s.PadRight)});");
            }
            else if (s.Kind.IsPool())
            {
                w.Line();
                w.Line($"// {s.Name}: {LayerDescription.Describe(s)} · {s.Input} → {s.Output}");
                w.Line($"private static readonly {TypeNames.Pool2DGeometry} {GeometryField(layer)} = new {TypeNames.Pool2DGeometry}(");
                w.Line($"    Channels: {I(s.Input.Channels)}, InHeight: {I(s.Input.Height)}, InWidth: {I(s.Input.Width)}, Window: {I(s.Declaration.Size)}, Stride: {I(s.Stride)});");
            }
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
        w.Line();
        string dims = plan.Input.IsSpatial
            ? $"{I(plan.Input.Channels)}, {I(plan.Input.Height)}, {I(plan.Input.Width)}"
            : I(plan.Input.Length);
        w.Line($"private static readonly {TypeNames.ReadOnlyList}<int> s_inputShape = {TypeNames.Array}.AsReadOnly(new int[] {{ {dims} }});");
    }

    private static string I(int value) => Literals.Int(value);
}
