using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>Diagnostics found while inferring shapes.</summary>
public sealed class ShapeDiagnosticsTests
{
    [Theory]
    [InlineData("Input(1, 5, 5)", "Conv2D(4, Kernel = 7)", "the 7x7 kernel is larger than its input [1, 5, 5]")]
    [InlineData("Input(1, 5, 5)", "Conv2D(4, Kernel = 8, Padding = 1)", "[1, 5, 5] padded to 7x7 by padding 1")]
    [InlineData("Input(3, 3, 9)", "MaxPool(4)", "the 4x4 window is larger than its input [3, 3, 9]")]
    public void CMP0008_kernel_or_window_larger_than_input(string input, string layer, string message)
        => DiagnosticAssert.Single("CMP0008", $$"""
            using Compiled;
            [Network]
            [{{input}}]
            [[|{{layer}}|]]
            [Dense(2), MeanSquaredError]
            public partial class TooSmall;
            """, new[] { message });

    [Fact]
    public void CMP0008_reports_the_shape_after_earlier_layers()
        => DiagnosticAssert.Single("CMP0008", """
            using Compiled;
            [Network]
            [Input(1, 28, 28)]
            [Conv2D(6, Kernel = 5), ReLU, MaxPool(2)]
            [Conv2D(16, Kernel = 5), ReLU, MaxPool(2)]
            [[|Conv2D(32, Kernel = 5)|]]
            [Dense(10), SoftmaxCrossEntropy]
            public partial class Deep;
            """, new[] { "Layer 'conv3'", "5x5 kernel is larger than its input [16, 4, 4]", "at most 4" });

    [Theory]
    [InlineData("Input(784)", "Conv2D(4)", "the flat vector [784] (the network's input)")]
    [InlineData("Input(1, 8, 8)", "MaxPool(2)", "the flat vector [10] (the output of 'fc1')")]
    public void CMP0009_convolution_or_pool_on_flat_input(string input, string layer, string message)
        => DiagnosticAssert.Single("CMP0009", $$"""
            using Compiled;
            [Network]
            [{{input}}]
            {{(input == "Input(784)" ? "" : "[Dense(10)]")}}
            [[|{{layer}}|]]
            [Dense(2), MeanSquaredError]
            public partial class FlatConv;
            """, new[] { message, "channels x height x width" });

    [Fact]
    public void CMP0016_network_too_large()
        => DiagnosticAssert.Single("CMP0016", """
            using Compiled;
            [Network]
            [Input(100000)]
            [[|Dense(100000)|], MeanSquaredError]
            public partial class Huge;
            """, new[] { "Layer 'fc1' makes the network too large", "10000000000" });
}
