using System.Collections.Generic;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// <c>[LocalResponseNorm(size, Alpha = 1e-4, Beta = 0.75, K = 1)]</c>: PyTorch's <c>nn.LocalResponseNorm</c> across channels
/// of a [c, h, w] input, y = x / (k + alpha/size · Σ x²)^beta over the <c>size</c> channels around each one (zeros beyond
/// the edges). Shape unchanged, no parameters. Its forward saves the denominator's base (<c>scale</c>) for the backward,
/// which also reads x and y and needs (c + 1)·h·w floats of scratch (the column buffer).
/// </summary>
internal sealed class LocalResponseNormLayer : LayerDescriptor
{
    public static readonly LocalResponseNormLayer Instance = new();

    private const int Size = 0, Alpha = 1, Beta = 2, K = 3;

    private static readonly ArgumentSpec[] Schema =
    {
        ArgumentSpec.RequiredInt("size", 0, "[LocalResponseNorm(5)]", ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedDouble("Alpha", 1e-4, ArgumentRange.FiniteNumber),
        ArgumentSpec.NamedDouble("Beta", 0.75, ArgumentRange.FiniteNumber),
        ArgumentSpec.NamedDouble("K", 1.0, ArgumentRange.PositiveNumber),
    };

    public override string Kind => "LocalResponseNorm";

    public override string DefaultNamePrefix => "lrn";

    public override string ConstructorExample(string attributeName) => $"[{attributeName}(size)], e.g. [{attributeName}(5)]";

    public override IReadOnlyList<ArgumentSpec> Arguments => Schema;

    public override InferredShape? Infer(ShapeContext context) => context.RequireSpatial() ? new InferredShape(context.Input) : null;

    public override string Describe(GraphNode node) => "LocalResponseNorm " + Invariant.Int(node.Arguments[Size].Int);

    public override string ArchitectureArguments(GraphNode node)
        => $" size={Invariant.Int(node.Arguments[Size].Int)} alpha={node.Arguments[Alpha]} beta={node.Arguments[Beta]} k={node.Arguments[K]}";

    public override SavedTensors BackwardReads => SavedTensors.Input | SavedTensors.Output;

    public override IReadOnlyList<SavedSpec> Saved(GraphNode node) => new[] { new SavedSpec("scale", ElementType.Float32, node.Output.Length) };

    /// <summary>The backward's scratch: (c + 1)·h·w floats.</summary>
    public override int ColumnLength(GraphNode node) => (node.Input.Channels + 1) * node.Input.SpatialLength;

    public override void EmitForward(ForwardEmission e)
    {
        e.Line(e.Header);
        e.Line($"{TypeNames.LocalResponseNormKernels}.Forward({e.X}, {e.Y}, {e.Saved("scale")}, n, {Constants(e.Node)});");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        string x = e.Use(e.X), y = e.Use(e.Y), scale = e.Saved("scale");
        e.Add(e.Header);
        e.Add($"{TypeNames.LocalResponseNormKernels}.Backward({x}, {y}, {scale}, {e.Dy}, {e.Dx}, {e.Columns}, n, {Constants(e.Node)}, accumulate: false);");
    }

    private static string Constants(GraphNode node)
    {
        TensorShape i = node.Input;
        return $"{Invariant.Int(i.Channels)}, {Invariant.Int(i.SpatialLength)}, {Invariant.Int(node.Arguments[Size].Int)}, "
            + $"{Literals.Float(node.Arguments[Alpha].Float)}, {Literals.Float(node.Arguments[Beta].Float)}, {Literals.Float(node.Arguments[K].Float)}";
    }
}
