using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Activations;
using Compiled.Generator.Layers.Joins;
using Compiled.Generator.Layers.Losses;
using Compiled.Generator.Model;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Tests.Graph;

/// <summary>
/// The graph model: tensor shapes, joins' shape rules, forks and the plan's accumulating gradients, on graphs built by
/// hand (no attribute creates joins yet).
/// </summary>
public sealed class GraphModelTests
{
    [Fact]
    public void Tensor_shapes_of_any_rank_print_and_measure_like_PyTorch()
    {
        TensorShape image = TensorShape.Spatial(6, 28, 28);
        Assert.True(image.IsSpatial);
        Assert.Equal((6, 28, 28, 784, 4704), (image.Channels, image.Height, image.Width, image.SpatialLength, image.Length));
        Assert.Equal("[6, 28, 28]", image.ToString());
        Assert.Equal("[n, 6, 28, 28]", image.Batched);
        Assert.Equal("[6,28,28]", image.Compact);
        Assert.Equal(TensorShape.Flat(4704), image.Flattened);

        var sequence = new TensorShape(new EquatableArray<int>(new[] { 35, 128 }), ElementType.Float32, HasTimeAxis: true);
        Assert.False(sequence.IsSpatial);
        Assert.Equal(128, sequence.Channels);
        Assert.Equal(35 * 128, sequence.Length);
        var tokens = new TensorShape(new EquatableArray<int>(new[] { 35 }), ElementType.Int32, HasTimeAxis: true);
        Assert.NotEqual(TensorShape.Flat(35), tokens);
    }

    [Fact]
    public void Add_takes_equal_shapes_and_concat_sums_channels()
    {
        TensorShape a = TensorShape.Spatial(4, 8, 8), b = TensorShape.Spatial(6, 8, 8);

        Assert.Equal(a, Infer(AddJoin.Instance, a, a, out List<DiagnosticInfo> none)!.Output);
        Assert.Empty(none);
        Assert.Equal(TensorShape.Spatial(10, 8, 8), Infer(ConcatJoin.Instance, a, b, out none)!.Output);
        Assert.Empty(none);

        Assert.Null(Infer(AddJoin.Instance, a, b, out List<DiagnosticInfo> differ));
        DiagnosticInfo sum = Assert.Single(differ);
        Assert.Equal("CMP0031", sum.Descriptor.Id);
        Assert.Equal(new[] { "[4, 8, 8]", "[6, 8, 8]" }, sum.Arguments.Skip(1).Take(2));
        Assert.Null(Infer(ConcatJoin.Instance, a, TensorShape.Spatial(4, 7, 8), out differ));
        DiagnosticInfo concat = Assert.Single(differ);
        Assert.Equal("CMP0032", concat.Descriptor.Id);
        Assert.Contains("[4, 8, 8] and [4, 7, 8]", concat.Arguments[1]);
    }

    [Fact]
    public void A_fork_makes_its_consumers_accumulate_their_input_gradients()
    {
        // input [6] → fc1 → relu1 ─┐
        //                └→ tanh1 ─┴→ add1 → fc2 → loss
        TensorShape flat = TensorShape.Flat(6), four = TensorShape.Flat(4);
        var nodes = new[]
        {
            Node(0, "fc1", DenseLayer.Instance, new[] { -1 }, new[] { flat }, four, Dense(4)),
            Node(1, "relu1", ReluLayer.Instance, new[] { 0 }, new[] { four }, four),
            Node(2, "tanh1", TanhLayer.Instance, new[] { 0 }, new[] { four }, four),
            Node(3, "add1", AddJoin.Instance, new[] { 1, 2 }, new[] { four, four }, four),
            Node(4, "fc2", DenseLayer.Instance, new[] { 3 }, new[] { four }, TensorShape.Flat(2), Dense(2)),
            Node(5, "loss", MeanSquaredErrorLayer.Instance, new[] { 4 }, new[] { TensorShape.Flat(2) }, TensorShape.Flat(2)),
        };
        var graph = new NetworkGraph(flat, new EquatableArray<GraphNode>(nodes));
        Assert.True(graph.IsFork(0));
        Assert.False(graph.IsFork(1));
        Assert.Equal(new[] { "relu1", "tanh1" }, graph.Consumers(0).Select(n => n.Name));

        var declaration = new NetworkDeclaration("Valid", "A", true, new EquatableArray<int>(new[] { 6 }), DiagnosticSite.None,
            EquatableArray<LayerDeclaration>.Empty, EquatableArray<ClassMember>.Empty);
        NetworkPlan plan = Planner.Plan("Valid.A", new ShapedNetwork(declaration, graph)).Value!;

        Assert.Equal(new[] { false, true, true, false, false }, plan.Layers.Select(l => l.AccumulateInputGradient));
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }, plan.Parameters.Select(p => p.Name));
        Assert.Equal("Input[6];Dense fc1 units=4 bias=true ->[4];ReLU relu1 ->[4];Tanh tanh1 inputs=fc1 ->[4];Add add1 inputs=relu1,tanh1 ->[4];Dense fc2 units=2 bias=true ->[2];MeanSquaredError", plan.Architecture);
    }

    private static InferredShape? Infer(LayerDescriptor join, TensorShape first, TensorShape second, out List<DiagnosticInfo> diagnostics)
    {
        diagnostics = new List<DiagnosticInfo>();
        var declaration = new LayerDeclaration(join, join.Kind, null, EquatableArray<ArgumentValue>.Empty, DiagnosticSite.None);
        return join.Infer(new ShapeContext(declaration, "join1", new[] { first, second }, "its inputs", diagnostics));
    }

    private static ArgumentValue[] Dense(int units)
        => new[] { ArgumentValue.OfInt(units), ArgumentValue.OfBool(true), ArgumentValue.OfInit(InitKind.Default) };

    private static GraphNode Node(int index, string name, LayerDescriptor descriptor, int[] inputs, TensorShape[] shapes, TensorShape output, ArgumentValue[]? arguments = null)
        => new(index, name, LayerNames.ToPascal(name), "", descriptor, descriptor.Kind, new EquatableArray<ArgumentValue>(arguments ?? System.Array.Empty<ArgumentValue>()),
            new EquatableArray<int>(inputs), new EquatableArray<TensorShape>(shapes), output, null, DiagnosticSite.None);
}
