using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Losses;
using Compiled.Generator.Model;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;
using Compiled.Generator.Tests.Emission;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests.Graph;

/// <summary>
/// What the descriptor API offers the layers still to come (batch norm, dropout), exercised end to end with a test-only
/// descriptor: state tensors (StateBuffer, StateTable, their initial values), a float tensor saved for the backward
/// (planned by liveness), and a forward that differs between training (TrainStep) and evaluation (Forward). The network
/// is planned, emitted, compiled and run, and held against generated networks that compute the same.
/// </summary>
public sealed class DescriptorPlumbingTests
{
    /// <summary>Test-only: ReLU in training mode (saving its output as a mask), the identity in evaluation; two state tensors.</summary>
    private sealed class ModeLayer : LayerDescriptor
    {
        public static readonly ModeLayer Instance = new();

        public override string Kind => "TestMode";

        public override string? AttributeClass => null;

        public override string DefaultNamePrefix => "mode";

        public override bool ForwardDependsOnMode => true;

        public override InferredShape? Infer(ShapeContext context) => new(context.Input);

        public override IReadOnlyList<StateSpec> State(GraphNode node)
        {
            var shape = new EquatableArray<int>(new[] { node.Output.Channels });
            return new[] { new StateSpec("running_mean", shape, 0f), new StateSpec("running_var", shape, 1f) };
        }

        public override IReadOnlyList<SavedSpec> Saved(GraphNode node) => new[] { new SavedSpec("mask", ElementType.Float32, node.Output.Length) };

        public override void EmitForward(ForwardEmission e)
        {
            e.Line(e.Header);
            if (!e.Training)
            {
                e.Line($"{e.X}.CopyTo({e.Y});");
                return;
            }
            e.Line($"{TypeNames.ActivationKernels}.Relu({e.X}, {e.Y});");
            e.Line($"{e.Y}.CopyTo({e.Saved("mask")});");
        }

        public override void EmitBackward(BackwardEmission e)
        {
            e.Add(e.Header);
            e.Add($"{TypeNames.ActivationKernels}.ReluBackward({e.Saved("mask")}, {e.Dy}, {e.Dx});");
        }
    }

    private static string Emit(out NetworkPlan plan)
    {
        var layers = new[]
        {
            new LayerDeclaration(DenseLayer.Instance, "Dense", null, new EquatableArray<ArgumentValue>(new[] { ArgumentValue.OfInt(3), ArgumentValue.OfBool(true), ArgumentValue.OfInit(InitKind.Default) }), DiagnosticSite.None),
            new LayerDeclaration(ModeLayer.Instance, "TestMode", null, EquatableArray<ArgumentValue>.Empty, DiagnosticSite.None),
            new LayerDeclaration(DenseLayer.Instance, "Dense", null, new EquatableArray<ArgumentValue>(new[] { ArgumentValue.OfInt(2), ArgumentValue.OfBool(true), ArgumentValue.OfInit(InitKind.Default) }), DiagnosticSite.None),
            new LayerDeclaration(MeanSquaredErrorLayer.Instance, "MeanSquaredError", null, EquatableArray<ArgumentValue>.Empty, DiagnosticSite.None),
        };
        var declaration = new NetworkDeclaration("Valid", "A", true, new EquatableArray<int>(new[] { 4 }), DiagnosticSite.None,
            new EquatableArray<LayerDeclaration>(layers), EquatableArray<ClassMember>.Empty);
        ShapedNetwork shaped = ShapeInference.Infer("Valid.A", declaration).Value!;
        plan = Planner.Plan("Valid.A", shaped).Value!;
        return NetworkEmitter.Emit(plan, "1.0.0.0");
    }

    [Fact]
    public void State_saved_tensors_and_modes_are_planned_and_emitted()
    {
        string source = Emit(out NetworkPlan plan);

        Assert.True(plan.HasModes);
        Assert.Equal(new[] { "mode1.running_mean", "mode1.running_var" }, plan.State.Select(s => s.Name));
        Assert.Equal(6, plan.StateCount);
        Assert.Contains("public const int StateCount = 6;", source);
        Assert.Contains("public float[] StateBuffer { get; } = new float[StateCount];", source);
        Assert.Contains("new global::Compiled.ParameterInfo(\"mode1.running_var\", \"mode1\", 3, new int[] { 3 }),", source);
        Assert.Contains("global::System.Array.Fill(StateBuffer, 1f, 3, 3); // mode1.running_var", source);

        // The mask lives from the forward to the backward, apart from the tensors alive meanwhile.
        LayerPlan mode = plan.Layers[1];
        SavedPlan mask = Assert.Single(mode.Saved);
        Assert.Equal("mode1Mask", mask.Variable);
        BufferPlan buffer = plan.Buffers.Single(b => b.Variable == "mode1Mask");
        Assert.Equal((1, 2 * 3 - 1), (buffer.Start, buffer.End));
        Assert.Null(WorkspaceAllocator.FindOverlap(plan.Buffers.ToList()));

        // Two forward passes; TrainStep runs the training one.
        Assert.Contains("private void RunTrainingForward(in global::Compiled.Networks.StepContext ctx)", source);
        Assert.Contains("RunTrainingForward(in ctx);", source);
        Assert.Contains("RunForward(chunk.Input, workspace, n, chunk.Output);", source);
    }

    [Fact]
    public void The_emitted_network_runs_training_and_evaluation_modes_and_keeps_its_state()
    {
        string source = Emit(out NetworkPlan plan);
        var network = (ITrainableNetwork)Create(source, plan);
        var relu = (ITrainableNetwork)LoadedNetworks.Create("using Compiled; namespace Valid; [Network] [Input(4)] [Dense(3), ReLU, Dense(2), MeanSquaredError] public partial class R;", "Valid.R");
        var linear = (ITrainableNetwork)LoadedNetworks.Create("using Compiled; namespace Valid; [Network] [Input(4)] [Dense(3), Dense(2), MeanSquaredError] public partial class L;", "Valid.L");

        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1 }, network.StateBuffer);
        Assert.Equal(new[] { "mode1.running_mean", "mode1.running_var" }, network.StateTable.Select(t => t.Name));
        static string Table(string summary) => summary.Substring(0, summary.IndexOf("Workspace per sample", StringComparison.Ordinal));
        Assert.Equal(Table(network.Summary).Replace("mode1 (TestMode)", "relu1 (ReLU)    "), Table(relu.Summary).Replace("Network: R", "Network: A"));

        network.Initialize(7);
        network.Parameters.CopyTo(relu.Parameters, 0);
        network.Parameters.CopyTo(linear.Parameters, 0);
        float[] input = { 0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f, -2f, 1f, 0.1f, 0.2f, -0.3f, 0.4f };
        float[] targets = { 1f, -1f, 0.5f, 0.25f, -0.5f, 2f };

        // Evaluation: the identity, so the linear network's outputs.
        float[] evaluated = new float[6], expected = new float[6];
        network.Forward(input, evaluated, 3);
        linear.Forward(input, expected, 3);
        Assert.Equal(expected, evaluated);

        // Training: ReLU, with the gradient through the saved mask: the ReLU network's loss, outputs and gradients, bit for bit.
        float loss = network.TrainStep(input, targets, 3);
        float reluLoss = relu.TrainStep(input, targets, 3);
        Assert.Equal(reluLoss, loss);
        Assert.Equal(((ITrainingOutputs)relu).LastOutputs.ToArray(), ((ITrainingOutputs)network).LastOutputs.ToArray());
        Assert.Equal(relu.Gradients, network.Gradients);
        Assert.Contains(relu.Gradients, g => g != 0f);
    }

    private static INetwork Create(string generated, NetworkPlan plan)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation("namespace Valid { public partial class A { } }")
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(generated, GeneratorHarness.ParseOptions, path: "Valid.A.g.cs"));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        Assert.True(result.Success);
        image.Position = 0;
        Type type = new AssemblyLoadContext("plumbing-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(image).GetType("Valid.A", throwOnError: true)!;

        // Every member the emitter declared is one GeneratedMembers reserves.
        string[] declared = type.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => m is not System.Reflection.ConstructorInfo && !m.Name.Contains('<') && !m.Name.Contains('.') /* explicit implementations: GeneratedMembersTests */ && !m.Name.StartsWith("get_", StringComparison.Ordinal) && !m.Name.StartsWith("set_", StringComparison.Ordinal))
            .Select(m => m.Name).Distinct().ToArray();
        HashSet<string> reserved = GeneratedMembers.Of(plan).Select(m => m.Name).ToHashSet();
        Assert.All(declared, name => Assert.True(reserved.Contains(name), $"{name} is emitted but not reserved"));
        return (INetwork)Activator.CreateInstance(type, 1)!;
    }
}
