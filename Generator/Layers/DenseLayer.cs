using System.Collections.Generic;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// <c>[Dense(units, Bias = true, Init = ...)]</c>: y = x · wᵀ + b on the flattened input (C×H×W in that order), PyTorch's
/// <c>nn.Linear</c>: weight <c>[out, in]</c>, bias <c>[out]</c>.
/// </summary>
internal sealed class DenseLayer : LayerDescriptor
{
    public static readonly DenseLayer Instance = new();

    private const int Units = 0, Bias = 1, Init = 2;

    private static readonly ArgumentSpec[] Schema =
    {
        ArgumentSpec.RequiredInt("units", 0, "[Dense(128)]", ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedBool("Bias", true),
        ArgumentSpec.NamedInit("Init"),
    };

    public override string Kind => "Dense";

    public override string DefaultNamePrefix => "fc";

    public override string ConstructorExample(string attributeName) => "[Dense(units)], e.g. [Dense(128)]";

    public override IReadOnlyList<ArgumentSpec> Arguments => Schema;

    public override InferredShape? Infer(ShapeContext context)
    {
        int units = context.Argument(Units).Int;
        if (!context.FitsArray("the weight [" + Invariant.Int(units) + ", " + Invariant.Int(context.Input.Length) + "]", (long)units * context.Input.Length)) return null;
        return new InferredShape(TensorShape.Flat(units));
    }

    public override IReadOnlyList<ParameterSpec> Parameters(GraphNode node)
    {
        int outputs = node.Output.Length, inputs = node.Input.Length;
        var weight = new ParameterSpec("weight", new EquatableArray<int>(new[] { outputs, inputs }), IsBias: false);
        return node.Arguments[Bias].Bool
            ? new[] { weight, new ParameterSpec("bias", new EquatableArray<int>(new[] { outputs }), IsBias: true) }
            : new[] { weight };
    }

    public override (int FanIn, int FanOut) Fans(GraphNode node) => (node.Input.Length, node.Output.Length);

    public override InitKind DeclaredInit(GraphNode node) => node.Arguments[Init].Init;

    public override string Describe(GraphNode node) => "Dense" + (node.Arguments[Bias].Bool ? "" : ", no bias");

    public override string ArchitectureArguments(GraphNode node)
        => " units=" + Invariant.Int(node.Output.Length) + " bias=" + (node.Arguments[Bias].Bool ? "true" : "false");

    public override SavedTensors BackwardReads => SavedTensors.Input;

    public override void EmitForward(ForwardEmission e)
    {
        string inputs = Invariant.Int(e.Node.Input.Length), outputs = Invariant.Int(e.Node.Output.Length);
        e.Line($"{e.Header}; y = x · wᵀ + b, w [{outputs}, {inputs}]");
        if (!Emit.OwnedGradients.OwnsForward(e.Layer, e.Training, e.Sliced, e.WritesNetworkOutput))
        {
            e.Line($"{TypeNames.DenseKernels}.Forward({e.X}, {e.Weight}, {e.Bias}, {e.Y}, n, {inputs}, {outputs});");
            return;
        }
        e.Line("// On two or more threads by output features: each thread its range over every slice (reading only its rows of w,");
        e.Line("// those its share of the optimizer step writes), then a barrier before any thread reads its slice's outputs.");
        using (e.Open("if (ctx.Threads > 1)"))
        {
            e.Line($"(int first, int rows) = ctx.OwnedRange({outputs});");
            using (e.Open("for (int u = 0; u < ctx.Threads; u++)"))
            {
                e.Line("(int start, int m) = ctx.Slice(u);");
                e.Line("int from = start * WorkspacePerSample;");
                e.Line($"{TypeNames.DenseKernels}.ForwardRows(ctx.BatchInput.Slice(start * {inputs}, m * {inputs}), {e.Weight}, {e.Bias}, "
                    + $"{Emit.OwnedGradients.Rows(e.Layer.ActivationOffset, e.Node.Output.Length)}, m, {inputs}, {outputs}, first, rows);");
            }
            e.Line("ctx.Barrier();");
        }
        e.Line($"else {TypeNames.DenseKernels}.Forward({e.X}, {e.Weight}, {e.Bias}, {e.Y}, n, {inputs}, {outputs});");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        string x = e.Use(e.X);
        string inputs = Invariant.Int(e.Node.Input.Length), outputs = Invariant.Int(e.Node.Output.Length);
        e.Add($"{e.Header}; dw += dyᵀ · x, db += Σ dy (not while {e.Node.FullName} is frozen)");
        e.Trainable((dx, dw, db) => $"{TypeNames.DenseKernels}.Backward({x}, {e.Weight}, {e.Dy}, {dx}, {dw}, {db}, n, {inputs}, {outputs});");
    }
}
