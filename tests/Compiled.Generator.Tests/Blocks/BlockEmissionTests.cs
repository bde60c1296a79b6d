using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Blocks;

/// <summary>
/// What the generated code does at forks and joins (the numbers are held by finite differences in
/// Compiled.Networks.Tests/Blocks and by the differential tests): the residual sum's kernel, the first gradient to reach a
/// fork copied and the later ones added (through a temporary when the kernel writes dx elsewhere), no in-place
/// activation over a fork's tensor, a concatenation's strided copies.
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
        // The concatenation: 2 + 5 channels of 6x6, each branch's rows copied to its channel slice.
        Assert.Contains("StridedRows.Copy(layer2_0_Branch1_1Out, 72, ", source);
        Assert.Contains("StridedRows.Copy(layer2_0_Branch2_0Out, 180, ", source);
        Assert.Contains(".Slice(72), 252, n, 180);", source);
    }
}
