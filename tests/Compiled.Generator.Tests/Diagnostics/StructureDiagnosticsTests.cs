using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>Diagnostics about the network's structure: input, loss head, layers.</summary>
public sealed class StructureDiagnosticsTests
{
    [Fact]
    public void CMP0003_missing_input()
        => DiagnosticAssert.Single("CMP0003", """
            using Compiled;
            [[|Network|]]
            [Dense(2), MeanSquaredError]
            public partial class NoInput;
            """, new[] { "'NoInput' has no [Input]", "[Input(1, 28, 28)]" });

    [Theory]
    [InlineData("Input(0, 28, 28)", "[0, 28, 28]")]
    [InlineData("Input(-5)", "[-5]")]
    public void CMP0004_invalid_input_shape(string input, string shape)
        => DiagnosticAssert.Single("CMP0004", $$"""
            using Compiled;
            [Network]
            [[|{{input}}|]]
            [Dense(2), MeanSquaredError]
            public partial class BadInput;
            """, new[] { shape, "at least 1" });

    [Fact]
    public void CMP0010_layer_after_loss_head()
        => DiagnosticAssert.Single("CMP0010", """
            using Compiled;
            [Network]
            [Input(4)]
            [Dense(3), SoftmaxCrossEntropy]
            [[|Dense(2)|]]
            public partial class AfterLoss;
            """, new[] { "'fc2' (Dense) comes after the loss head 'loss' (SoftmaxCrossEntropy)", "move or remove 'fc2'" });

    [Fact]
    public void CMP0011_no_loss_head_while_training()
        => DiagnosticAssert.Single("CMP0011", """
            using Compiled;
            [[|Network|]]
            [Input(4)]
            [Dense(3), ReLU]
            public partial class NoLoss;
            """, new[] { "'NoLoss' has no loss head", "SoftmaxCrossEntropy", "Training = false" });

    [Fact]
    public void CMP0015_no_layers()
        => DiagnosticAssert.Single("CMP0015", """
            using Compiled;
            [[|Network(Training = false)|]]
            [Input(4)]
            public partial class Empty;
            """, new[] { "'Empty' declares no layers" });

    [Fact]
    public void CMP0015_only_a_loss_head()
        => DiagnosticAssert.Single("CMP0015", """
            using Compiled;
            [Network]
            [Input(4)]
            [[|MeanSquaredError|]]
            public partial class OnlyLoss;
            """, new[] { "no layers before its loss head" });
}
