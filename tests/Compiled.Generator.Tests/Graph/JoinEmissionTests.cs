using System;
using System.Linq;
using Compiled.Generator.Emit;
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
/// A fork and a residual sum, emitted and run: input [6] → fc1 [4] → (relu1, tanh1) → add1 → fc2 [2] → MSE. fc1's
/// output feeds two nodes, so neither runs in place and their input gradients meet in one buffer (tanh1 writes its part,
/// relu1 adds its own through a temporary); add1 hands dy to both. Forward, loss and every gradient against the same
/// network computed by hand in double, at 1 and 2 threads.
/// </summary>
public sealed class JoinEmissionTests
{
    private static NetworkPlan Plan(out string source)
    {
        TensorShape flat = TensorShape.Flat(6), four = TensorShape.Flat(4), two = TensorShape.Flat(2);
        var nodes = new[]
        {
            Node(0, "fc1", DenseLayer.Instance, new[] { -1 }, new[] { flat }, four, Dense(4)),
            Node(1, "relu1", ReluLayer.Instance, new[] { 0 }, new[] { four }, four),
            Node(2, "tanh1", TanhLayer.Instance, new[] { 0 }, new[] { four }, four),
            Node(3, "add1", AddJoin.Instance, new[] { 1, 2 }, new[] { four, four }, four),
            Node(4, "fc2", DenseLayer.Instance, new[] { 3 }, new[] { four }, two, Dense(2)),
            Node(5, "loss", MeanSquaredErrorLayer.Instance, new[] { 4 }, new[] { two }, two),
        };
        var declaration = new NetworkDeclaration("Valid", "A", true, new EquatableArray<int>(new[] { 6 }), DiagnosticSite.None,
            EquatableArray<LayerDeclaration>.Empty, EquatableArray<ClassMember>.Empty);
        NetworkPlan plan = Planner.Plan("Valid.A", new ShapedNetwork(declaration, new NetworkGraph(flat, new EquatableArray<GraphNode>(nodes)))).Value!;
        source = NetworkEmitter.Emit(plan, "1.0.0.0");
        return plan;
    }

    [Fact]
    public void The_fork_and_the_sum_are_planned_as_meeting_gradients()
    {
        NetworkPlan plan = Plan(out string source);

        Assert.Equal(new[] { false, true, false, false, false }, plan.Layers.Select(l => l.AccumulateInputGradient));
        Assert.Equal("relu1InputDelta", plan.Layers[1].InputGradientVariable); // ReLU's kernel cannot add: a temporary
        Assert.Equal("fc1Delta", plan.Layers[2].InputGradientVariable);        // tanh1 runs first backward and writes
        Assert.Equal(new[] { "relu1Out", "tanh1Out" }, plan.Layers[3].InputVariables);
        Assert.Contains("ActivationKernels.Relu(fc1Out, relu1Out);", source);     // not in place: tanh1 reads fc1Out too
        Assert.Contains("JoinKernels.Add(relu1Out, tanh1Out, add1Out);", source);
        Assert.Contains("JoinKernels.AddInto(fc1Delta, relu1InputDelta);", source);
        Assert.Null(WorkspaceAllocator.FindOverlap(plan.Buffers.ToList()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Forward_loss_and_every_gradient_match_the_network_computed_by_hand(int threads)
    {
        NetworkPlan plan = Plan(out string source);
        var network = (ITrainableNetwork)EmittedNetworks.Create(source, plan, threads);
        network.Initialize(3);
        float[] p = network.Parameters;
        const int batch = 3;
        float[] x = { 0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f, -2f, 1f, 0.1f, 0.2f, -0.3f, 0.4f, 1f, 0.5f, -0.5f, 0.3f, 0.9f, -1.2f };
        float[] t = { 1f, -1f, 0.5f, 0.25f, -0.5f, 2f };

        // By hand, in double: h = W1 x + b1, a = relu(h) + tanh(h), y = W2 a + b2, loss = mean((y - t)²).
        var g = new double[p.Length];
        var outputs = new double[batch * 2];
        double loss = 0;
        for (int s = 0; s < batch; s++)
        {
            var h = new double[4];
            var a = new double[4];
            for (int o = 0; o < 4; o++)
            {
                h[o] = p[24 + o];
                for (int i = 0; i < 6; i++) h[o] += p[o * 6 + i] * x[s * 6 + i];
                a[o] = Math.Max(h[o], 0) + Math.Tanh(h[o]);
            }
            var dy = new double[2];
            for (int o = 0; o < 2; o++)
            {
                double y = p[36 + o];
                for (int i = 0; i < 4; i++) y += p[28 + o * 4 + i] * a[i];
                outputs[s * 2 + o] = y;
                loss += (y - t[s * 2 + o]) * (y - t[s * 2 + o]) / (batch * 2);
                dy[o] = 2 * (y - t[s * 2 + o]) / (batch * 2);
            }
            var da = new double[4];
            for (int o = 0; o < 2; o++)
            {
                g[36 + o] += dy[o];
                for (int i = 0; i < 4; i++)
                {
                    g[28 + o * 4 + i] += dy[o] * a[i];
                    da[i] += dy[o] * p[28 + o * 4 + i];
                }
            }
            for (int o = 0; o < 4; o++)
            {
                double th = Math.Tanh(h[o]);
                double dh = da[o] * ((h[o] > 0 ? 1 : 0) + (1 - th * th));
                g[24 + o] += dh;
                for (int i = 0; i < 6; i++) g[o * 6 + i] += dh * x[s * 6 + i];
            }
        }

        float[] forward = new float[batch * 2];
        network.Forward(x, forward, batch);
        float trained = network.TrainStep(x, t, batch);

        for (int i = 0; i < forward.Length; i++) Assert.Equal(outputs[i], forward[i], 5);
        Assert.Equal(loss, trained, 5);
        Assert.Contains(g, v => Math.Abs(v) > 1e-3);
        for (int i = 0; i < g.Length; i++) Assert.True(Math.Abs(g[i] - network.Gradients[i]) <= 1e-5 + 1e-4 * Math.Abs(g[i]), $"gradient {i}: {network.Gradients[i]} vs {g[i]}");
    }

    private static ArgumentValue[] Dense(int units)
        => new[] { ArgumentValue.OfInt(units), ArgumentValue.OfBool(true), ArgumentValue.OfInit(InitKind.Default) };

    private static GraphNode Node(int index, string name, LayerDescriptor descriptor, int[] inputs, TensorShape[] shapes, TensorShape output, ArgumentValue[]? arguments = null)
        => new(index, name, LayerNames.ToPascal(name), "", descriptor, descriptor.Kind, new EquatableArray<ArgumentValue>(arguments ?? Array.Empty<ArgumentValue>()),
            new EquatableArray<int>(inputs), new EquatableArray<TensorShape>(shapes), output, null, DiagnosticSite.None);
}
