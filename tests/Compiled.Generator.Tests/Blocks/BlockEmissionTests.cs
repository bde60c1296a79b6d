using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Blocks;

/// <summary>
/// What the generated code does at forks and joins (the numbers are held by finite differences in
/// Compiled.Networks.Tests/Blocks and by the differential tests): the residual sum's kernel, the first gradient to reach a
/// fork copied and the later ones added (through a temporary when the kernel writes dx elsewhere), no in-place
/// activation over a fork's tensor, branches written into their concatenation's channel slices.
/// </summary>
public sealed class BlockEmissionTests
{
    private const string Residual = """
        using Compiled;
        namespace App;
        [Block]
        [Conv2D(3, Kernel = 3, Padding = 1), ReLU]
        [Conv2D(3, Kernel = 3, Padding = 1)]
        [Residual, ReLU]
        public class Res;

        [Block]
        [Branch, ReLU, Conv2D(2, Kernel = 1)]
        [Branch, Conv2D(5, Kernel = 1)]
        [Concat]
        public class Two;

        [Network]
        [Input(3, 6, 6)]
        [Conv2D(3, Kernel = 1), Tanh]
        [Use(typeof(Res)), Use(typeof(Two))]
        [Dense(2), MeanSquaredError]
        public partial class Net;
        """;

    [Fact]
    public void Forks_and_joins_emit_sums_copies_and_strided_rows()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(Residual);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        string source = outcome.Source("App.Net.g.cs");

        // tanh1 (in place over conv1's output) feeds layer1.0.conv1 and the sum: the sum's backward runs first and copies dy
        // into tanh1's gradient; conv1's backward writes a temporary that is then added.
        Assert.Contains("global::Compiled.Kernels.JoinKernels.Add(layer1_0_Conv2Out, conv1Out, layer1_0_Add1Out);", source);
        Assert.Contains(".CopyTo(tanh1Delta);", source);
        Assert.Contains("global::Compiled.Kernels.JoinKernels.AddInto(tanh1Delta, layer1_0_Conv1InputDelta);", source);
        Assert.True(source.IndexOf(".CopyTo(tanh1Delta);", System.StringComparison.Ordinal) < source.IndexOf("AddInto(tanh1Delta", System.StringComparison.Ordinal));

        // layer1.0.relu2 (after the sum) is read by both branches: branch1's ReLU must not overwrite it, so it has its own
        // output; the branches' gradients meet there (branch2's conv writes first, branch1's ReLU adds from dy's buffer).
        Assert.Contains("ActivationKernels.Relu(layer1_0_Relu2Out, layer2_0_Branch1_0Out);", source);
        Assert.Contains("JoinKernels.AddInto(layer1_0_Relu2Delta, layer2_0_Branch1_0Delta);", source);
        // The concatenation: 2 + 5 channels of 6x6. Each branch ends in a convolution, which writes its rows straight into its
        // channel slice (252 floats per sample), so nothing is copied forward; backward, a convolution reads dy contiguously,
        // so each branch's slice of dy is copied out.
        Assert.Contains("Span<float> layer2_0_Branch1_1Out = layer2_0_Concat1Out;", source);
        Assert.Contains("Span<float> layer2_0_Branch2_0Out = n > 0 ? layer2_0_Concat1Out.Slice(72) : default;", source);
        Assert.Contains("Conv2DKernels.Forward(in s_layer2_0_Branch1_1Geometry, layer2_0_Branch1_0Out, p.Slice(180, 6), p.Slice(186, 2), layer2_0_Branch1_1Out, 252, ", source);
        Assert.Contains("Conv2DKernels.Forward(in s_layer2_0_Branch2_0Geometry, layer1_0_Relu2Out, p.Slice(188, 15), p.Slice(203, 5), layer2_0_Branch2_0Out, 252, ", source);
        Assert.DoesNotContain("StridedRows.Copy(layer2_0_Branch", source);
        Assert.Contains("StridedRows.Copy(layer2_0_Concat1Delta, 252, layer2_0_Branch1_1Delta, 72, n, 72);", source);
        Assert.Contains("StridedRows.Copy(layer2_0_Concat1Delta.Slice(72), 252, layer2_0_Branch2_0Delta, 180, n, 180);", source);
    }

    private const string Inception = """
        using Compiled;
        namespace App;
        [Block]
        [Branch, Conv2D(4, Kernel = 1, Bias = false), BatchNorm, ReLU]
        [Branch, Conv2D(2, Kernel = 1, Bias = false), BatchNorm, ReLU, Conv2D(3, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
        [Branch, MaxPool(3, Stride = 1, Padding = 1), Conv2D(2, Kernel = 1)]
        [Branch, Conv2D(2, Kernel = 1), ReLU, AvgPool(3, Stride = 1, Padding = 1)]
        [Branch]
        [Concat]
        public class Inception;

        [Network]
        [Input(3, 6, 6)]
        [Conv2D(3, Kernel = 1), Tanh]
        [Use(typeof(Inception))]
        [Dense(2), MeanSquaredError]
        public partial class Net;
        """;

    /// <summary>
    /// An Inception-style block in a training network (4 + 3 + 2 + 2 + 3 = 14 channels of 6x6, 504 floats per sample): the
    /// branches ending in a convolution and in a pool write their channels straight into the concatenation, and the pool
    /// reads its dy slice in place; the branches ending in Conv2D → BatchNorm → ReLU, which training fuses (the batch norm's
    /// kernels write and mask the ReLU's contiguous rows), and the identity branch (the block's input, a fork) are copied.
    /// </summary>
    [Fact]
    public void An_inception_block_writes_its_branches_into_their_channel_slices()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(Inception);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        string source = outcome.Source("App.Net.g.cs");

        // Forward (both passes): the convolution and the pool write their slices.
        Assert.Contains("Span<float> layer1_0_Branch3_1Out = n > 0 ? layer1_0_Concat1Out.Slice(252) : default;", source);
        Assert.Contains("Span<float> layer1_0_Branch4_2Out = n > 0 ? layer1_0_Concat1Out.Slice(324) : default;", source);
        Assert.Contains(", layer1_0_Branch3_1Out, 504, ", source); // Conv2DKernels.Forward with the sample stride
        Assert.Contains("PoolKernels.AvgForward(in s_layer1_0_Branch4_2Geometry, layer1_0_Branch4_0Out.Slice(sample * 72, 72), layer1_0_Branch4_2Out.Slice(sample * 504, 72), 1);", source);
        Assert.DoesNotContain("StridedRows.Copy(layer1_0_Branch3_1Out", source);
        Assert.DoesNotContain("StridedRows.Copy(layer1_0_Branch4_2Out", source);
        Assert.Equal(2, Count(source, "// written in place into their channel slices: layer1_0_Branch3_1Out, layer1_0_Branch4_2Out"));
        // The fused branches and the identity are copied, in both passes.
        Assert.Equal(2, Count(source, "StridedRows.Copy(layer1_0_Branch1_2Out, 144, layer1_0_Concat1Out, 504, n, 144);"));
        Assert.Equal(2, Count(source, "StridedRows.Copy(layer1_0_Branch2_5Out, 108, layer1_0_Concat1Out.Slice(144), 504, n, 108);"));
        Assert.Equal(2, Count(source, "StridedRows.Copy(conv1Out, 108, layer1_0_Concat1Out.Slice(396), 504, n, 108);"));

        // Backward: the pool reads its dy slice in place; the others are copied out.
        Assert.Contains("Span<float> layer1_0_Branch4_2Delta = n > 0 ? layer1_0_Concat1Delta.Slice(324) : default;", source);
        Assert.Contains("// layer1_0_Branch4_2Delta is this slice of dy, read in place", source);
        Assert.Contains("PoolKernels.AvgBackward(in s_layer1_0_Branch4_2Geometry, layer1_0_Branch4_2Delta.Slice(sample * 504, 72), layer1_0_Branch4_1Delta.Slice(sample * 72, 72), 1);", source);
        Assert.Contains("StridedRows.Copy(layer1_0_Concat1Delta, 504, layer1_0_Branch1_2Delta, 144, n, 144);", source);
        Assert.Contains("StridedRows.Copy(layer1_0_Concat1Delta.Slice(252), 504, layer1_0_Branch3_1Delta, 72, n, 72);", source);
        Assert.DoesNotContain("StridedRows.Copy(layer1_0_Concat1Delta.Slice(324)", source);
    }

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, System.StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, System.StringComparison.Ordinal)) count++;
        return count;
    }
}
