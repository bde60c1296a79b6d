using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Emission;

/// <summary>
/// Which networks watch the weights inference derives things from (Emit/InferenceEmitter: _inferenceWeights): a network with a
/// batch norm or a convolution whose forward runs on packed filters (3×3, padding 1, stride 1 or 2; channel vectors) compares every
/// convolution's and batch norm's parameters, those of each layer a batch norm folds into, and its state once per Forward
/// and Predict, refolds only after a change, runs
/// its chunks under the stamp, and allocates the arrays the packed filters are found by pinned; a network with a dense layer
/// watches nothing more but has the stamp and the pinned parameters too, so that its session (sealed: every weight fixed)
/// keeps the dense weights packed.
/// </summary>
public sealed class InferenceWeightsEmissionTests
{
    private static string Generate(string input, string layers)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run($"using Compiled; namespace Valid; [Network] {input} {layers} public partial class A;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        return outcome.Source("Valid.A.g.cs");
    }

    [Fact]
    public void A_folded_network_watches_its_convolutions_and_batch_norms_and_refolds_only_after_a_change()
    {
        // conv1 3×3 (weight 0..108), bn1 (108..116), conv2 5×5 with a bias (116..516, 516..520), fc1 (520..): conv and batch
        // norm ranges merge while adjacent; the state (two batch norm statistics and the counter) is watched whole.
        string source = Generate("[Input(3, 8, 8)]",
            "[Conv2D(4, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU] [Conv2D(4, Kernel = 5)] [Dense(2), SoftmaxCrossEntropy]");
        Assert.Contains("private readonly global::Compiled.Networks.InferenceWeights _inferenceWeights = new global::Compiled.Networks.InferenceWeights(new int[] { 0, 520 }, new int[] { 0, 9 });", source);
        Assert.Contains("if (_runner.RefreshWeights(_inferenceWeights, Parameters, StateBuffer)) PrepareEvaluation();", source);
        Assert.Contains("_runner.Infer(_forwardChunk, input, InputLength, output, OutputLength, batch, ChunkSamples, _inferenceWeights.Stamp, _inferenceWeights.IsSealed);", source);
        Assert.Contains("_runner.Infer(_predictChunk, input, InputLength, output, OutputLength, batch, ChunkSamples, _inferenceWeights.Stamp, _inferenceWeights.IsSealed);", source);
        Assert.Contains("public float[] Parameters { get; } = global::System.GC.AllocateArray<float>(ParameterCount, pinned: true);", source);
        Assert.Contains("private readonly float[] _folded = global::System.GC.AllocateArray<float>(112, pinned: true);", source);
        Assert.DoesNotContain("\n            PrepareEvaluation();", source);
    }

    [Fact]
    public void Ranges_skip_the_dense_layers_between_convolutions()
    {
        // conv1 (0..216 with its bias), fc1 (216..), then no convolution: only conv1 is watched; no state.
        string source = Generate("[Input(3, 6, 6)]", "[Conv2D(8, Kernel = 3, Stride = 2, Padding = 1), ReLU] [Dense(4), SoftmaxCrossEntropy]");
        Assert.Contains("new global::Compiled.Networks.InferenceWeights(new int[] { 0, 224 }, global::System.Array.Empty<int>());", source);
        Assert.Contains("_runner.RefreshWeights(_inferenceWeights, Parameters, default);", source);
    }

    [Fact]
    public void A_batch_norm_folded_into_a_dense_layer_watches_the_dense_layer()
    {
        // fc1 (0..48, no bias), bn1 (48..64), fc2 (64..): fc1 feeds the fold, fc2 nothing.
        string source = Generate("[Input(6)]", "[Dense(8, Bias = false), BatchNorm, ReLU] [Dense(2), SoftmaxCrossEntropy]");
        Assert.Contains("new global::Compiled.Networks.InferenceWeights(new int[] { 0, 64 }, new int[] { 0, 17 });", source);
        Assert.Contains("if (_runner.RefreshWeights(_inferenceWeights, Parameters, StateBuffer)) PrepareEvaluation();", source);
    }

    [Fact]
    public void A_convolution_on_channel_vectors_is_watched_too()
    {
        // LeNet-5's convolutions: at a few samples conv2's forward (16 channels, 5×5, the grid otherwise) runs on channel
        // vectors (Conv2DKernels.Forward picks ChannelVectorConvolution), whose filters PackedWeightCache packs as the 3×3
        // tiles' are, so a session's calls run under the stamp and skip comparing them: conv1 (0..156) and conv2
        // (156..2572) are watched, the dense layers are not.
        string source = Generate("[Input(1, 28, 28)]",
            "[Conv2D(6, Kernel = 5, Padding = 2), ReLU, MaxPool(2)] [Conv2D(16, Kernel = 5), ReLU, MaxPool(2)] [Dense(120), ReLU] [Dense(10), SoftmaxCrossEntropy]");
        Assert.Contains("new global::Compiled.Networks.InferenceWeights(new int[] { 0, 2572 }, global::System.Array.Empty<int>());", source);
        Assert.Contains("_runner.Infer(_predictChunk, input, InputLength, output, OutputLength, batch, ChunkSamples, _inferenceWeights.Stamp, _inferenceWeights.IsSealed);", source);
    }

    [Theory]
    [InlineData("[Input(784)]", "[Dense(10), ReLU] [Dense(3), SoftmaxCrossEntropy]")]
    [InlineData("[Input(1, 12, 12)]", "[Conv2D(4, Kernel = 5), ReLU] [Dense(3), SoftmaxCrossEntropy]")]
    [InlineData("[Input(1, 12, 12)]", "[Conv2D(4, Kernel = 3), ReLU] [Dense(3), SoftmaxCrossEntropy]")]
    public void Networks_without_packed_filters_or_batch_norms_watch_nothing_but_their_sessions_pack_dense_weights(string input, string layers)
    {
        // Nothing watched (a network's own calls compare nothing), but a stamp, sealed in a session, under which the dense
        // layers keep their weights packed: the parameters are pinned, as the packing is found by their address.
        string source = Generate(input, layers);
        Assert.Contains("new global::Compiled.Networks.InferenceWeights(global::System.Array.Empty<int>(), global::System.Array.Empty<int>());", source);
        Assert.Contains("pinned: true", source);
        Assert.Contains("copy._inferenceWeights.Seal();", source);
        Assert.Contains("ChunkSamples, _inferenceWeights.Stamp, _inferenceWeights.IsSealed);", source);
    }
}
