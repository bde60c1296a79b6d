using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Model;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Planning;
using Compiled.Generator.Tests.Emission;
using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Planning;

/// <summary>
/// The workspace planned by liveness: dead tensors' memory is reused (a chain needs less than the sum of its tensors),
/// no two tensors alive together overlap, every gradient a backward reads or writes is a region of the right size, and
/// the summary states the total. (The planner also runs the overlap check itself, so every differential-test network
/// is checked as it compiles.)
/// </summary>
public sealed class WorkspacePlanTests
{
    private static NetworkPlan Plan(string declaration)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(declaration.Contains("namespace") ? declaration : "using Compiled;\nnamespace Valid;\n" + declaration.Replace("using Compiled;", ""));
        Assert.Empty(outcome.GeneratorDiagnostics);
        var result = (StageResult<NetworkPlan>)outcome.Generator.TrackedSteps[TrackingNames.Plans].Single().Outputs.Single().Value;
        return result.Value!;
    }

    public static TheoryData<string> Networks()
    {
        var data = new TheoryData<string> { TestNetworks.LeNet5, TestNetworks.Mlp };
        foreach (string declaration in ValidNetworkTests.Declarations) data.Add(declaration);
        data.Add("[Network] [Input(1, 12, 12)] [Conv2D(4, Padding = 1), ReLU, Conv2D(4, Padding = 1), Tanh, MaxPool(2), Conv2D(8), ELU, Flatten, Dense(6), LeakyReLU, Dense(3), SoftmaxCrossEntropy] public partial class A;");
        data.Add("[Network(Training = false)] [Input(1, 12, 12)] [Conv2D(4, Padding = 1), ReLU, Conv2D(4, Padding = 1), ReLU, MaxPool(2), Flatten, Dense(3)] public partial class A;");
        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void No_two_tensors_alive_together_share_memory_and_every_gradient_has_its_region(string declaration)
    {
        NetworkPlan plan = Plan(declaration);

        Assert.Null(WorkspaceAllocator.FindOverlap(plan.Buffers.ToList()));
        Assert.Equal(plan.Buffers.Max(b => b.Offset + b.Length), plan.WorkspacePerSample);
        Dictionary<string, BufferPlan> byName = plan.Buffers.ToDictionary(b => b.Variable);
        foreach (LayerPlan layer in plan.Layers.Where(l => l.ActivationOffset >= 0))
        {
            Assert.True(layer.ActivationOffset == byName[layer.Variable].Offset && layer.Operand.Length == byName[layer.Variable].Length,
                $"{layer.Node.Name}: {layer.Variable} at {layer.ActivationOffset}, operand {layer.Operand}; buffer {byName[layer.Variable]}");
        }
        foreach (LayerPlan layer in plan.Layers.Where(l => l.Backward && plan.Training))
        {
            Assert.True(layer.Operand.Length == byName[layer.OutputGradient].Length, $"{layer.Node.Name}: dy {layer.OutputGradient} [{byName[layer.OutputGradient].Length}], operand {layer.Operand}");
            if (!layer.InputGradient) continue;
            if (layer.Node.Descriptor.BackwardInPlace) Assert.Equal(layer.OutputGradient, layer.InputGradientVariable); // dx overwrites dy
            else Assert.Equal(layer.Node.Input.Length, byName[layer.InputGradientVariable].Length);
        }
        if (plan.Training) Assert.Equal(plan.OutputGradientOffset, byName[plan.Steps[^1].Node.Identifier.Substring(0, 1).ToLowerInvariant() + plan.Steps[^1].Node.Identifier.Substring(1) + "Delta"].Offset);
        else Assert.DoesNotContain(plan.Buffers, b => b.IsGradient);
    }

    [Theory]
    [InlineData(TestNetworks.LeNet5, 7056)]
    [InlineData(TestNetworks.Mlp, 320)]
    public void A_chain_reuses_the_memory_of_dead_tensors(string declaration, int expected)
    {
        NetworkPlan plan = Plan(declaration);

        int naive = plan.Buffers.Sum(b => b.Length);
        Assert.True(plan.WorkspacePerSample < naive, $"{plan.WorkspacePerSample} floats per sample, no less than the {naive} of one region per tensor");
        Assert.Equal(expected, plan.WorkspacePerSample);
        // Some two tensors share floats (at different times).
        Assert.Contains(plan.Buffers, a => plan.Buffers.Any(b => !ReferenceEquals(a, b) && a.SharesMemory(b)));
    }

    [Fact]
    public void LeNet5_summary_states_the_workspace_per_sample()
    {
        NetworkPlan plan = Plan(TestNetworks.LeNet5);

        // 7,056 floats of activations and gradients + 1,576 arg-max indices; the im2col buffer is per thread.
        Assert.Contains("Workspace per sample: 8,632 floats (33.7 KB), plus 19,600 floats of im2col columns per thread\n", plan.Summary);
    }

    [Fact]
    public void An_inference_network_keeps_nothing_for_a_backward_pass()
    {
        const string layers = "[Input(1, 12, 12)] [Conv2D(4, Padding = 1), ReLU, Conv2D(4, Padding = 1), ReLU, Conv2D(4, Padding = 1), Flatten, Dense(3)";
        NetworkPlan inference = Plan($"[Network(Training = false)] {layers}] public partial class A;");
        NetworkPlan training = Plan($"[Network] {layers}, MeanSquaredError] public partial class A;");

        // Inference: conv1Out, conv2Out, conv3Out [576] each, two alive at a time; fc1Out [3] takes dead conv2Out's floats.
        Assert.Equal(2 * 576, inference.WorkspacePerSample);
        Assert.True(training.WorkspacePerSample > inference.WorkspacePerSample);
    }

    [Fact]
    public void The_checker_finds_tensors_that_live_together_in_the_same_floats()
    {
        var a = new BufferPlan("aOut", 0, 100, 0, 3, false);
        var later = new BufferPlan("bDelta", 50, 100, 4, 6, true);
        var together = new BufferPlan("cOut", 99, 10, 3, 4, false);
        var apart = new BufferPlan("dOut", 150, 10, 0, 9, false);

        Assert.Null(WorkspaceAllocator.FindOverlap(new[] { a, later, apart }));
        string? overlap = WorkspaceAllocator.FindOverlap(new[] { a, later, together });
        Assert.NotNull(overlap);
        Assert.Contains("aOut [0, 100) at times 0..3", overlap);
        Assert.Contains("cOut [99, 109) at times 3..4", overlap);
    }
}
