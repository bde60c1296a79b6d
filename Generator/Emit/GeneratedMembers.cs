using System.Collections.Generic;
using Compiled.Generator.Graph;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>One member the emitter declares in a network class.</summary>
/// <param name="Name">Its name (an explicit interface implementation: the interface's full name and the member, <c>Compiled.INetwork.InputLength</c>).</param>
/// <param name="Kind">constant, field, property or method.</param>
/// <param name="Display">How messages name it: <c>Fc1OutputLength</c>, <c>INetwork.InputLength</c>.</param>
/// <param name="Layer">The layer whose name it comes from (<c>fc1</c>), or null for members every network has.</param>
internal sealed record GeneratedMember(string Name, string Kind, string Display, string? Layer)
{
    /// <summary>"the constant Fc1OutputLength (from layer 'fc1')", "the property Summary".</summary>
    public string Describe() => $"the {Kind} {Display}" + (Layer is null ? "" : $" (from layer '{Layer}')");
}

/// <summary>
/// Every member the emitters declare in a network class, by name: the names the generator reserves against the user's
/// members, inherited members and the class name. Keep it in step with the emitters (MembersEmitter, ConstantsEmitter,
/// InferenceEmitter, TrainingEmitter and the pass emitters); a test compiles networks of every form and checks that the
/// members it finds in the generated code are exactly these.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Suffixes of the per-layer output constants: <c>Conv1OutputChannels</c>, ..., <c>Fc1OutputLength</c>.</summary>
    private static readonly string[] LayerConstantSuffixes = { "OutputChannels", "OutputHeight", "OutputWidth", "OutputLength" };

    private const string GeometryPrefix = "s_", GeometrySuffix = "Geometry";

    /// <summary>Every member name some network has that does not come from a layer name (a superset over all networks).</summary>
    private static readonly HashSet<string> FixedNames = new(System.StringComparer.Ordinal)
    {
        "InputLength", "OutputLength", "ParameterCount", "StateCount", "s_stateTable", "StateBuffer", "StateTable", "ResetState", "InputChannels", "InputHeight", "InputWidth", "ModelSummary",
        "ChunkSamples", "WorkspacePerSample", "ArgmaxPerSample", "ColumnLength", "s_parameterTable", "s_inputShape",
        "_runner", "_stepRunner", "Dispose", "_freezing", "Freeze", "Unfreeze", "IsFrozen", "_forwardChunk", "_predictChunk", "_trainLabelsStep", "_trainTargetsStep",
        "Parameters", "Gradients", "ParameterTable", "InputShape", "Loss", "Summary", "Architecture", "Threads",
        ExplicitName("InputLength"), ExplicitName("OutputLength"), "Initialize", "ZeroGradients",
        "Forward", "Predict", "CreateInferenceSession", "ForwardChunk", "PredictChunk",
        "LastOutputs", "TrainStep", "TrainLabelsStep", "TrainTargetsStep",
        "RunForward", "RunTrainingForward", "RunBackward",
        "DropoutSeed", "DropoutStep", "DropoutMaskOverride", "_trainingForwardStep", "TrainingForwardStep",
        "_normStats", "_normGather", "_folded", "PrepareEvaluation", "_inferenceWeights", "StateKind", "WriteState", "ReadState",
    };

    /// <summary>
    /// Whether some network could have a member of this name (a cheap superset of <see cref="Of"/>): the parser keeps only
    /// such user members in the model, so an edit elsewhere in the class does not invalidate it.
    /// </summary>
    public static bool MayBeGenerated(string name)
    {
        if (FixedNames.Contains(name)) return true;
        if (name.StartsWith(GeometryPrefix, System.StringComparison.Ordinal) && name.EndsWith(GeometrySuffix, System.StringComparison.Ordinal)) return true;
        foreach (string suffix in LayerConstantSuffixes)
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, System.StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>The members the emitter declares for <paramref name="plan"/> (constructors aside: they carry the class's name).</summary>
    public static List<GeneratedMember> Of(NetworkPlan plan)
    {
        var loss = new LossHead(plan.Loss, plan.Output.Length);
        var members = new List<GeneratedMember>();

        // ConstantsEmitter
        Constant("InputLength");
        Constant("OutputLength");
        Constant("ParameterCount");
        if (plan.Input.IsSpatial)
        {
            Constant("InputChannels");
            Constant("InputHeight");
            Constant("InputWidth");
        }
        if (plan.State.Count > 0) Constant("StateCount");
        foreach (LayerPlan layer in plan.Layers)
        {
            foreach (string name in LayerConstants(layer.Node)) members.Add(new GeneratedMember(name, "constant", name, layer.Node.FullName));
        }
        Constant("ModelSummary");
        Constant("ChunkSamples");
        Constant("WorkspacePerSample");
        Constant("ArgmaxPerSample");
        Constant("ColumnLength");
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Node.Descriptor.GeometryType is not null)
            {
                string field = ConstantsEmitter.GeometryField(layer);
                members.Add(new GeneratedMember(field, "field", field, layer.Node.FullName));
            }
        }
        Field("s_parameterTable");
        if (plan.State.Count > 0) Field("s_stateTable");
        Field("s_inputShape");

        // MembersEmitter
        Field("_runner");
        if (plan.Training) Field("_stepRunner");
        foreach (string body in MembersEmitter.Bodies(plan, loss)) Field(MembersEmitter.BodyField(body));
        if (plan.Training) foreach (string body in MembersEmitter.StepBodies(loss)) Field(MembersEmitter.BodyField(body));
        Property("Parameters");
        if (plan.Training) Property("Gradients");
        Property("ParameterTable");
        if (plan.State.Count > 0)
        {
            Property("StateBuffer");
            Property("StateTable");
        }
        Property("InputShape");
        Property("Loss");
        Property("Summary");
        Property("Architecture");
        Property("Threads");
        Method("Dispose");
        members.Add(new GeneratedMember(ExplicitName("InputLength"), "explicit implementation", "INetwork.InputLength", null));
        members.Add(new GeneratedMember(ExplicitName("OutputLength"), "explicit implementation", "INetwork.OutputLength", null));
        Method("Initialize");
        if (plan.State.Count > 0) Method("ResetState");
        if (plan.Training)
        {
            Method("ZeroGradients");
            Field("_freezing");
            Method("Freeze");
            Method("Unfreeze");
            Method("IsFrozen");
        }

        // InferenceEmitter
        Method("Forward");
        Method("Predict");
        Method("CreateInferenceSession");
        Method("ForwardChunk");
        if (loss.HasLink) Method("PredictChunk");

        // ModeEmitter (Forward(..., mode) is an overload of Forward)
        if (ModeEmitter.HasDropout(plan))
        {
            Property("DropoutSeed");
            Property("DropoutStep");
            Property("DropoutMaskOverride");
            Property("StateKind");
            Method("WriteState");
            Method("ReadState");
        }
        if (InferenceEmitter.HasInferenceWeights(plan)) Field("_inferenceWeights");
        if (ModeEmitter.HasBatchNorm(plan))
        {
            Field("_normStats");
            Field("_normGather");
            if (new NormalizationLayout(plan).FoldedLength > 0) Field("_folded");
            Method("PrepareEvaluation");
        }
        if (ModeEmitter.HasTrainingForward(plan))
        {
            Field("_trainingForwardStep");
            Method("TrainingForwardStep");
        }

        // TrainingEmitter
        if (plan.Training)
        {
            Property("LastOutputs");
            Method("TrainStep");
            if (loss.TakesLabels) Method("TrainLabelsStep");
            if (loss.TakesTargets) Method("TrainTargetsStep");
        }

        // ForwardPassEmitter, BackwardPassEmitter
        Method("RunForward");
        if (plan.Training) Method(ForwardPassEmitter.TrainingMethod);
        if (plan.Training && BackwardPassEmitter.HasWork(plan)) Method("RunBackward");
        return members;

        void Constant(string name) => members.Add(new GeneratedMember(name, "constant", name, null));
        void Field(string name) => members.Add(new GeneratedMember(name, "field", name, null));
        void Property(string name) => members.Add(new GeneratedMember(name, "property", name, null));
        void Method(string name) => members.Add(new GeneratedMember(name, "method", name, null));
    }

    /// <summary>The per-layer output constants: <c>Conv1OutputChannels, Conv1OutputHeight, Conv1OutputWidth, Conv1OutputLength</c> or <c>Fc1OutputLength</c>.</summary>
    public static string[] LayerConstants(GraphNode layer)
        => layer.Output.IsSpatial
            ? new[] { layer.Identifier + "OutputChannels", layer.Identifier + "OutputHeight", layer.Identifier + "OutputWidth", layer.Identifier + "OutputLength" }
            : new[] { layer.Identifier + "OutputLength" };

    private static string ExplicitName(string member) => "Compiled.INetwork." + member;
}
