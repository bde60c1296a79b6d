using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>
/// The TrainStep overloads: check the spans, split the batch over the threads (each zeroes its own gradient buffer,
/// runs forward, loss and backward per chunk), add the thread gradients into Gradients in thread order, return the mean loss.
/// </summary>
internal static class TrainingEmitter
{
    public static void Emit(SourceWriter w, NetworkPlan plan, LossHead loss)
    {
        EmitLastOutputs(w);
        EmitStep(w, plan, loss, labels: true);
        EmitStep(w, plan, loss, labels: false);
        if (loss.TakesLabels) EmitChunk(w, plan, loss, labels: true);
        if (loss.TakesTargets) EmitChunk(w, plan, loss, labels: false);
    }

    // The outputs of the last TrainStep, [batch, OutputLength]: each chunk copies its rows in, so the trainer can report a
    // running training accuracy without a second forward pass (ITrainingOutputs). Grows with the batch, like the workspaces.
    private static void EmitLastOutputs(SourceWriter w)
    {
        w.Line();
        w.Line("private float[] _lastOutputs = global::System.Array.Empty<float>();");
        w.Line("private int _lastBatch;");
        w.Line();
        w.Line("/// <summary>The raw outputs [batch, OutputLength] of the last <c>TrainStep</c>, valid until the next one.</summary>");
        w.Line($"public {TypeNames.ReadOnlySpan} LastOutputs => new {TypeNames.ReadOnlySpan}(_lastOutputs, 0, _lastBatch * OutputLength);");
    }

    private static void EmitStep(SourceWriter w, NetworkPlan plan, LossHead loss, bool labels)
    {
        string targetsType = labels ? TypeNames.IntReadOnlySpan : TypeNames.ReadOnlySpan;
        string targets = labels ? "labels" : "targets";
        string signature = $"public float TrainStep({TypeNames.ReadOnlySpan} input, {targetsType} {targets}, int batch)";
        bool supported = labels ? loss.TakesLabels : loss.TakesTargets;
        w.Line();
        if (!supported)
        {
            w.Line($"/// <summary>Not supported: {Literals.Xml(loss.UnsupportedMessage(plan.ClassName, labels))}</summary>");
            w.Line(signature);
            w.Line($"    => throw new {TypeNames.NotSupportedException}({Literals.String(loss.UnsupportedMessage(plan.ClassName, labels))});");
            return;
        }

        w.Line(labels
            ? $"/// <summary>One training step on class labels [batch] in [0, {Literals.Int(plan.Output.Length)}): forward, {loss.Kind} loss, backward; adds (+=) the gradients to <see cref=\"Gradients\"/> and returns the loss, {loss.MeanDescription}.</summary>"
            : $"/// <summary>One training step on float targets {Literals.Xml(plan.Output.Batched.Replace("[n,", "[batch,"))}: forward, {loss.Kind} loss, backward; adds (+=) the gradients to <see cref=\"Gradients\"/> and returns the loss, {loss.MeanDescription}.</summary>");
        using (w.Open(signature))
        {
            w.Line(labels
                ? $"{TypeNames.Guard}.CheckLabels(input.Length, labels, batch, InputLength, OutputLength);"
                : $"{TypeNames.Guard}.CheckTargets(input.Length, targets.Length, batch, InputLength, OutputLength);");
            w.Line("if (_lastOutputs.Length < batch * OutputLength) _lastOutputs = new float[batch * OutputLength];");
            w.Line("_lastBatch = batch;");
            w.Line(labels
                ? "float lossSum = _runner.Train(_trainLabelsChunk, input, InputLength, labels, default, OutputLength, batch, ChunkSamples, Gradients);"
                : "float lossSum = _runner.Train(_trainTargetsChunk, input, InputLength, default, targets, OutputLength, batch, ChunkSamples, Gradients);");
            w.Line($"return {loss.MeanExpression};");
        }
    }

    private static void EmitChunk(SourceWriter w, NetworkPlan plan, LossHead loss, bool labels)
    {
        LayerPlan last = plan.Layers[plan.Layers.Count - 1];
        w.Line();
        w.Line($"// One chunk of TrainStep with {(labels ? "labels" : "targets")}: forward into the workspace, the loss (its gradient, scaled by {loss.GradientScale.Replace("chunk.Batch", "batch")}, into the");
        w.Line("// output's gradient region; the kernel returns the chunk's loss sum), then backward into this thread's gradient buffer.");
        using (w.Open($"private float {(labels ? "TrainLabelsChunk" : "TrainTargetsChunk")}(in {TypeNames.BatchChunk} chunk, {TypeNames.Workspace} workspace)"))
        {
            w.Line("int n = chunk.Count;");
            w.Line("workspace.Reserve(n, WorkspacePerSample, 0, ArgmaxPerSample, ColumnLength);");
            w.Line($"{TypeNames.Span} outputs = workspace.Activations({Literals.PerSample(last.ActivationOffset)}, {Literals.PerSample(plan.Output.Length)});");
            w.Line($"{ForwardPassEmitter.TrainingMethod(plan)}(chunk.Input, workspace, n, outputs);");
            w.Line("outputs.CopyTo(new global::System.Span<float>(_lastOutputs, chunk.Start * OutputLength, n * OutputLength));");
            w.Line($"// {loss.Name}: {loss.Kind} over {plan.Output.Batched}");
            w.Line($"float loss = {loss.KernelCall(labels, "outputs", $"workspace.Activations({Literals.PerSample(plan.OutputGradientOffset)}, {Literals.PerSample(plan.Output.Length)})")};");
            if (BackwardPassEmitter.HasWork(plan)) w.Line("RunBackward(chunk.Input, workspace, n);");
            w.Line("return loss;");
        }
    }
}
