using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>Forward and Predict: check the spans, split the batch over the threads, run the forward pass per chunk.</summary>
internal static class InferenceEmitter
{
    public static void Emit(SourceWriter w, NetworkPlan plan, LossHead loss)
    {
        string inputShape = plan.Input.Batched.Replace("[n,", "[batch,");
        string outputShape = plan.Output.Batched.Replace("[n,", "[batch,");

        w.Line();
        w.Line($"/// <summary>Inference: the raw outputs {Literals.Xml(outputShape)} (logits or scores, before the loss head) of the inputs {Literals.Xml(inputShape)}; the batch is split over <see cref=\"Threads\"/>.</summary>");
        using (w.Open($"public void Forward({TypeNames.ReadOnlySpan} input, {TypeNames.Span} output, int batch)"))
        {
            w.Line($"{TypeNames.Guard}.CheckInference(input.Length, output.Length, batch, InputLength, OutputLength);");
            ModeEmitter.EmitPrepareCall(w, plan);
            w.Line("_runner.Infer(_forwardChunk, input, InputLength, output, OutputLength, batch, ChunkSamples);");
        }

        w.Line();
        if (loss.HasLink)
        {
            w.Line($"/// <summary>Inference with the loss head's link: {loss.LinkDescription} {Literals.Xml(outputShape)} of the inputs {Literals.Xml(inputShape)}.</summary>");
            using (w.Open($"public void Predict({TypeNames.ReadOnlySpan} input, {TypeNames.Span} output, int batch)"))
            {
                w.Line($"{TypeNames.Guard}.CheckInference(input.Length, output.Length, batch, InputLength, OutputLength);");
                ModeEmitter.EmitPrepareCall(w, plan);
                w.Line("_runner.Infer(_predictChunk, input, InputLength, output, OutputLength, batch, ChunkSamples);");
            }
        }
        else
        {
            w.Line($"/// <summary>Inference; the {(loss.Kind is null ? "network has no loss head" : "loss head " + loss.Kind + " has no link function")}, so this is <see cref=\"Forward\"/>.</summary>");
            w.Line($"public void Predict({TypeNames.ReadOnlySpan} input, {TypeNames.Span} output, int batch) => Forward(input, output, batch);");
        }

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
