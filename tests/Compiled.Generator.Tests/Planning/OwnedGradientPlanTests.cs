using System.Linq;
using Compiled.Generator.Model;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Planning;
using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Planning;

/// <summary>
/// Weight gradients owned by output features (<see cref="CostModel.OwnsWeightGradient"/>): the owned pass is emitted for
/// exactly the Dense layers whose weight has at least <see cref="CostModel.OwnedWeightGradientFloats"/> floats in a training
/// network, and nowhere else; the runner is told to reduce only the other parameters; the owned layer's x and dy stay
/// alive until the pass; the cost report names the owned layers.
/// </summary>
public sealed class OwnedGradientPlanTests
{
    private const int Outputs = 64;

    // Input features that make a Dense(64)'s weight reach the threshold exactly, and one input feature fewer.
    private static readonly int AtThreshold = (CostModel.OwnedWeightGradientFloats + Outputs - 1) / Outputs;
    private static readonly int BelowThreshold = (CostModel.OwnedWeightGradientFloats - 1) / Outputs;

    private static (string Source, NetworkPlan Plan) Generate(string declaration)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled;\nnamespace Valid;\n" + declaration);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        var plan = ((StageResult<NetworkPlan>)outcome.Generator.TrackedSteps[TrackingNames.Plans].Single().Outputs.Single().Value).Value!;
        return (outcome.Source("Valid.A.g.cs"), plan);
    }

    [Fact]
    public void A_dense_layer_at_the_threshold_is_owned_and_the_runner_reduces_only_the_rest()
    {
        int inputs = AtThreshold, weight = inputs * Outputs;
        (string source, NetworkPlan plan) = Generate($"[Network] [Input({inputs})] [Dense({Outputs}), ReLU] [Dense(10), SoftmaxCrossEntropy] public partial class A;");

        Assert.True(plan.Layers.Single(l => l.Node.Name == "fc1").OwnedGradients);
        Assert.False(plan.Layers.Single(l => l.Node.Name == "fc2").OwnedGradients);
        string w = Literal(weight), b = Literal(Outputs), fc2 = Literal(weight + Outputs), fc2Length = Literal(Outputs * 10 + 10);
        // The slice's backward leaves fc1's dw and db to the owned pass on two or more threads (it has no dx: the first layer).
        Assert.Contains("bool owned = ctx.Threads > 1;", source);
        Assert.Contains($"DenseKernels.Backward(input, p.Slice(0, {w}), relu1Delta, default, owned ? default : g.Slice(0, {w}), owned ? default : g.Slice({w}, {b}), n, {Literal(inputs)}, {b});", source);
        // fc2 keeps its per-thread copy.
        Assert.Contains($"g.Slice({fc2}, {Literal(Outputs * 10)}), g.Slice({Literal(weight + Outputs + Outputs * 10)}, 10), n, {b}, 10);", source);
        // The owned pass: a barrier, then this thread's rows over every slice, in thread order, into the shared gradients.
        int pass = source.IndexOf("if (owned)", System.StringComparison.Ordinal);
        Assert.True(pass > 0 && source.IndexOf("ctx.Barrier();", pass, System.StringComparison.Ordinal) > pass);
        Assert.Contains($"(int first, int rows) = ctx.OwnedRange({b});", source);
        Assert.Contains($"DenseKernels.WeightGradientRows(ctx.BatchInput.Slice(start * {Literal(inputs)}, m * {Literal(inputs)}), ctx.Workspace(from{DeltaOffset(plan, "relu1Delta")}, {b} * m), shared.Slice(0, {w}), shared.Slice({w}, {b}), m, {Literal(inputs)}, {b}, first, rows);", source);
        Assert.Single(Occurrences(source, "WeightGradientRows("));
        // The runner reduces fc2's parameters only.
        Assert.Contains($"_stepRunner.SlicedGradients = [new global::Compiled.Networks.ParameterRange({fc2}, {fc2Length})];", source);
        Assert.Contains("dw owned: fc1 (Dense, in*out >= " + Invariant.Grouped(CostModel.OwnedWeightGradientFloats) + ")", plan.Summary);
    }

    [Fact]
    public void One_float_fewer_keeps_per_thread_copies_and_emits_no_owned_pass()
    {
        (string source, NetworkPlan plan) = Generate($"[Network] [Input({BelowThreshold})] [Dense({Outputs}), ReLU] [Dense(10), SoftmaxCrossEntropy] public partial class A;");

        Assert.All(plan.Layers, l => Assert.False(l.OwnedGradients));
        AssertNotOwned(source, plan);
    }

    [Fact]
    public void Convolutions_keep_per_thread_copies_whatever_their_size()
    {
        // conv1's weight: 64 · 64 · 3 · 3 = 36,864 floats per 4 (147,456) > the threshold; the Dense after it is small.
        (string source, NetworkPlan plan) = Generate("[Network] [Input(64, 6, 6)] [Conv2D(256, Kernel = 3), ReLU] [Dense(3), SoftmaxCrossEntropy] public partial class A;");

        Assert.True(plan.Layers.Single(l => l.Node.Name == "conv1").Node.ParameterCount > CostModel.OwnedWeightGradientFloats);
        AssertNotOwned(source, plan);
    }

    [Fact]
    public void An_inference_network_has_no_owned_pass()
    {
        (string source, NetworkPlan plan) = Generate($"[Network(Training = false)] [Input({AtThreshold})] [Dense({Outputs}), ReLU, Dense(10)] public partial class A;");

        AssertNotOwned(source, plan);
    }

    [Fact]
    public void Hidden_and_last_dense_layers_read_their_slices_regions_and_live_until_the_pass()
    {
        // fc1 reads the pooled tensor (a workspace region, after an in-place ReLU); fc2 is the last layer: its dy is the loss's.
        int hidden = AtThreshold;
        (string source, NetworkPlan plan) = Generate($"[Network] [Input(4, 8, 8)] [Conv2D(4, Kernel = 3, Padding = 1), ReLU, MaxPool(2)] [Dense({hidden}), ReLU] [Dense({Outputs}), SoftmaxCrossEntropy] public partial class A;");

        // Both weights are 64 · hidden floats (the pooled tensor is [4, 4, 4]): both owned, fc2 first (backward order).
        int end = 2 * plan.Layers.Count + 1;
        int previous = -1;
        foreach (string name in new[] { "fc2", "fc1" })
        {
            LayerPlan layer = plan.Layers.Single(l => l.Node.Name == name);
            Assert.True(layer.OwnedGradients, name);
            int rows = name == "fc1" ? hidden : Outputs, columns = name == "fc1" ? 64 : hidden;
            string call = $"DenseKernels.WeightGradientRows(ctx.Workspace(from{ActivationOffset(plan, layer.InputVariable)}, {Literal(columns)} * m), ctx.Workspace(from{DeltaOffset(plan, layer.OutputGradient)}, {Literal(rows)} * m), shared.Slice({Literal(layer.WeightOffset)}, {Literal(layer.WeightLength)}), shared.Slice({Literal(layer.BiasOffset)}, {Literal(rows)}), m, {Literal(columns)}, {Literal(rows)}, first, rows);";
            int at = source.IndexOf(call, System.StringComparison.Ordinal);
            Assert.True(at > previous, $"{name}'s owned call, after the previous layer's:\n{call}");
            previous = at;
            // Alive until after the last backward step (time 2K + 1 on the planner's timeline), so no later tensor reuses them.
            Assert.Equal(end, plan.Buffers.Single(b => b.Variable == layer.InputVariable).End);
            Assert.Equal(end, plan.Buffers.Single(b => b.Variable == layer.OutputGradient).End);
        }
        // conv1 keeps its per-thread copy: the runner reduces its weight and bias.
        Assert.Contains("_stepRunner.SlicedGradients = [new global::Compiled.Networks.ParameterRange(0, 148)];", source);
        Assert.Null(WorkspaceAllocator.FindOverlap(plan.Buffers.ToList()));
    }

    private static void AssertNotOwned(string source, NetworkPlan plan)
    {
        Assert.DoesNotContain("WeightGradientRows", source);
        Assert.DoesNotContain("bool owned", source);
        Assert.DoesNotContain("owned ? default", source);
        Assert.DoesNotContain("SlicedGradients", source);
        Assert.DoesNotContain("dw owned", plan.Summary);
    }

    private static string DeltaOffset(NetworkPlan plan, string variable)
        => Offset(plan.Buffers.Single(b => b.IsGradient && b.Variable == variable).Offset);

    private static string ActivationOffset(NetworkPlan plan, string variable)
        => Offset(plan.Layers.First(l => l.Variable == variable && l.ActivationOffset >= 0).ActivationOffset);

    private static string Offset(int offset) => offset == 0 ? "" : $" + {Literal(offset)} * m";

    private static string Literal(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static System.Collections.Generic.List<int> Occurrences(string text, string value)
    {
        var at = new System.Collections.Generic.List<int>();
        for (int i = text.IndexOf(value, System.StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, System.StringComparison.Ordinal)) at.Add(i);
        return at;
    }
}
