using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Fusion;

/// <summary>
/// Which chains the generated code fuses (Planning/FusionLayout; the numbers are held by the PyTorch fixtures, BatchNormTests
/// and the differential tests' FusedBatchNormReluChainsMatchTheInterpreter): in training, Conv2D → BatchNorm → ReLU gathers
/// the batch norm's slice statistics in the convolution's output pass, normalizes and rectifies in one pass into the ReLU's
/// buffer (the batch norm's input kept for its backward, no copy), and the backward masks dy inside the batch norm's two
/// passes; in evaluation the folded batch norm's ReLU is the convolution's epilogue, and a residual block's sum and ReLU
/// are the epilogue of the convolution computing the sum's last input. Any other activation after the batch norm, or a
/// ReLU with other readers, stays unfused.
/// </summary>
public sealed class FusionEmissionTests
{
    private static string Generate(string layers, string input = "[Input(3, 8, 8)]", string network = "[Network]", string declarations = "")
    {
        GeneratorOutcome outcome = GeneratorHarness.Run($"using Compiled; namespace Valid; {declarations} {network} {input} {layers} public partial class A;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        return outcome.Source("Valid.A.g.cs");
    }

    private static string Method(string source, string name)
    {
        int start = source.IndexOf($"private void {name}(", System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"{name} not emitted");
        int end = source.IndexOf("\n        }\n", start, System.StringComparison.Ordinal);
        return source.Substring(start, end - start);
    }

    [Fact]
    public void Conv_batch_norm_relu_is_fused_in_training_and_folded_with_the_relu_epilogue_in_evaluation()
    {
        string source = Generate("[Conv2D(4, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU] [Dense(2), SoftmaxCrossEntropy]");
        string training = Method(source, "RunTrainingForward");
        string backward = Method(source, "RunBackward");
        string evaluation = Method(source, "RunForward");

        // Training forward: the convolution gathers the statistics; one pass normalizes + ReLU into relu1Out; no copy of x.
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.ConvolutionForward(in ctx, in s_conv1Geometry, input, p.Slice(0, 108), default, conv1Out, ctx.Scratch(1728));", training);
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.TrainingForward(in ctx, conv1Out, relu1Out, 4, 64, ", training);
        Assert.Contains(", relu: true, statisticsGathered: true);", training);
        Assert.Contains("// relu1: ReLU · fused: bn1's pass wrote relu1Out", training);
        Assert.DoesNotContain("ActivationKernels.Relu", training);
        Assert.DoesNotContain("CopyTo", training);
        Assert.DoesNotContain("bn1Input", source);
        Assert.Contains("DenseKernels.Forward(relu1Out, ", training);

        // Backward: the ReLU's mask inside the batch norm's passes, reading x (conv1Out) and y (relu1Out); no ReLU backward.
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.BackwardRelu(in ctx, conv1Out, relu1Out, relu1Delta, _freezing.NeedsInputGradient(1) ? conv1Delta : default, 4, 64, ", backward);
        Assert.DoesNotContain("ReluBackward", backward);

        // Evaluation: folded into conv1, whose ReLU epilogue writes relu1Out.
        Assert.Contains("global::Compiled.Kernels.Conv2DKernels.ForwardRelu(in s_conv1Geometry, input, new global::System.ReadOnlySpan<float>(_folded, 0, 108), new global::System.ReadOnlySpan<float>(_folded, 108, 4), relu1Out, workspace.Columns(1728), n);", evaluation);
        Assert.Contains("// bn1: BatchNorm per channel · [n, 4, 8, 8] → [n, 4, 8, 8]: evaluation, folded into conv1's weights and bias (nothing to do)", evaluation);
        Assert.DoesNotContain("ActivationKernels.Relu", evaluation);
        Assert.DoesNotContain("BatchNormKernels.Normalize", evaluation);

        // Liveness: relu1Out starts at conv1's step (the evaluation epilogue writes it there), so it never shares floats
        // with the convolution's input or output; conv1Out (x) and relu1Out (y) live until bn1's backward.
        Assert.Contains("global::System.Span<float> conv1Out = ctx.Workspace(at, 256 * n);", training);
        Assert.Contains("global::System.Span<float> relu1Out = ctx.Workspace(at + 256 * n, 256 * n);", training);
    }

    [Fact]
    public void Dense_batch_norm_relu_is_fused_in_training_with_the_statistics_pass()
    {
        string source = Generate("[Dense(5), BatchNorm, ReLU, Dense(2), MeanSquaredError]", input: "[Input(6)]");
        string training = Method(source, "RunTrainingForward");
        Assert.Contains("global::Compiled.Kernels.DenseKernels.Forward(input, p.Slice(0, 30), p.Slice(30, 5), fc1Out, n, 6, 5);", training);
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.TrainingForward(in ctx, fc1Out, relu1Out, 5, 1, ", training);
        Assert.Contains(", relu: true);", training);
        Assert.Contains("BatchNormSteps.BackwardRelu(in ctx, fc1Out, relu1Out, relu1Delta, ", Method(source, "RunBackward"));
        // Evaluation: folded into fc1 (no ReLU epilogue in the dense kernel), the ReLU from fc1Out into its own buffer.
        Assert.Contains("global::Compiled.Kernels.ActivationKernels.Relu(fc1Out, relu1Out);", Method(source, "RunForward"));
    }

    [Fact]
    public void Fused_relu_before_max_pool_stays_before_it()
    {
        string source = Generate("[Conv2D(4, Kernel = 3, Padding = 1), BatchNorm, ReLU, MaxPool(2)] [Dense(2), SoftmaxCrossEntropy]");
        string training = Method(source, "RunTrainingForward");
        int norm = training.IndexOf("BatchNormSteps.TrainingForward(in ctx, conv1Out, relu1Out, 4, 64,", System.StringComparison.Ordinal);
        int pool = training.IndexOf("PoolKernels.MaxForward(in s_pool1Geometry, relu1Out, pool1Out, pool1Argmax, n);", System.StringComparison.Ordinal);
        Assert.True(norm > 0 && pool > norm, "normalize + ReLU, then the pool");
        Assert.DoesNotContain("commutes", source);
    }

    [Fact]
    public void A_relu_moved_after_a_max_pool_runs_in_the_pool_s_pass_in_both_passes()
    {
        // LeNet-5's conv → ReLU → max-pool: the pool runs first and rectifies as it stores, into its own output, where the
        // ReLU (in place) would have worked; the ReLU's backward still masks dy with those values. Inference runs the pool
        // and the ReLU in the convolution's epilogue.
        string source = Generate("[Conv2D(4, Kernel = 3), ReLU, MaxPool(2)] [Dense(2), SoftmaxCrossEntropy]");
        string forward = Method(source, "RunForward");
        Assert.Contains("// then pool1 (MaxPool) and relu1 (ReLU) on the way out, into pool1Out", forward);
        Assert.Contains("Conv2DKernels.ForwardMaxPool(in s_conv1Geometry, in s_pool1Geometry, input, ", forward);
        Assert.Contains(", conv1Out, pool1Out, workspace.Columns(", forward);
        Assert.Contains("relu1: ReLU · fused: conv1's pass wrote pool1Out", forward);
        Assert.DoesNotContain("ActivationKernels.Relu(", forward);
        Assert.DoesNotContain("ForwardRelu", forward);
        Assert.DoesNotContain("PoolKernels.", forward);

        string training = Method(source, "RunTrainingForward");
        Assert.Contains("PoolKernels.MaxReluForward(in s_pool1Geometry, conv1Out, pool1Out, pool1Argmax, n);", training);
        Assert.DoesNotContain("ActivationKernels.Relu(", training);
        string backward = Method(source, "RunBackward");
        int relu = backward.IndexOf("ActivationKernels.ReluBackward(pool1Out, ", System.StringComparison.Ordinal);
        int pool = backward.IndexOf("PoolKernels.MaxBackward(in s_pool1Geometry, ", System.StringComparison.Ordinal);
        Assert.True(relu > 0 && pool > relu, "the ReLU's backward, then the pool's");

        // Average pooling does not commute with ReLU: nothing moves, the convolution rectifies (its epilogue) and the pool averages.
        string average = Method(Generate("[Conv2D(4, Kernel = 3), ReLU, AvgPool(2)] [Dense(2), SoftmaxCrossEntropy]"), "RunForward");
        Assert.DoesNotContain("MaxReluForward", average);
        Assert.Contains("Conv2DKernels.ForwardRelu(in s_conv1Geometry, ", average);
    }

    [Theory]
    [InlineData("Tanh", "ActivationKernels.Tanh(conv1Out, conv1Out);")]
    [InlineData("LeakyReLU(0.1f)", "ActivationKernels.LeakyRelu(conv1Out, leakyRelu1Out, 0.1f);")]
    [InlineData("Sigmoid", "ActivationKernels.Sigmoid(conv1Out, conv1Out);")]
    public void Batch_norm_followed_by_another_activation_is_not_fused(string activation, string call)
    {
        string source = Generate($"[Conv2D(4, Kernel = 3, Padding = 1), BatchNorm, {activation}] [Dense(2), SoftmaxCrossEntropy]");
        string training = Method(source, "RunTrainingForward");
        // The convolution still gathers the statistics of the batch norm, and writes its output straight into the copy of x
        // the batch norm keeps for its backward; the batch norm normalizes that copy into the convolution's buffer.
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.ConvolutionForward(in ctx, in s_conv1Geometry, input, p.Slice(0, 108), p.Slice(108, 4), bn1Input, ctx.Scratch(1728));", training);
        Assert.DoesNotContain(".CopyTo(", training);
        Assert.Contains("BatchNormSteps.TrainingForward(in ctx, bn1Input, conv1Out, 4, 64, ", training);
        Assert.Contains(", statisticsGathered: true);", training);
        Assert.Contains(call, training);
        Assert.DoesNotContain("relu: true", source);
        Assert.DoesNotContain("BackwardRelu", source);
        Assert.DoesNotContain("ForwardRelu", source);
        Assert.Contains("BatchNormSteps.Backward(in ctx, bn1Input, ", Method(source, "RunBackward"));
    }

    [Fact]
    public void Relu_reading_a_batch_norm_that_others_also_read_is_not_fused()
    {
        // bn1's output feeds the block's ReLU and its identity shortcut's sum: normalizing into the ReLU's buffer would lose
        // the sum's operand.
        const string code = """
            using Compiled;
            namespace Valid;
            [Block]
            [ReLU, Conv2D(4, Kernel = 3, Padding = 1)]
            [Residual]
            public class R;

            [Network]
            [Input(4, 6, 6)]
            [Conv2D(4, Kernel = 3, Padding = 1), BatchNorm]
            [Use(typeof(R))]
            [Dense(2), SoftmaxCrossEntropy]
            public partial class A;
            """;
        GeneratorOutcome outcome = GeneratorHarness.Run(code);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        string source = outcome.Source("Valid.A.g.cs");
        Assert.Contains("BatchNormSteps.TrainingForward(in ctx, bn1Input, conv1Out, 4, 36, ", source);
        Assert.Contains("ActivationKernels.Relu(conv1Out, layer1_0_Relu1Out);", source);
        Assert.DoesNotContain("relu: true", source);
        Assert.DoesNotContain("BackwardRelu", source);
    }

    [Fact]
    public void Inference_only_networks_fold_the_batch_norm_and_run_the_relu_as_the_convolution_epilogue_in_place()
    {
        string source = Generate("[Conv2D(4, Kernel = 3, Padding = 1), BatchNorm, ReLU, Conv2D(2, Kernel = 1)]", network: "[Network(Training = false)]");
        string evaluation = Method(source, "RunForward");
        Assert.Contains("global::Compiled.Kernels.Conv2DKernels.ForwardRelu(in s_conv1Geometry, input, new global::System.ReadOnlySpan<float>(_folded, 0, 108), new global::System.ReadOnlySpan<float>(_folded, 108, 4), conv1Out, ", evaluation);
        Assert.Contains("// relu1: ReLU · fused: conv1's pass wrote conv1Out", evaluation);
        Assert.DoesNotContain("ActivationKernels.Relu", evaluation);
    }
    private const string BasicBlock = """
        [Block("channels", "stride = 1")]
        [Conv2D("channels", Kernel = 3, Stride = "stride", Padding = 1, Bias = false), BatchNorm, ReLU]
        [Conv2D("channels", Kernel = 3, Padding = 1, Bias = false), BatchNorm]
        [Shortcut(When = ShortcutWhen.ShapeChanges)]
        [Conv2D("channels", Kernel = 1, Stride = "stride", Bias = false), BatchNorm]
        [Residual, ReLU]
        public partial class Basic;
        """;

    private static string GenerateBlocks(string network, string body, string blocks = BasicBlock)
        => Generate(body, "[Input(2, 8, 8)]", network, blocks);

    [Fact]
    public void A_residual_block_s_sum_and_relu_run_in_its_last_convolution_in_evaluation()
    {
        string source = GenerateBlocks("[Network]",
            "[Conv2D(8, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU] [Use(typeof(Basic), 8)] [Use(typeof(Basic), 16, Stride = 2)] [GlobalAvgPool, Dense(3), SoftmaxCrossEntropy]");
        string evaluation = Method(source, "RunForward");
        // The identity block: conv2 (bn2 folded into it) adds relu1Out and rectifies into the block's ReLU buffer.
        Assert.Contains("global::Compiled.Kernels.Conv2DKernels.ForwardResidual(in s_layer1_0_Conv2Geometry, layer1_0_Relu1Out, new global::System.ReadOnlySpan<float>(_folded, ", evaluation);
        Assert.Contains(", relu1Out, layer1_0_Relu2Out, workspace.Columns(", evaluation);
        Assert.Contains("// layer1.0.add1: Add · fused: layer1.0.conv2's pass wrote layer1_0_Relu2Out", evaluation);
        Assert.Contains("// layer1.0.relu2: ReLU · fused: layer1.0.conv2's pass wrote layer1_0_Relu2Out", evaluation);
        // The strided block: the shortcut's 1×1 convolution runs after conv2, so it adds conv2's output (bn2 folded).
        Assert.Contains("global::Compiled.Kernels.Conv2DKernels.ForwardResidual(in s_layer2_0_Downsample_0Geometry, layer1_0_Relu2Out, ", evaluation);
        Assert.Contains(", layer2_0_Conv2Out, layer2_0_Relu2Out, workspace.Columns(", evaluation);
        Assert.Contains("global::Compiled.Kernels.Conv2DKernels.Forward(in s_layer2_0_Conv2Geometry, ", evaluation);
        Assert.DoesNotContain("JoinKernels.Add", evaluation);
        Assert.DoesNotContain("ActivationKernels.Relu", evaluation);

        // Training: the batch norm before the sum normalizes, adds the shortcut and rectifies into the block's ReLU buffer
        // (its x, which conv2 wrote straight into the copy its backward reads); the sum and the ReLU emit nothing.
        string training = Method(source, "RunTrainingForward");
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.ConvolutionForward(in ctx, in s_layer1_0_Conv2Geometry, layer1_0_Relu1Out, p.Slice(", training);
        Assert.Contains(", default, layer1_0_Bn2Input, ctx.Scratch(", training);
        Assert.DoesNotContain(".CopyTo(", training);
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.TrainingForward(in ctx, layer1_0_Bn2Input, layer1_0_Relu2Out, 8, 64, ", training);
        Assert.Contains(", relu: true, statisticsGathered: true, residual: relu1Out);", training);
        Assert.Contains("// layer1.0.add1: Add · fused: layer1.0.bn2's pass wrote layer1_0_Relu2Out", training);
        Assert.Contains("// layer1.0.relu2: ReLU · fused: layer1.0.bn2's pass wrote layer1_0_Relu2Out", training);
        // The strided block: the shortcut's batch norm, which runs after bn2, adds bn2's output (in place over conv2's).
        Assert.Contains("global::Compiled.Networks.BatchNormSteps.TrainingForward(in ctx, layer2_0_Downsample_1Input, layer2_0_Relu2Out, 16, 16, ", training);
        Assert.Contains(", relu: true, statisticsGathered: true, residual: layer2_0_Conv2Out);", training);
        Assert.DoesNotContain("JoinKernels.Add(", training);
        Assert.DoesNotContain("ForwardResidual", training);
        // The backward: the ReLU's reads its output; the sum hands dy's buffer to bn2 (its first input, read by nothing else)
        // and copies dy only to the shortcut's gradient, in both blocks.
        string backward = Method(source, "RunBackward");
        Assert.Contains("ActivationKernels.ReluBackward(layer1_0_Relu2Out, layer1_0_Relu2Delta, layer1_0_Relu2Delta);", backward);
        Assert.Contains("BatchNormSteps.Backward(in ctx, layer1_0_Bn2Input, layer1_0_Relu2Delta, ", backward);
        Assert.Contains("layer1_0_Relu2Delta.CopyTo(relu1Delta);", backward);
        Assert.Contains("BatchNormSteps.Backward(in ctx, layer2_0_Bn2Input, layer2_0_Relu2Delta, ", backward);
        Assert.Contains("layer2_0_Relu2Delta.CopyTo(layer2_0_Downsample_1Delta);", backward);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(backward, @"layer2_0_Relu2Delta\.CopyTo\("));
        Assert.DoesNotContain("Bn2Delta", backward);
    }

    [Fact]
    public void The_sum_s_output_lives_from_the_convolution_s_step_clear_of_its_input_and_the_shortcut()
    {
        // Inference only: liveness alone places the buffers, and the ReLU's must not share floats with what conv2 reads.
        string source = GenerateBlocks("[Network(Training = false)]", "[Conv2D(8, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU] [Use(typeof(Basic), 8)] [Conv2D(2, Kernel = 1)]");
        string evaluation = Method(source, "RunForward");
        (int Start, int Length) Region(string variable)
        {
            var match = System.Text.RegularExpressions.Regex.Match(evaluation, $@"Span<float> {variable} = workspace\.Activations\((\d+)(?: \* n)?, (\d+) \* n\);");
            Assert.True(match.Success, $"{variable} not declared:\n{evaluation}");
            return (int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value));
        }
        var output = Region("layer1_0_Relu2Out");
        // ReLUs run in place here: conv2 reads layer1_0_Conv1Out, the shortcut is conv1Out.
        foreach (string read in new[] { "layer1_0_Conv1Out", "conv1Out" })
        {
            var other = Region(read);
            Assert.True(output.Start + output.Length <= other.Start || other.Start + other.Length <= output.Start, $"layer1_0_Relu2Out overlaps {read}");
        }
        Assert.Contains("ForwardResidual(in s_layer1_0_Conv2Geometry, layer1_0_Conv1Out, ", evaluation);
        Assert.Contains(", conv1Out, layer1_0_Relu2Out, ", evaluation);
    }

    [Fact]
    public void A_sum_without_relu_or_with_its_relu_moved_after_a_pool_is_fused_without_the_relu()
    {
        const string blocks = """
            [Block]
            [Conv2D(8, Kernel = 3, Padding = 1), BatchNorm]
            [Residual]
            public partial class Plain;

            [Block]
            [Conv2D(8, Kernel = 3, Padding = 1), BatchNorm]
            [Residual, ReLU]
            public partial class Rectified;
            """;
        const string stem = "[Conv2D(8, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]";
        // No ReLU after the sum: the convolution adds the shortcut (relu: false) into the sum's buffer.
        string plain = Method(GenerateBlocks("[Network]", $"{stem} [Use(typeof(Plain))] [Dense(3), SoftmaxCrossEntropy]", blocks), "RunForward");
        Assert.Contains("ForwardResidual(in s_layer1_0_Conv1Geometry, relu1Out, ", plain);
        Assert.Contains(", relu1Out, layer1_0_Add1Out, workspace.Columns(", plain);
        Assert.Contains(", relu: false);", plain);
        Assert.DoesNotContain("JoinKernels.Add", plain);

        // A ReLU moved after the max-pool that reads it: only the sum is fused, the ReLU runs on the pooled tensor, in the
        // pool's pass.
        string pooled = Method(GenerateBlocks("[Network]", $"{stem} [Use(typeof(Rectified))] [MaxPool(2), Dense(3), SoftmaxCrossEntropy]", blocks), "RunForward");
        Assert.Contains(", relu1Out, layer1_0_Add1Out, workspace.Columns(", pooled);
        Assert.Contains(", relu: false);", pooled);
        Assert.Contains("PoolKernels.MaxReluForward(in s_pool1Geometry, layer1_0_Add1Out, ", pooled);
        Assert.DoesNotContain("ActivationKernels.Relu(", pooled);
        Assert.DoesNotContain("JoinKernels.Add", pooled);
    }

    [Fact]
    public void A_convolution_whose_output_has_another_reader_does_not_take_the_sum()
    {
        // conv1's output feeds the block's ReLU and the sum (a fork): written as is; the block's convolution, computed after
        // it and read by the sum alone, adds it.
        const string blocks = """
            [Block]
            [ReLU, Conv2D(8, Kernel = 3, Padding = 1)]
            [Residual, ReLU]
            public partial class Inner;
            """;
        string evaluation = Method(GenerateBlocks("[Network]", "[Conv2D(8, Kernel = 3, Padding = 1)] [Use(typeof(Inner))] [Dense(3), SoftmaxCrossEntropy]", blocks), "RunForward");
        Assert.Contains("global::Compiled.Kernels.Conv2DKernels.Forward(in s_conv1Geometry, input, ", evaluation);
        Assert.Contains("ForwardResidual(in s_layer1_0_Conv1Geometry, layer1_0_Relu1Out, ", evaluation);
        Assert.Contains(", conv1Out, layer1_0_Relu2Out, workspace.Columns(", evaluation);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(evaluation, "ForwardResidual"));
    }
}
