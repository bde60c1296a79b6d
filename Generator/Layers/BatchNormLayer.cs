using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Planning;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// <c>[BatchNorm(Momentum = 0.1, Epsilon = 1e-5)]</c>: PyTorch's <c>nn.BatchNorm1d</c> on features [f] (after a Dense layer)
/// and <c>nn.BatchNorm2d</c> on [c, h, w] (per channel, over the batch and the plane); any other tensor has no feature axis
/// (CMP0037). Parameters <c>weight</c> [C] (starts at 1) and <c>bias</c> [C] (0); state <c>running_mean</c> [C] (0),
/// <c>running_var</c> [C] (1) and <c>num_batches_tracked</c> [] (0, a float: see Runtime/Networks/BatchNormSteps).
/// </summary>
/// <remarks>
/// Training (the step body): the statistics of the whole batch across threads (<c>BatchNormSteps.TrainingForward</c>, two
/// barriers), which also update the running ones; the forward saves a copy of its input, which its backward reads
/// (<c>BatchNormSteps.Backward</c>, two barriers), because it runs in place over its input when the planner allows (after a
/// Conv2D or Dense layer whose output nothing else reads). Evaluation: folded into that Conv2D or Dense layer's weights
/// (<see cref="BatchNormFolding"/>), when it runs in place over its output, so it emits nothing; otherwise one pass
/// y = x·scale + shift from the running statistics. Followed by a ReLU that reads nothing else, both passes run fused
/// with it (<see cref="FusionLayout"/>): the batch norm then aliases its input instead of copying it.
/// </remarks>
internal sealed class BatchNormLayer : LayerDescriptor
{
    public static readonly BatchNormLayer Instance = new();

    private const int Momentum = 0, Epsilon = 1;

    private static readonly ArgumentSpec[] Schema =
    {
        ArgumentSpec.NamedDouble("Momentum", 0.1, ArgumentRange.Fraction),
        ArgumentSpec.NamedDouble("Epsilon", 1e-5, ArgumentRange.PositiveNumber),
    };

    /// <summary>Floats of a layer's block of the network's <c>_normStats</c>: 7·C for training (see BatchNormSteps), 2·C for evaluation's scale and shift.</summary>
    public static int StatsLength(GraphNode node) => 9 * node.Output.Channels;

    /// <summary>The epsilon as the kernels take it (a float).</summary>
    public static float EpsilonOf(GraphNode node) => node.Arguments[Epsilon].Float;

    public override string Kind => "BatchNorm";

    public override string DefaultNamePrefix => "bn";

    public override IReadOnlyList<ArgumentSpec> Arguments => Schema;

    public override bool ForwardDependsOnMode => true;

    public override bool CanRunInPlace => true;

    /// <summary>Weight 1 and bias 0, whatever the initialization seed (PyTorch's reset_parameters).</summary>
    public override (float Weight, float Bias)? FixedInit => (1f, 0f);

    public override bool PassesInitThrough => true;

    public override InferredShape? Infer(ShapeContext context)
    {
        TensorShape input = context.Input;
        if ((input.Rank == 1 || input.Rank == 3) && !input.HasTimeAxis) return new InferredShape(input);
        context.Report(DiagnosticDescriptors.BatchNormWithoutFeatureAxis, context.Name, input.ToString(), context.Source);
        return null;
    }

    public override IReadOnlyList<ParameterSpec> Parameters(GraphNode node)
    {
        var shape = new EquatableArray<int>(new[] { node.Output.Channels });
        return new[] { new ParameterSpec("weight", shape, IsBias: false), new ParameterSpec("bias", shape, IsBias: true) };
    }

    public override IReadOnlyList<StateSpec> State(GraphNode node)
    {
        var shape = new EquatableArray<int>(new[] { node.Output.Channels });
        return new[]
        {
            new StateSpec("running_mean", shape, 0f),
            new StateSpec("running_var", shape, 1f),
            new StateSpec("num_batches_tracked", EquatableArray<int>.Empty, 0f),
        };
    }

    public override (int FanIn, int FanOut) Fans(GraphNode node) => (node.Output.Channels, node.Output.Channels);

    public override string Describe(GraphNode node)
    {
        string text = node.Output.IsSpatial ? "BatchNorm per channel" : "BatchNorm per feature";
        if (node.Arguments[Momentum].Double != 0.1) text += ", momentum " + Invariant.Double(node.Arguments[Momentum].Double);
        if (node.Arguments[Epsilon].Double != 1e-5) text += ", eps " + Invariant.Double(node.Arguments[Epsilon].Double);
        return text;
    }

    public override string ArchitectureArguments(GraphNode node)
        => $" features={Invariant.Int(node.Output.Channels)} momentum={node.Arguments[Momentum]} eps={node.Arguments[Epsilon]}";

    public override IReadOnlyList<SavedSpec> Saved(GraphNode node) => new[] { new SavedSpec("input", ElementType.Float32, node.Output.Length, FromProducer: true) };

    /// <summary>Floats of each thread's partial slot its phases use: [sum | sum] over C.</summary>
    public override int PartialLength(GraphNode node) => 2 * node.Output.Channels;

    public override void EmitForward(ForwardEmission e)
    {
        GraphNode node = e.Node;
        int c = node.Output.Channels, s = node.Output.SpatialLength;
        int stats = e.Norm.StatsOffset(e.Layer);
        string statsBlock = $"new {TypeNames.Span}(_normStats, {Invariant.Int(stats)}, {Invariant.Int(7 * c)})";
        if (!e.Training)
        {
            if (e.Norm.FoldOfNorm(e.Layer) is { } fold)
            {
                e.Line($"{e.Header}: evaluation, folded into {fold.Producer.Node.FullName}'s weights and bias (nothing to do)");
                return;
            }
            if (e.Fusion.EvaluationRelu(e.Layer) is { } relu)
            {
                e.Line($"{e.Header}: evaluation, then {relu.Node.FullName} (ReLU) in the same pass: y = max(x·scale + shift, 0) from the running statistics");
                e.Line($"{TypeNames.BatchNormKernels}.NormalizeRelu({e.X}, new {TypeNames.ReadOnlySpan}(_normStats, {Invariant.Int(stats + 7 * c)}, {Invariant.Int(c)}), new {TypeNames.ReadOnlySpan}(_normStats, {Invariant.Int(stats + 8 * c)}, {Invariant.Int(c)}), {relu.Variable}, n, {Invariant.Int(c)}, {Invariant.Int(s)});");
                return;
            }
            e.Line($"{e.Header}: evaluation, y = x·scale + shift from the running statistics");
            string scale = $"new {TypeNames.ReadOnlySpan}(_normStats, {Invariant.Int(stats + 7 * c)}, {Invariant.Int(c)})", shift = $"new {TypeNames.ReadOnlySpan}(_normStats, {Invariant.Int(stats + 8 * c)}, {Invariant.Int(c)})";
            if (e.OutputStride == 0 && e.InputStride == 0)
                e.Line($"{TypeNames.BatchNormKernels}.Normalize({e.X}, {scale}, {shift}, {e.Y}, n, {Invariant.Int(c)}, {Invariant.Int(s)});");
            else
                e.PerSample($"{TypeNames.BatchNormKernels}.Normalize({e.XRow(node.Output.Length)}, {scale}, {shift}, {e.YRow(node.Output.Length)}, 1, {Invariant.Int(c)}, {Invariant.Int(s)});");
            return;
        }

        string running = $"    new {TypeNames.Span}(StateBuffer, {Invariant.Int(e.Norm.StateOffset(e.Layer, "running_mean"))}, {Invariant.Int(c)}), new {TypeNames.Span}(StateBuffer, {Invariant.Int(e.Norm.StateOffset(e.Layer, "running_var"))}, {Invariant.Int(c)}), new {TypeNames.Span}(StateBuffer, {Invariant.Int(e.Norm.StateOffset(e.Layer, "num_batches_tracked"))}, 1), {Literals.Float(node.Arguments[Momentum].Float)}, {Literals.Float(node.Arguments[Epsilon].Float)}";
        if (e.Fusion.TrainingRelu(e.Layer) is { } fused)
        {
            // Fused with the ReLU after it: x stays where it is (its backward reads it), y is the ReLU's output.
            bool gathered = e.Fusion.StatisticsGathered(e.Layer);
            e.Line($"{e.Header}; training: statistics of the whole batch (all threads){(gathered ? ", its slice's gathered by the convolution" : "")}, running statistics updated,");
            e.Line($"// then {fused.Node.FullName} (ReLU) in the same pass: {fused.Variable} = max(x·scale + shift, 0); x is kept for the backward");
            e.Line($"{TypeNames.BatchNormSteps}.TrainingForward(in ctx, {e.X}, {fused.Variable}, {Invariant.Int(c)}, {Invariant.Int(s)}, {e.Weight}, {e.Bias}, {statsBlock}, ref _normGather,");
            e.Line($"{running}, relu: true{(gathered ? ", statisticsGathered: true" : "")});");
            return;
        }

        string saved = e.Saved("input");
        int length = node.Output.Length;
        bool statistics = e.Fusion.StatisticsGathered(e.Layer);
        string gatheredArgument = statistics ? ", statisticsGathered: true" : "";
        e.Line($"{e.Header}; training: statistics of the whole batch (all threads){(statistics ? ", its slice's gathered by the convolution" : "")}, running statistics updated");
        FusionLayout.Residual? fusedResidual = e.Fusion.TrainingResidual(e.Layer);
        LayerPlan? fusedSum = fusedResidual?.Add;
        // Fused with a residual sum, y is the sum's (or its ReLU's) buffer, but x's is still reused after the sum's step.
        string why = e.InPlace && fusedSum is null ? ", which y overwrites" : fusedSum is not null ? $", whose buffer is free after {fusedSum.Node.FullName}" : "";
        if (e.Fusion.InputSavedByProducer(e.Layer))
            e.Line($"// x: the convolution before it wrote it into {saved}, the copy its backward reads (nothing to copy)");
        else e.Line(e.InputStride == 0
            ? $"{e.X}.CopyTo({saved}); // its backward reads x{why}"
            : $"{TypeNames.StridedRows}.Copy({e.X}, {Invariant.Int(e.InputStride)}, {saved}, {Invariant.Int(length)}, n, {Invariant.Int(length)}); // its backward reads x (rows of a concatenation){why}");
        if (fusedResidual is { } residual)
        {
            // A residual block's end: the sum with the shortcut and the ReLU after it in the same pass, into the last one's buffer.
            string then = residual.Relu is { } relu ? $"{residual.Add.Node.FullName} (+ {residual.Shortcut}) and {relu.Node.FullName} (ReLU)" : $"{residual.Add.Node.FullName} (+ {residual.Shortcut})";
            e.Line($"// then {then} in the same pass: {residual.Final.Variable} = {(residual.Relu is null ? "x·scale + shift + shortcut" : "max(x·scale + shift + shortcut, 0)")}");
            e.Line($"{TypeNames.BatchNormSteps}.TrainingForward(in ctx, {saved}, {residual.Final.Variable}, {Invariant.Int(c)}, {Invariant.Int(s)}, {e.Weight}, {e.Bias}, {statsBlock}, ref _normGather,");
            e.Line($"{running}{(residual.Relu is null ? "" : ", relu: true")}{gatheredArgument}, residual: {residual.Shortcut});");
            return;
        }
        string stride = e.OutputStride == 0 ? "" : $", yStride: {Invariant.Int(e.OutputStride)}";
        e.Line($"{TypeNames.BatchNormSteps}.TrainingForward(in ctx, {saved}, {e.Y}, {Invariant.Int(c)}, {Invariant.Int(s)}, {e.Weight}, {e.Bias}, {statsBlock}, ref _normGather,");
        e.Line($"{running}{gatheredArgument}{stride});");
    }

    /// <summary>
    /// Its output rows may be strided (a branch's slice of a concatenation): training normalizes into them (from its saved,
    /// contiguous copy of x), evaluation folds or normalizes per sample. Its backward reads dy contiguously.
    /// </summary>
    public override bool WritesStridedOutput => true;

    public override void EmitBackward(BackwardEmission e)
    {
        GraphNode node = e.Node;
        int c = node.Output.Channels, s = node.Output.SpatialLength;
        string k = Literals.Int(e.TrainableIndex);
        LayerPlan? fused = e.Fusion.TrainingRelu(e.Layer);
        // Fused with the ReLU after it: x is its input, left in place; dy is the gradient of the ReLU's output, masked by y > 0.
        string inputs = fused is null ? $"{e.Saved("input")}, {e.Dy}" : $"{e.Use(e.X)}, {e.Use(fused.Variable)}, {e.Dy}";
        string method = fused is null ? "Backward" : "BackwardRelu";
        string call(string dx, string dgamma, string dbeta)
            => $"{TypeNames.BatchNormSteps}.{method}(in ctx, {inputs}, {dx}, {Invariant.Int(c)}, {Invariant.Int(s)}, {e.Weight}, new {TypeNames.Span}(_normStats, {Invariant.Int(e.Norm.StatsOffset(e.Layer))}, {Invariant.Int(7 * c)}), ref _normGather, {dgamma}, {dbeta});";
        e.Add(fused is null
            ? $"{e.Header}; dγ, dβ and dx over the whole batch (all threads; dγ, dβ not while {node.FullName} is frozen)"
            : $"{e.Header}; with {fused.Node.FullName}'s mask (dy is its output's gradient): dγ, dβ and dx over the whole batch (all threads; dγ, dβ not while {node.FullName} is frozen)");
        string trained = $"!_freezing.IsFrozen({k})";
        if (!e.Layer.InputGradient)
        {
            e.Add($"if ({trained}) {call("default", e.WeightGradient, e.BiasGradient)}");
            return;
        }
        e.Add($"if ({trained} || _freezing.NeedsInputGradient({k})) {call($"_freezing.NeedsInputGradient({k}) ? {e.Dx} : default", $"{trained} ? {e.WeightGradient} : default", $"{trained} ? {e.BiasGradient} : default")}");
    }
}
