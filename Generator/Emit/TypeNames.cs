namespace Compiled.Generator.Emit;

/// <summary>Fully qualified (global::) names the emitted code uses, so user usings and type names cannot capture them.</summary>
internal static class TypeNames
{
    public const string Span = "global::System.Span<float>";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string IntSpan = "global::System.Span<int>";
    public const string IntReadOnlySpan = "global::System.ReadOnlySpan<int>";
    public const string Array = "global::System.Array";
    public const string ReadOnlyList = "global::System.Collections.Generic.IReadOnlyList";
    public const string NotSupportedException = "global::System.NotSupportedException";
    public const string GeneratedCode = "global::System.CodeDom.Compiler.GeneratedCode";

    public const string INetwork = "global::Compiled.INetwork";
    public const string ITrainableNetwork = "global::Compiled.ITrainableNetwork";
    public const string ITrainingOutputs = "global::Compiled.ITrainingOutputs";
    public const string ParameterInfo = "global::Compiled.ParameterInfo";
    public const string LossKind = "global::Compiled.LossKind";
    public const string Init = "global::Compiled.Init";
    public const string SeededRandom = "global::Compiled.SeededRandom";
    public const string WeightInit = "global::Compiled.Initialization.WeightInit";

    public const string BatchRunner = "global::Compiled.Networks.BatchRunner";
    public const string StepRunner = "global::Compiled.Networks.StepRunner";
    public const string StepBody = "global::Compiled.Networks.StepBody";
    public const string StepContext = "global::Compiled.Networks.StepContext";
    public const string StepOptions = "global::Compiled.Networks.StepOptions";
    public const string ParameterRange = "global::Compiled.Networks.ParameterRange";
    public const string OwnedParameterRows = "global::Compiled.Networks.OwnedParameterRows";
    public const string DropoutMaskHook = "global::Compiled.Networks.DropoutMaskHook";
    public const string NetworkMode = "global::Compiled.NetworkMode";
    public const string StateBag = "global::Compiled.Serialization.StateBag";
    public const string IStateful = "global::Compiled.Serialization.IStateful";
    public const string IFusedTrainStep = "global::Compiled.IFusedTrainStep";
    public const string BatchBody = "global::Compiled.Networks.BatchBody";
    public const string BatchChunk = "global::Compiled.Networks.BatchChunk";
    public const string Workspace = "global::Compiled.Networks.NetworkWorkspace";
    public const string Guard = "global::Compiled.Networks.NetworkGuard";
    public const string InferenceWeights = "global::Compiled.Networks.InferenceWeights";
    public const string InferenceSession = "global::Compiled.InferenceSession";
    public const string GC = "global::System.GC";
    public const string LayerFreezing = "global::Compiled.Networks.LayerFreezing";

    public const string Conv2DGeometry = "global::Compiled.Kernels.Conv2DGeometry";
    public const string Pool2DGeometry = "global::Compiled.Kernels.Pool2DGeometry";
    public const string DenseKernels = "global::Compiled.Kernels.DenseKernels";
    public const string Conv2DKernels = "global::Compiled.Kernels.Conv2DKernels";
    public const string PoolKernels = "global::Compiled.Kernels.PoolKernels";
    public const string ActivationKernels = "global::Compiled.Kernels.ActivationKernels";
    public const string LossKernels = "global::Compiled.Kernels.LossKernels";
    public const string JoinKernels = "global::Compiled.Kernels.JoinKernels";
    public const string StridedRows = "global::Compiled.Kernels.StridedRows";
    public const string GlobalAvgPoolKernels = "global::Compiled.Kernels.GlobalAvgPoolKernels";
    public const string LocalResponseNormKernels = "global::Compiled.Kernels.LocalResponseNormKernels";
    public const string DropoutKernels = "global::Compiled.Kernels.DropoutKernels";
    public const string BatchNormKernels = "global::Compiled.Kernels.BatchNormKernels";
    public const string BatchNormSteps = "global::Compiled.Networks.BatchNormSteps";
}
