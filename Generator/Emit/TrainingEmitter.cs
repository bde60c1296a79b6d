namespace Compiled.Generator.Emit;

/// <summary>
/// The TrainStep overloads and their step bodies, on the network's <c>StepRunner</c> (Runtime/Networks): every thread
/// runs the whole step on its slice of the batch, layer by layer (no chunks), in the runner's batch-wide workspace; the
/// runner adds the threads' gradients into Gradients in thread order and, with <c>StepOptions</c> (IFusedTrainStep, the
/// trainer's fused path), checks them and steps the optimizer in the same dispatch. Returns the mean loss.
/// </summary>
internal static class TrainingEmitter
{
    public static void Emit(SourceWriter w, Planning.NetworkPlan plan, LossHead loss)
    {
        w.Line();
        w.Line("/// <summary>The raw outputs [batch, OutputLength] of the last <c>TrainStep</c>, valid until the next one.</summary>");
        w.Line($"public {TypeNames.ReadOnlySpan} LastOutputs => _stepRunner.LastOutputs;");
        EmitStep(w, plan, loss, labels: true);
        EmitStep(w, plan, loss, labels: false);
        if (loss.TakesLabels) EmitBody(w, plan, loss, labels: true);
        if (loss.TakesTargets) EmitBody(w, plan, loss, labels: false);
    }

    private static void EmitStep(SourceWriter w, Planning.NetworkPlan plan, LossHead loss, bool labels)
    {
        string targetsType = labels ? TypeNames.IntReadOnlySpan : TypeNames.ReadOnlySpan;
        string targets = labels ? "labels" : "targets";
        string signature = $"public float TrainStep({TypeNames.ReadOnlySpan} input, {targetsType} {targets}, int batch)";
        string fused = $"public float TrainStep({TypeNames.ReadOnlySpan} input, {targetsType} {targets}, int batch, {TypeNames.StepOptions}? options)";
        bool supported = labels ? loss.TakesLabels : loss.TakesTargets;
        w.Line();
        if (!supported)
        {
            string message = Literals.String(loss.UnsupportedMessage(plan.ClassName, labels));
            w.Line($"/// <summary>Not supported: {Literals.Xml(loss.UnsupportedMessage(plan.ClassName, labels))}</summary>");
            w.Line(signature);
            w.Line($"    => throw new {TypeNames.NotSupportedException}({message});");
            w.Line();
            w.Line("/// <summary>Not supported, like the overload without options.</summary>");
            w.Line(fused);
            w.Line($"    => throw new {TypeNames.NotSupportedException}({message});");
            return;
        }

        w.Line(labels
            ? $"/// <summary>One training step on class labels [batch] in [0, {Literals.Int(plan.Output.Length)}): forward, {loss.Kind} loss, backward; adds (+=) the gradients to <see cref=\"Gradients\"/> and returns the loss, {loss.MeanDescription}.</summary>"
            : $"/// <summary>One training step on float targets {Literals.Xml(plan.Output.Batched.Replace("[n,", "[batch,"))}: forward, {loss.Kind} loss, backward; adds (+=) the gradients to <see cref=\"Gradients\"/> and returns the loss, {loss.MeanDescription}.</summary>");
        w.Line(signature);
        w.Line("    => TrainStep(input, " + targets + ", batch, null);");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The step above, then in the same parallel dispatch what <paramref name=\"options\"/> asks for: the finite check of the loss");
        w.Line("/// and gradients, and the optimizer's step, which zeroes the gradients (the trainer's fused path, <c>IFusedTrainStep</c>).");
        w.Line("/// </summary>");
        using (w.Open(fused))
        {
            w.Line(labels
                ? $"{TypeNames.Guard}.CheckLabels(input.Length, labels, batch, InputLength, OutputLength);"
                : $"{TypeNames.Guard}.CheckTargets(input.Length, targets.Length, batch, InputLength, OutputLength);");
            ModeEmitter.EmitAdvance(w, plan);
            w.Line(labels
                ? "float lossSum = _stepRunner.Train(_trainLabelsStep, input, InputLength, labels, default, OutputLength, batch, Gradients, options);"
                : "float lossSum = _stepRunner.Train(_trainTargetsStep, input, InputLength, default, targets, OutputLength, batch, Gradients, options);");
            w.Line($"return {loss.MeanExpression};");
        }
    }

    private static void EmitBody(SourceWriter w, Planning.NetworkPlan plan, LossHead loss, bool labels)
    {
        w.Line();
        w.Line($"// One thread's part of TrainStep with {(labels ? "labels" : "targets")}: the forward pass over its slice, the output going to the runner's");
        w.Line($"// LastOutputs rows; the loss (its gradient, scaled by 1 / {(loss.PerSample ? "batch" : "(batch · outputs)")}, into the output's gradient region; the kernel returns");
        w.Line("// the slice's loss sum); then the backward pass into this thread's gradients.");
        using (w.Open($"private void {(labels ? "TrainLabelsStep" : "TrainTargetsStep")}(in {TypeNames.StepContext} ctx)"))
        {
            w.Line(ForwardPassEmitter.SliceLocals);
            w.Line($"{ForwardPassEmitter.TrainingMethod}(in ctx);");
            w.Line($"// {loss.Name}: {loss.Kind} over {plan.Output.Batched}");
            w.Line($"ctx.AddLoss({loss.KernelCall(labels, "ctx.Output", ForwardPassEmitter.Region(plan.OutputGradientOffset, plan.Output.Length, sliced: true))});");
            if (BackwardPassEmitter.HasWork(plan)) w.Line("RunBackward(in ctx);");
        }
    }
}
