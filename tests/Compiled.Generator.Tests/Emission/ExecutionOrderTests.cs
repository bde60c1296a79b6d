using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Emission;

/// <summary>
/// The run order and in-place activations: a ReLU before a MaxPool runs after it on the pooled tensor, nothing else moves;
/// activations whose backward reads only their output overwrite their input. The declared order stays in the summary
/// and the constants.
/// </summary>
public sealed class ExecutionOrderTests
{
    private static string Generate(string layers)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run($"using Compiled; namespace Valid; [Network] [Input(2, 8, 8)] {layers} public partial class A;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        return outcome.Source("Valid.A.g.cs");
    }

    [Fact]
    public void Relu_before_max_pool_runs_after_it_on_the_pooled_tensor_in_place()
    {
        string source = Generate("[Conv2D(3, Kernel = 3, Padding = 1), ReLU, MaxPool(2)] [Dense(4), SoftmaxCrossEntropy]");

        // Forward: the pool reads the convolution's output and rectifies as it stores (the ReLU, in place over the pooled
        // [n, 3, 4, 4] tensor, runs in the pool's pass); inference (RunForward, first) runs both in the convolution's
        // epilogue and keeps no arg-max indices, training (RunTrainingForward) keeps them for the backward pass.
        int pool = source.IndexOf("Conv2DKernels.ForwardMaxPool(in s_conv1Geometry, in s_pool1Geometry, input, p.Slice(0, 54), p.Slice(54, 3), conv1Out, pool1Out, workspace.Columns(1152), n, relu: true);", System.StringComparison.Ordinal);
        int poolComment = source.IndexOf("· fused: conv1's pass wrote pool1Out", System.StringComparison.Ordinal);
        int relu = source.IndexOf("// relu1: ReLU · fused: conv1's pass wrote pool1Out", System.StringComparison.Ordinal);
        Assert.True(pool > 0 && poolComment > pool && relu > poolComment, "convolution, max-pool and ReLU in one pass, into the pool's output");
        Assert.DoesNotContain("PoolKernels.MaxReluForward(in s_pool1Geometry, conv1Out, pool1Out, n);", source);
        int trainingPool = source.IndexOf("PoolKernels.MaxReluForward(in s_pool1Geometry, conv1Out, pool1Out, pool1Argmax, n);", System.StringComparison.Ordinal);
        int trainingRelu = source.IndexOf("// relu1: ReLU · fused: pool1's pass wrote pool1Out", trainingPool > 0 ? trainingPool : 0, System.StringComparison.Ordinal);
        Assert.True(trainingPool > relu && trainingRelu > trainingPool, "the training pass: max-pool with its indices and ReLU in one pass");
        Assert.Contains("// pool1: MaxPool 2x2 · [n, 3, 8, 8] → [n, 3, 4, 4]; pool1 before relu1: max-pool commutes with ReLU, which then works on the pooled tensor", source);
        Assert.DoesNotContain("ActivationKernels.Relu(", source);
        Assert.DoesNotContain("relu1Out", source);

        // Backward: ReLU's backward on the pooled gradient, then the pool's scatter.
        int reluBackward = source.IndexOf("ActivationKernels.ReluBackward(pool1Out, relu1Delta, relu1Delta);", System.StringComparison.Ordinal);
        int poolBackward = source.IndexOf("PoolKernels.MaxBackward(in s_pool1Geometry, relu1Delta, pool1Argmax, conv1Delta, n);", System.StringComparison.Ordinal);
        Assert.True(reluBackward > 0 && poolBackward > reluBackward, "ReLU backward first, then the pool's scatter");

        // The declared order and shapes stay in the summary and the constants.
        Assert.Contains("\"relu1 (ReLU)                [3, 8, 8]          0\\n\" +", source);
        Assert.Contains("public const int Relu1OutputChannels = 3, Relu1OutputHeight = 8, Relu1OutputWidth = 8, Relu1OutputLength = 192;", source);
        // The workspace holds the pooled [48] ReLU gradient, not a [192] one: conv1Out [192] (dead after the pool, its floats
        // reused by conv1Delta [192]), pool1Out [48] (ReLU in place), relu1Delta [48], fc1Out [4], fc1Delta [4] = 192 + 48 + 48.
        Assert.Contains("global::System.Span<float> relu1Delta = ctx.Workspace(at + 240 * n, 48 * n);", source);
        Assert.Contains("private const int WorkspacePerSample = 288;", source);
    }

    /// <summary>
    /// Inference runs a 2×2 max-pool in the epilogue of the convolution before it (directly, or through a ReLU moved after
    /// the pool; any kernel size and stride, the runtime fusing where the layer runs Winograd or channel vectors); not a pool
    /// of another window or stride, not after a dilated or grouped convolution or an activation kept before the pool, and
    /// not where the pool's buffer lies over the convolution's input (the planner put it there: the input is dead once the
    /// pool runs, but the fused pass writes the pool while it reads the input).
    /// </summary>
    [Theory]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 1), MaxPool(2)]", true)]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 1), ReLU, MaxPool(2, Stride = 2)]", true)]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 1), MaxPool(3)]", false)]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 1), MaxPool(2, Stride = 1)]", false)]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 1), MaxPool(2, CeilMode = true)]", false)]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 1), AvgPool(2)]", false)]
    [InlineData("[Conv2D(3, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]", true)]
    [InlineData("[Conv2D(3, Kernel = 3, Stride = 2, Padding = 1), ReLU, MaxPool(2)]", true)]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 2, Dilation = 2), ReLU, MaxPool(2)]", false)]
    [InlineData("[Conv2D(4, Kernel = 3, Padding = 1, Groups = 2), ReLU, MaxPool(2)]", false)]
    [InlineData("[Conv2D(3, Kernel = 3, Padding = 1), Tanh, MaxPool(2)]", false)]
    public void Inference_runs_a_plain_max_pool_in_the_convolution_before_it(string layers, bool fused)
    {
        string source = Generate($"{layers} [Dense(4), SoftmaxCrossEntropy]");
        int inference = source.IndexOf("private void RunForward(", System.StringComparison.Ordinal);
        int training = source.IndexOf("private void RunTrainingForward(", System.StringComparison.Ordinal);
        Assert.True(inference > 0 && training > inference);
        string runForward = source[inference..training];
        Assert.Equal(fused, runForward.Contains("Conv2DKernels.ForwardMaxPool(in s_conv1Geometry, in s_pool1Geometry, input,", System.StringComparison.Ordinal));
        Assert.Equal(fused, runForward.Contains("· fused: conv1's pass wrote pool1Out", System.StringComparison.Ordinal));
        Assert.DoesNotContain("ForwardMaxPool", source[training..]);
    }

    [Fact]
    public void Every_block_end_of_a_vgg_style_network_pools_in_its_convolution()
    {
        // As Compiled.Networks.Tests' PooledBlocksNet, whose fused inference is checked against its training pass's bits.
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled; namespace Valid; [Network] [Input(1, 28, 28)] "
            + "[Conv2D(16, Kernel = 3, Padding = 1), ReLU] [Conv2D(16, Kernel = 3, Padding = 1), ReLU, MaxPool(2)] "
            + "[Conv2D(24, Kernel = 3, Padding = 1), ReLU, MaxPool(2)] [Conv2D(8, Kernel = 3, Padding = 1), MaxPool(2)] [Dense(10), SoftmaxCrossEntropy] public partial class A;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        string source = outcome.Source("Valid.A.g.cs");
        Assert.Contains("Conv2DKernels.ForwardMaxPool(in s_conv2Geometry, in s_pool1Geometry, conv1Out,", source);
        Assert.Contains("Conv2DKernels.ForwardMaxPool(in s_conv3Geometry, in s_pool2Geometry, pool1Out,", source);
        Assert.Contains("Conv2DKernels.ForwardMaxPool(in s_conv4Geometry, in s_pool3Geometry, pool2Out,", source);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(source, "ForwardMaxPool\\(").Count);
    }

    [Fact]
    public void A_pool_planned_over_the_convolution_s_input_is_not_fused()
    {
        // An inference-only network keeps nothing for a backward pass: conv1Out [4, 8, 8], conv2's input, is dead once
        // pool1 runs, and the allocator puts pool1Out [4, 4, 4] in its floats. With a ReLU after conv1 as well, to show
        // the same holds through a fused epilogue's buffer.
        foreach (string first in new[] { "[Conv2D(4, Kernel = 3, Padding = 1)]", "[Conv2D(4, Kernel = 3, Padding = 1), ReLU]" })
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(
                $"using Compiled; namespace Valid; [Network(Training = false)] [Input(2, 8, 8)] {first} [Conv2D(4, Kernel = 3, Padding = 1), MaxPool(2)] [Dense(4)] public partial class A;");
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.Empty(outcome.CompilationProblems);
            string source = outcome.Source("Valid.A.g.cs");
            string runForward = source[source.IndexOf("private void RunForward(", System.StringComparison.Ordinal)..];
            string conv1 = Region(runForward, "conv1Out"), pool1 = Region(runForward, "pool1Out");
            Assert.True(Overlap(conv1, pool1), $"the test needs pool1Out over conv1Out: {conv1}, {pool1}");
            Assert.DoesNotContain("ForwardMaxPool", source);
            Assert.Contains("PoolKernels.MaxForward(in s_pool1Geometry, conv2Out, pool1Out, n);", runForward);
        }
    }

    // "a, b" of `name = workspace.Activations(a * n, b * n)` (offset and length per sample).
    private static string Region(string source, string name)
    {
        var match = System.Text.RegularExpressions.Regex.Match(source, name + @" = workspace\.Activations\((\d+)( \* n)?, (\d+) \* n\)");
        Assert.True(match.Success, $"{name}'s region");
        return match.Groups[1].Value + ", " + match.Groups[3].Value;
    }

    private static bool Overlap(string a, string b)
    {
        int[] x = System.Array.ConvertAll(a.Split(", "), int.Parse), y = System.Array.ConvertAll(b.Split(", "), int.Parse);
        return x[0] < y[0] + y[1] && y[0] < x[0] + x[1];
    }

    [Theory]
    [InlineData("ELU", "ActivationKernels.Elu(conv1Out, elu1Out, 1f);", "PoolKernels.MaxForward(in s_pool1Geometry, elu1Out, pool1Out, pool1Argmax, n);")]
    [InlineData("LeakyReLU(0.1f)", "ActivationKernels.LeakyRelu(conv1Out, leakyRelu1Out, 0.1f);", "PoolKernels.MaxForward(in s_pool1Geometry, leakyRelu1Out, pool1Out, pool1Argmax, n);")]
    [InlineData("Tanh", "ActivationKernels.Tanh(conv1Out, conv1Out);", "PoolKernels.MaxForward(in s_pool1Geometry, conv1Out, pool1Out, pool1Argmax, n);")]
    public void Other_activations_before_max_pool_keep_the_declared_order(string activation, string activationCall, string poolCall)
    {
        string source = Generate($"[Conv2D(3, Kernel = 3, Padding = 1), {activation}, MaxPool(2)] [Dense(4), SoftmaxCrossEntropy]");

        int first = source.IndexOf(activationCall, System.StringComparison.Ordinal);
        int second = source.IndexOf(poolCall, System.StringComparison.Ordinal);
        Assert.True(first > 0 && second > first, $"{activation} then the pool, as declared");
        Assert.DoesNotContain("commutes", source);
    }

    [Fact]
    public void Relu_before_average_pool_keeps_the_declared_order()
    {
        // avg(relu(x)) is not relu(avg(x)): the pool must see the rectified values.
        string source = Generate("[Conv2D(3, Kernel = 3, Padding = 1), ReLU, AvgPool(2)] [Dense(4), SoftmaxCrossEntropy]");

        // The ReLU is in place over the convolution's output, so it is the convolution's epilogue (FusionLayout).
        int relu = source.IndexOf("Conv2DKernels.ForwardRelu(in s_conv1Geometry, input, p.Slice(0, 54), p.Slice(54, 3), conv1Out, ", System.StringComparison.Ordinal);
        int pool = source.IndexOf("PoolKernels.AvgForward(in s_pool1Geometry, conv1Out, pool1Out, n);", System.StringComparison.Ordinal);
        Assert.True(relu > 0 && pool > relu, "convolution + ReLU (in place) then the average pool");
        Assert.DoesNotContain("ActivationKernels.Relu(", source);
        Assert.DoesNotContain("commutes", source);
    }

    [Fact]
    public void Activations_reading_their_input_in_backward_keep_their_own_buffer()
    {
        string source = GeneratorHarness.Run("using Compiled; namespace Valid; [Network] [Input(6)] [Dense(5), LeakyReLU(0.2f), Dense(4), ELU, Dense(3), Sigmoid, Dense(2), MeanSquaredError] public partial class A;").Source("Valid.A.g.cs");

        Assert.Contains("ActivationKernels.LeakyRelu(fc1Out, leakyRelu1Out, 0.2f);", source);
        Assert.Contains("ActivationKernels.Elu(fc2Out, elu1Out, 1f);", source);
        Assert.Contains("ActivationKernels.Sigmoid(fc3Out, fc3Out);", source);
        Assert.Contains("ActivationKernels.LeakyReluBackward(fc1Out,", source);
        Assert.Contains("ActivationKernels.EluBackward(fc2Out, elu1Out,", source);
        Assert.Contains("ActivationKernels.SigmoidBackward(fc3Out,", source);
    }

    [Fact]
    public void The_last_layer_and_activations_of_the_input_are_not_in_place()
    {
        string last = GeneratorHarness.Run("using Compiled; namespace Valid; [Network(Training = false)] [Input(6)] [Dense(5), ReLU] public partial class A;").Source("Valid.A.g.cs");
        Assert.Contains("ActivationKernels.Relu(fc1Out, relu1Out);", last);

        string first = GeneratorHarness.Run("using Compiled; namespace Valid; [Network] [Input(6)] [Tanh, Dense(5), MeanSquaredError] public partial class A;").Source("Valid.A.g.cs");
        Assert.Contains("ActivationKernels.Tanh(input, tanh1Out);", first);
    }
}
