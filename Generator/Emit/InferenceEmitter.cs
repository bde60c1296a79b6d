using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Layers;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>Forward and Predict: check the spans, split the batch over the threads, run the forward pass per chunk.</summary>
internal static class InferenceEmitter
{
    /// <summary>
    /// Whether inference derives anything from the weights that it keeps between calls (filters packed by a convolution,
    /// batch norms folded or turned into a scale and shift, a dense layer's weights packed in an inference session), and
    /// so has <c>_inferenceWeights</c>.
    /// </summary>
    public static bool HasInferenceWeights(NetworkPlan plan)
        => WatchesWeights(plan) || plan.Layers.Any(l => l.Node.Descriptor is DenseLayer);

    // Whether a network's own calls compare weights: only where a convolution packs filters or a batch norm folds (a dense
    // layer's weights are not watched; only a session, whose weights nothing changes, keeps them packed).
    private static bool WatchesWeights(NetworkPlan plan)
        => ModeEmitter.HasBatchNorm(plan) || plan.Layers.Any(l => CostModel.PacksFilters(l.Node));

    // The parameter ranges inference derives things from: every convolution's, batch norm's and folded-into layer's weight
    // and bias (a superset of the packed filters and the folds' inputs: a batch norm folds into a dense layer too), adjacent
    // ranges merged.
    private static List<int> DerivedRanges(NetworkPlan plan)
    {
        var ranges = new List<int>();
        if (!WatchesWeights(plan)) return ranges;
        var producers = new HashSet<string>();
        if (ModeEmitter.HasBatchNorm(plan))
        {
            foreach (NormalizationLayout.Fold fold in new NormalizationLayout(plan).Folds) producers.Add(fold.Producer.Node.FullName);
        }
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Node.Descriptor is not (Conv2DLayer or BatchNormLayer) && !producers.Contains(layer.Node.FullName)) continue;
            Add(ranges, layer.WeightOffset, layer.WeightLength);
            Add(ranges, layer.BiasOffset, layer.BiasLength);
        }
        return ranges;

        static void Add(List<int> ranges, int offset, int length)
        {
            if (offset < 0 || length <= 0) return;
            int last = ranges.Count - 2;
            if (last >= 0 && ranges[last] + ranges[last + 1] == offset) ranges[last + 1] += length;
            else
            {
                ranges.Add(offset);
                ranges.Add(length);
            }
        }
    }

    private static void EmitInferenceWeights(SourceWriter w, NetworkPlan plan)
    {
        if (!HasInferenceWeights(plan)) return;
        List<int> ranges = DerivedRanges(plan);
        string parameters = ranges.Count > 0 ? $"new int[] {{ {string.Join(", ", ranges.Select(r => Literals.Int(r)))} }}" : $"{TypeNames.Array}.Empty<int>()";
        string state = plan.StateCount > 0 ? $"new int[] {{ 0, {Literals.Int(plan.StateCount)} }}" : $"{TypeNames.Array}.Empty<int>()";
        w.Line();
        if (ranges.Count > 0 || plan.StateCount > 0)
        {
            w.Line("// The parameters (pairs offset, length: every convolution's and batch norm's and each layer a batch norm folds into)");
            w.Line("// and the state inference derives packed filters and folded batch norms from: each Forward and Predict compares them");
            w.Line("// once and rederives only after a change.");
        }
        else
        {
            w.Line("// Nothing to watch (no convolution packs filters, no batch norm folds): the stamp marks a session's sealed copy, under");
            w.Line("// which the dense layers keep their weights packed.");
        }
        w.Line($"private readonly {TypeNames.InferenceWeights} _inferenceWeights = new {TypeNames.InferenceWeights}({parameters}, {state});");
    }

    // Forward's and Predict's first statements after the checks: whether the weights changed, and if so the refold.
    private static void EmitPrepare(SourceWriter w, NetworkPlan plan)
    {
        if (!HasInferenceWeights(plan)) return;
        string state = plan.StateCount > 0 ? "StateBuffer" : "default";
        if (ModeEmitter.HasBatchNorm(plan)) w.Line($"if (_runner.RefreshWeights(_inferenceWeights, Parameters, {state})) PrepareEvaluation();");
        else w.Line($"_runner.RefreshWeights(_inferenceWeights, Parameters, {state});");
    }

    // The stamp, and whether it covers every weight (sealed: a session's copy, so dense layers keep their weights packed;
    // a network's own calls watch only the ranges above, as comparing its dense weights per call would cost more than it saves).
    private static string StampArgument(NetworkPlan plan) => HasInferenceWeights(plan) ? ", _inferenceWeights.Stamp, _inferenceWeights.IsSealed" : "";

    // CreateInferenceSession: a copy of the network (its parameters and state, as many threads) that nothing else references,
    // its inference weights sealed (compared once, never again); a class that generated code cannot copy says why.
    private static void EmitCreateInferenceSession(SourceWriter w, NetworkPlan plan)
    {
        w.Line();
        w.Line("/// <inheritdoc/>");
        string className = Identifiers.Escape(plan.ClassName);
        if (plan.CopyObstacle is { } obstacle)
        {
            string message = $"{plan.ClassName} {obstacle}: generated code cannot make the copy of it that an inference session runs.";
            w.Line($"public {TypeNames.InferenceSession} CreateInferenceSession() => throw new {TypeNames.NotSupportedException}({Literals.String(message)});");
            return;
        }
        using (w.Open($"public {TypeNames.InferenceSession} CreateInferenceSession()"))
        {
            w.Line($"var copy = new {className}(Threads);");
            w.Line($"{TypeNames.Array}.Copy(Parameters, copy.Parameters, ParameterCount);");
            if (plan.State.Count > 0) w.Line($"{TypeNames.Array}.Copy(StateBuffer, copy.StateBuffer, StateCount);");
            if (HasInferenceWeights(plan)) w.Line("copy._inferenceWeights.Seal();");
            w.Line($"return new {TypeNames.InferenceSession}(copy);");
        }
    }

    public static void Emit(SourceWriter w, NetworkPlan plan, LossHead loss)
    {
        string inputShape = plan.Input.Batched.Replace("[n,", "[batch,");
        string outputShape = plan.Output.Batched.Replace("[n,", "[batch,");

        EmitInferenceWeights(w, plan);

        w.Line();
        w.Line($"/// <summary>Inference: the raw outputs {Literals.Xml(outputShape)} (logits or scores, before the loss head) of the inputs {Literals.Xml(inputShape)}; the batch is split over <see cref=\"Threads\"/>.</summary>");
        using (w.Open($"public void Forward({TypeNames.ReadOnlySpan} input, {TypeNames.Span} output, int batch)"))
        {
            w.Line($"{TypeNames.Guard}.CheckInference(input.Length, output.Length, batch, InputLength, OutputLength);");
            EmitPrepare(w, plan);
            w.Line($"_runner.Infer(_forwardChunk, input, InputLength, output, OutputLength, batch, ChunkSamples{StampArgument(plan)});");
        }

        w.Line();
        if (loss.HasLink)
        {
            w.Line($"/// <summary>Inference with the loss head's link: {loss.LinkDescription} {Literals.Xml(outputShape)} of the inputs {Literals.Xml(inputShape)}.</summary>");
            using (w.Open($"public void Predict({TypeNames.ReadOnlySpan} input, {TypeNames.Span} output, int batch)"))
            {
                w.Line($"{TypeNames.Guard}.CheckInference(input.Length, output.Length, batch, InputLength, OutputLength);");
                EmitPrepare(w, plan);
                w.Line($"_runner.Infer(_predictChunk, input, InputLength, output, OutputLength, batch, ChunkSamples{StampArgument(plan)});");
            }
        }
        else
        {
            w.Line($"/// <summary>Inference; the {(loss.Kind is null ? "network has no loss head" : "loss head " + loss.Kind + " has no link function")}, so this is <see cref=\"Forward\"/>.</summary>");
            w.Line($"public void Predict({TypeNames.ReadOnlySpan} input, {TypeNames.Span} output, int batch) => Forward(input, output, batch);");
        }

        EmitCreateInferenceSession(w, plan);

        LayerPlan last = plan.Layers[plan.Layers.Count - 1];
        w.Line();
        w.Line("// One chunk of Forward: the last layer writes straight into the chunk's output rows.");
        using (w.Open($"private float ForwardChunk(in {TypeNames.BatchChunk} chunk, {TypeNames.Workspace} workspace)"))
        {
            w.Line("int n = chunk.Count;");
            w.Line($"workspace.Reserve(n, WorkspacePerSample, 0, ArgmaxPerSample, ColumnLength);");
            w.Line("RunForward(chunk.Input, workspace, n, chunk.Output);");
            w.Line("return 0f;");
        }

        if (!loss.HasLink) return;
        w.Line();
        w.Line($"// One chunk of Predict: the outputs go to the workspace, then {loss.LinkDescription} to the chunk's output rows.");
        using (w.Open($"private float PredictChunk(in {TypeNames.BatchChunk} chunk, {TypeNames.Workspace} workspace)"))
        {
            w.Line("int n = chunk.Count;");
            w.Line($"workspace.Reserve(n, WorkspacePerSample, 0, ArgmaxPerSample, ColumnLength);");
            w.Line($"{TypeNames.Span} outputs = workspace.Activations({Literals.PerSample(last.ActivationOffset)}, {Literals.PerSample(plan.Output.Length)});");
            w.Line("RunForward(chunk.Input, workspace, n, outputs);");
            w.Line(loss.LinkCall("outputs", "chunk.Output"));
            w.Line("return 0f;");
        }
    }
}
