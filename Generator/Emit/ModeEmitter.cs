using System.Linq;
using Compiled.Generator.Layers;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>
/// What training and evaluation mode add to a network class: the dropout stream (<c>DropoutSeed</c>, <c>DropoutStep</c>
/// and the test hook <c>DropoutMaskOverride</c>) when it has a dropout layer, and <c>Forward(input, output, batch, mode)</c>,
/// which in <see cref="Compiled.NetworkMode"/> Training runs the training-mode forward pass on the step runner.
/// </summary>
internal static class ModeEmitter
{
    /// <summary>Whether the network has a dropout layer (and so the dropout stream's members).</summary>
    public static bool HasDropout(NetworkPlan plan) => plan.Layers.Any(l => l.Node.Descriptor is DropoutLayerBase);

    /// <summary>Floats of each thread's partial slot the step runner reserves: the most any layer's phases use.</summary>
    public static int PartialFloats(NetworkPlan plan) => plan.Layers.Count == 0 ? 0 : plan.Layers.Max(l => l.Node.Descriptor.PartialLength(l.Node));

    /// <summary>Whether the network has a batch norm (and so <c>_normStats</c> and <c>PrepareEvaluation</c>).</summary>
    public static bool HasBatchNorm(NetworkPlan plan) => plan.Layers.Any(l => l.Node.Descriptor is BatchNormLayer);

    /// <summary>Whether <c>Forward(..., NetworkMode.Training)</c> runs a pass of its own (a layer differs by mode and there is training code).</summary>
    public static bool HasTrainingForward(NetworkPlan plan) => plan.HasModes && plan.Training;

    /// <summary>The statements Initialize(seed) adds: the dropout stream restarts from the seed.</summary>
    public static void EmitInitialize(SourceWriter w, NetworkPlan plan)
    {
        if (!HasDropout(plan)) return;
        w.Line("// The dropout masks restart: a stream derived from the seed, from step 0.");
        w.Line($"DropoutSeed = {TypeNames.SeededRandom}.DeriveSeed(unchecked((ulong)seed), 0x44726F706F7574UL);");
        w.Line("DropoutStep = 0;");
    }

    /// <summary>The statement that advances the dropout step before a training-mode pass (TrainStep, Forward in training mode).</summary>
    public static void EmitAdvance(SourceWriter w, NetworkPlan plan)
    {
        if (HasDropout(plan)) w.Line("DropoutStep++;");
    }

    public static void Emit(SourceWriter w, NetworkPlan plan)
    {
        EmitBatchNorm(w, plan);
        if (HasDropout(plan))
        {
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// The seed of the dropout masks: a mask depends only on it, <see cref=\"DropoutStep\"/>, the layer and the sample's index in");
            w.Line("/// the batch (not on the thread count). <c>Initialize(seed)</c> derives it from the seed; checkpoints should save it with the step.");
            w.Line("/// </summary>");
            w.Line("public ulong DropoutSeed { get; set; }");
            w.Line();
            w.Line("/// <summary>The training-mode passes so far (each TrainStep and training-mode Forward advances it before it runs); 0 after <c>Initialize</c>.</summary>");
            w.Line("public long DropoutStep { get; set; }");
            w.Line();
            w.Line("/// <summary>Test hook: when set, it fills every dropout mask instead of the seeded stream (see <see cref=\"global::Compiled.Networks.DropoutMaskHook\"/>).</summary>");
            w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
            w.Line($"public {TypeNames.DropoutMaskHook}? DropoutMaskOverride {{ get; set; }}");
            w.Line();
            w.Line("/// <summary>The dropout stream's state in checkpoints (<c>Checkpoint</c> saves it under \"network\").</summary>");
            w.Line("public string StateKind => \"DropoutStream\";");
            w.Line();
            w.Line("/// <summary>Writes <see cref=\"DropoutSeed\"/> and <see cref=\"DropoutStep\"/>.</summary>");
            using (w.Open($"public void WriteState({TypeNames.StateBag} state)"))
            {
                w.Line("state.Integers[\"seed\"] = unchecked((long)DropoutSeed);");
                w.Line("state.Integers[\"step\"] = DropoutStep;");
            }
            w.Line();
            w.Line("/// <summary>Restores <see cref=\"DropoutSeed\"/> and <see cref=\"DropoutStep\"/>; a bag without them is refused and changes nothing.</summary>");
            using (w.Open($"public void ReadState({TypeNames.StateBag} state)"))
            {
                w.Line("if (!state.Integers.TryGetValue(\"seed\", out long seed) || !state.Integers.TryGetValue(\"step\", out long step) || step < 0)");
                w.Line("    throw new global::System.IO.InvalidDataException(\"The dropout stream's state needs the integers 'seed' and 'step' (step >= 0).\");");
                w.Line("DropoutSeed = unchecked((ulong)seed);");
                w.Line("DropoutStep = step;");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line(HasTrainingForward(plan)
            ? "/// Inference in <paramref name=\"mode\"/>: Evaluation is <see cref=\"Forward(global::System.ReadOnlySpan{float}, global::System.Span{float}, int)\"/>; Training runs the training-mode forward pass (dropout masks, batch statistics that update the running ones), e.g. for Monte-Carlo dropout."
            : HasModes(plan)
                ? "/// Inference in <paramref name=\"mode\"/>: Evaluation is <see cref=\"Forward(global::System.ReadOnlySpan{float}, global::System.Span{float}, int)\"/>; Training is not supported (the network has no training code)."
                : "/// Inference in <paramref name=\"mode\"/>: no layer of this network differs between the modes, so both are <see cref=\"Forward(global::System.ReadOnlySpan{float}, global::System.Span{float}, int)\"/>.");
        w.Line("/// </summary>");
        using (w.Open($"public void Forward({TypeNames.ReadOnlySpan} input, {TypeNames.Span} output, int batch, {TypeNames.NetworkMode} mode)"))
        {
            using (w.Open($"if (mode != {TypeNames.NetworkMode}.Evaluation && mode != {TypeNames.NetworkMode}.Training)"))
            {
                w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(mode), mode, \"mode must be NetworkMode.Evaluation or NetworkMode.Training.\");");
            }
            if (!HasTrainingForward(plan))
            {
                if (HasModes(plan))
                    w.Line($"if (mode == {TypeNames.NetworkMode}.Training) throw new {TypeNames.NotSupportedException}({Literals.String(plan.ClassName + " has no training code ([Network(Training = false)]), so it cannot run a training-mode forward pass.")});");
                w.Line("Forward(input, output, batch);");
                return;
            }
            using (w.Open($"if (mode == {TypeNames.NetworkMode}.Evaluation)"))
            {
                w.Line("Forward(input, output, batch);");
                w.Line("return;");
            }
            w.Line($"{TypeNames.Guard}.CheckInference(input.Length, output.Length, batch, InputLength, OutputLength);");
            EmitAdvance(w, plan);
            w.Line("_stepRunner.Infer(_trainingForwardStep ??= TrainingForwardStep, input, InputLength, output, OutputLength, batch);");
        }
        if (!HasTrainingForward(plan)) return;

        w.Line();
        w.Line($"private {TypeNames.StepBody}? _trainingForwardStep;");
        w.Line();
        w.Line("// One thread's part of a training-mode Forward: the training forward pass over its slice, into its rows of the output.");
        w.Line($"private void TrainingForwardStep(in {TypeNames.StepContext} ctx) => {ForwardPassEmitter.TrainingMethod}(in ctx);");
    }

    private static bool HasModes(NetworkPlan plan) => plan.HasModes;

    // The batch norms' buffers and the evaluation coefficients or folded weights Forward and Predict use.
    private static void EmitBatchNorm(SourceWriter w, NetworkPlan plan)
    {
        if (!HasBatchNorm(plan)) return;
        var layout = new NormalizationLayout(plan);
        w.Line();
        w.Line("// Each batch norm's block: the batch mean, 1/√(var + eps), the training scale and shift, the backward's coefficients (7·C, written by");
        w.Line("// thread 0 between barriers), then evaluation's scale and shift (2·C). _normGather: thread 0's room for every thread's partial sums.");
        w.Line($"private readonly float[] _normStats = new float[{Literals.Int(layout.StatsLength)}];");
        w.Line("private float[] _normGather = global::System.Array.Empty<float>();");
        if (layout.FoldedLength > 0)
        {
            w.Line();
            w.Line("// Evaluation's weights and biases of the layers a batch norm is folded into (refolded when the weights change), pinned:");
            w.Line("// the packed filters kept for them are found by address (InferenceWeights).");
            w.Line($"private readonly float[] _folded = {TypeNames.GC}.AllocateArray<float>({Literals.Int(layout.FoldedLength)}, pinned: true);");
        }
        w.Line();
        w.Line("// Evaluation's batch norms from the current parameters and running statistics: the folded weights and biases, and the");
        w.Line("// scale and shift of the others. Forward and Predict call it when the weights or statistics changed (_inferenceWeights).");
        using (w.Open("private void PrepareEvaluation()"))
        {
            w.Line($"{TypeNames.ReadOnlySpan} p = Parameters;");
            w.Line($"{TypeNames.ReadOnlySpan} state = StateBuffer;");
            foreach (LayerPlan layer in plan.Layers)
            {
                if (layer.Node.Descriptor is not BatchNormLayer) continue;
                int c = layer.Node.Output.Channels;
                string gamma = $"p.Slice({Literals.Int(layer.WeightOffset)}, {Literals.Int(c)})", beta = $"p.Slice({Literals.Int(layer.BiasOffset)}, {Literals.Int(c)})";
                string mean = $"state.Slice({Literals.Int(layout.StateOffset(layer, "running_mean"))}, {Literals.Int(c)})";
                string variance = $"state.Slice({Literals.Int(layout.StateOffset(layer, "running_var"))}, {Literals.Int(c)})";
                string eps = Literals.Float(BatchNormLayer.EpsilonOf(layer.Node));
                if (layout.FoldOfNorm(layer) is { } fold)
                {
                    LayerPlan producer = fold.Producer;
                    string bias = producer.BiasOffset < 0 ? "default" : $"p.Slice({Literals.Int(producer.BiasOffset)}, {Literals.Int(producer.BiasLength)})";
                    w.Line($"// {layer.Node.FullName} folded into {producer.Node.FullName}");
                    w.Line($"{TypeNames.BatchNormKernels}.Fold(p.Slice({Literals.Int(producer.WeightOffset)}, {Literals.Int(producer.WeightLength)}), {bias}, {gamma}, {beta}, {mean}, {variance}, {eps},");
                    w.Line($"    new {TypeNames.Span}(_folded, {Literals.Int(fold.WeightOffset)}, {Literals.Int(fold.WeightLength)}), new {TypeNames.Span}(_folded, {Literals.Int(fold.BiasOffset)}, {Literals.Int(fold.BiasLength)}));");
                }
                else
                {
                    w.Line($"// {layer.Node.FullName}: y = x·scale + shift");
                    w.Line($"{TypeNames.BatchNormSteps}.EvaluationCoefficients({gamma}, {beta}, {mean}, {variance}, {eps}, new {TypeNames.Span}(_normStats, {Literals.Int(layout.StatsOffset(layer) + 7 * c)}, {Literals.Int(2 * c)}));");
                }
            }
        }
    }
}
