using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>Fields, constructors, the INetwork properties, Initialize and ZeroGradients.</summary>
internal static class MembersEmitter
{
    public static void Emit(SourceWriter w, NetworkPlan plan, LossHead loss)
    {
        w.Line();
        if (plan.Training) w.Line("// Inference splits the batch in chunks over _runner's threads; training runs whole slices layer by layer on _stepRunner's.");
        w.Line($"private readonly {TypeNames.BatchRunner} _runner;");
        if (plan.Training) w.Line($"private readonly {TypeNames.StepRunner} _stepRunner;");
        foreach (string body in Bodies(plan, loss)) w.Line($"private readonly {TypeNames.BatchBody} {BodyField(body)};");
        if (plan.Training) foreach (string body in StepBodies(loss)) w.Line($"private readonly {TypeNames.StepBody} {BodyField(body)};");

        w.Line();
        w.Line("/// <summary>Creates the network on all cores. Its parameters are zero until <see cref=\"Initialize\"/> (or a loaded checkpoint) fills them.</summary>");
        w.Line($"public {Identifiers.Escape(plan.ClassName)}()");
        w.Line("    : this(0)");
        using (w.Open())
        {
        }
        w.Line();
        w.Line("/// <summary>Creates the network; <paramref name=\"threads\"/> threads split every batch (0 or negative: all cores).</summary>");
        using (w.Open($"public {Identifiers.Escape(plan.ClassName)}(int threads)"))
        {
            w.Line($"_runner = new {TypeNames.BatchRunner}(threads);");
            if (plan.Training)
            {
                w.Line($"_stepRunner = new {TypeNames.StepRunner}(threads);");
                w.Line($"_stepRunner.Reserve(WorkspacePerSample, ArgmaxPerSample, ColumnLength, {Literals.Int(ModeEmitter.PartialFloats(plan))});");
                OwnedGradients.EmitSlicedRanges(w, plan);
            }
            foreach (string body in Bodies(plan, loss)) w.Line($"{BodyField(body)} = {body};");
            if (plan.Training) foreach (string body in StepBodies(loss)) w.Line($"{BodyField(body)} = {body};");
            if (plan.State.Count > 0) w.Line("ResetState();");
        }

        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line(InferenceEmitter.HasInferenceWeights(plan)
            ? $"public float[] Parameters {{ get; }} = {TypeNames.GC}.AllocateArray<float>(ParameterCount, pinned: true);"
            : "public float[] Parameters { get; } = new float[ParameterCount];");
        if (plan.Training)
        {
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public float[] Gradients { get; } = new float[ParameterCount];");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {TypeNames.ReadOnlyList}<{TypeNames.ParameterInfo}> ParameterTable => s_parameterTable;");
        if (plan.State.Count > 0)
        {
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public float[] StateBuffer { get; } = new float[StateCount];");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line($"public {TypeNames.ReadOnlyList}<{TypeNames.ParameterInfo}> StateTable => s_stateTable;");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {TypeNames.ReadOnlyList}<int> InputShape => s_inputShape;");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public {TypeNames.LossKind} Loss => {TypeNames.LossKind}.{loss.LossKindMember};");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public string Summary => ModelSummary;");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public string Architecture => {Literals.String(plan.Architecture)};");
        w.Line();
        w.Line("/// <summary>Threads that split every batch; results are deterministic for a fixed count. Setting it (0 or negative: all cores) restarts the worker threads.</summary>");
        using (w.Open("public int Threads"))
        {
            w.Line("get => _runner.Threads;");
            if (!plan.Training)
            {
                w.Line("set => _runner.Threads = value;");
            }
            else
            {
                using (w.Open("set"))
                {
                    w.Line("_runner.Threads = value;");
                    w.Line("_stepRunner.Threads = value;");
                }
            }
        }
        w.Line();
        w.Line("/// <summary>Ends the network's worker threads; calls afterwards throw <see cref=\"global::System.ObjectDisposedException\"/>.</summary>");
        using (w.Open("public void Dispose()"))
        {
            w.Line("_runner.Dispose();");
            if (plan.Training) w.Line("_stepRunner.Dispose();");
        }
        w.Line();
        w.Line($"int {TypeNames.INetwork}.InputLength => InputLength;");
        w.Line();
        w.Line($"int {TypeNames.INetwork}.OutputLength => OutputLength;");

        EmitInitialize(w, plan);

        if (plan.Training)
        {
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line($"public void ZeroGradients() => {TypeNames.Array}.Clear(Gradients);");
            EmitFreezing(w, plan);
        }
    }

    /// <summary>The chunk bodies the network hands to its batch runner (inference), by method name.</summary>
    public static System.Collections.Generic.IEnumerable<string> Bodies(NetworkPlan plan, LossHead loss)
    {
        yield return "ForwardChunk";
        if (loss.HasLink) yield return "PredictChunk";
    }

    /// <summary>The step bodies the network hands to its step runner (training networks), by method name.</summary>
    public static System.Collections.Generic.IEnumerable<string> StepBodies(LossHead loss)
    {
        if (loss.TakesLabels) yield return "TrainLabelsStep";
        if (loss.TakesTargets) yield return "TrainTargetsStep";
    }

    private static void EmitInitialize(SourceWriter w, NetworkPlan plan)
    {
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Fills the parameters from <paramref name=\"seed\"/>, layer by layer in order, weight then bias: the same seed gives the");
        w.Line("/// same parameters on every platform. He normal before a ReLU-family activation, Xavier uniform otherwise, zero biases,");
        w.Line("/// unless a layer's <c>Init</c> says otherwise.");
        w.Line("/// </summary>");
        using (w.Open("public void Initialize(int seed)"))
        {
            if (plan.State.Count > 0) w.Line("ResetState();");
            ModeEmitter.EmitInitialize(w, plan);
            if (plan.ParameterCount == 0)
            {
                w.Line("// This network has no parameters.");
                return;
            }
            w.Line($"var random = new {TypeNames.SeededRandom}(unchecked((ulong)seed));");
            w.Line($"{TypeNames.Span} p = Parameters;");
            foreach (LayerPlan layer in plan.Layers)
            {
                if (layer.WeightOffset < 0) continue;
                if (layer.Node.Descriptor.FixedInit is { } constants)
                {
                    w.Line($"// {layer.Node.FullName}: weight {Literals.Float(constants.Weight)}, bias {Literals.Float(constants.Bias)} (whatever the seed)");
                    w.Line($"{TypeNames.Array}.Fill(Parameters, {Literals.Float(constants.Weight)}, {Literals.Int(layer.WeightOffset)}, {Literals.Int(layer.WeightLength)});");
                    if (layer.BiasOffset >= 0) w.Line($"{TypeNames.Array}.Fill(Parameters, {Literals.Float(constants.Bias)}, {Literals.Int(layer.BiasOffset)}, {Literals.Int(layer.BiasLength)});");
                    continue;
                }
                string init = $"{TypeNames.Init}.{layer.Init}";
                string reason = layer.InitReason.Length > 0 ? $" ({layer.InitReason})" : "";
                w.Line($"// {layer.Node.FullName}: {layer.Init}{reason}, fan in {Literals.Int(layer.FanIn)}, fan out {Literals.Int(layer.FanOut)}");
                w.Line($"{TypeNames.WeightInit}.FillWeights({init}, p.Slice({Literals.Int(layer.WeightOffset)}, {Literals.Int(layer.WeightLength)}), {Literals.Int(layer.FanIn)}, {Literals.Int(layer.FanOut)}, random);");
                if (layer.BiasOffset >= 0)
                    w.Line($"{TypeNames.WeightInit}.FillBias({init}, p.Slice({Literals.Int(layer.BiasOffset)}, {Literals.Int(layer.BiasLength)}), {Literals.Int(layer.FanIn)}, random);");
            }
        }
        if (plan.State.Count == 0) return;

        w.Line();
        w.Line("// Sets every state tensor to its initial value (PyTorch's reset_running_stats): at construction and by Initialize.");
        using (w.Open("private void ResetState()"))
        {
            foreach (StatePlan tensor in plan.State)
            {
                w.Line($"{TypeNames.Array}.Fill(StateBuffer, {Literals.Float(tensor.Initial)}, {Literals.Int(tensor.Offset)}, {Literals.Int(tensor.Length)}); // {tensor.Name}");
            }
        }
    }

    // Freeze/Unfreeze/IsFrozen over the layers with parameters; RunBackward reads _freezing by index.
    private static void EmitFreezing(SourceWriter w, NetworkPlan plan)
    {
        var names = new System.Collections.Generic.List<string>();
        var nodes = new System.Collections.Generic.List<string>();
        var inputs = new System.Collections.Generic.List<string>();
        foreach (LayerPlan layer in plan.Layers)
        {
            var read = new System.Collections.Generic.List<string>();
            foreach (int input in layer.Node.Inputs)
                if (input != Graph.GraphNode.NetworkInput) read.Add(Literals.Int(input));
            inputs.Add(read.Count == 0 ? "new int[0]" : "new int[] { " + string.Join(", ", read) + " }");
            if (layer.WeightOffset < 0) continue;
            names.Add(Literals.String(layer.Node.FullName));
            nodes.Add(Literals.Int(layer.Node.Index));
        }
        w.Line();
        w.Line("// The layers with parameters, in order, their nodes, and the nodes each node reads: what freezing can skip.");
        w.Line($"private readonly {TypeNames.LayerFreezing} _freezing = new {TypeNames.LayerFreezing}({Literals.String(plan.ClassName)}, new string[] {{ {string.Join(", ", names)} }}, new int[] {{ {string.Join(", ", nodes)} }}, new int[][] {{ {string.Join(", ", inputs)} }});");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public void Freeze(string layer) => _freezing.Set(layer, true);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public void Unfreeze(string layer) => _freezing.Set(layer, false);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public bool IsFrozen(string layer) => _freezing.IsFrozen(layer);");
    }

    /// <summary>The field holding a chunk body's delegate: ForwardChunk → <c>_forwardChunk</c>.</summary>
    public static string BodyField(string body) => "_" + char.ToLowerInvariant(body[0]) + body.Substring(1);
}
