using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Fusion;

/// <summary>
/// Which chains the generated code fuses (the numbers are held by the PyTorch fixtures, BatchNormTests and the differential
/// tests): in training, Conv2D → BatchNorm → ReLU gathers the batch norm's slice statistics in the convolution's output
/// pass, normalizes and rectifies in one pass into the ReLU's buffer (the batch norm's input kept, no copy), and the backward
/// masks dy inside the batch norm's two passes; in evaluation the folded batch norm's ReLU is the convolution's epilogue.
/// Any other activation after the batch norm, or a ReLU with other inputs, stays unfused.
/// </summary>
public sealed class FusionEmissionTests
{
    private static string Generate(string layers, string input = "[Input(3, 8, 8)]")
    {
        GeneratorOutcome outcome = GeneratorHarness.Run($"using Compiled; namespace Valid; [Network] {input} {layers} public partial class A;");
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);
        return outcome.Source("Valid.A.g.cs");
    }

    [Fact]
    public void Dump()
    {
        System.IO.File.WriteAllText("/tmp/fuse_a.cs", Generate("[Conv2D(4, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU] [Conv2D(4, Kernel = 3, Padding = 1), BatchNorm, Tanh] [Dense(3), BatchNorm, ReLU, Dense(2), SoftmaxCrossEntropy]"));
        System.IO.File.WriteAllText("/tmp/fuse_b.cs", Generate("[Conv2D(4, Kernel = 3, Padding = 1), ReLU, Conv2D(4, Kernel = 3, Padding = 1), BatchNorm, ReLU, MaxPool(2)] [Dense(2), SoftmaxCrossEntropy]"));
    }
}
