using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>Diagnostics of the regularization and normalization layers: dropout rates, their constants' ranges.</summary>
public sealed class NormalizationDiagnosticsTests
{
    [Theory]
    [InlineData("Dropout(1)", "The rate of dropout layer 'dropout1' is 1, but it must be at least 0 and less than 1")]
    [InlineData("Dropout(1.5)", "The rate of dropout layer 'dropout1' is 1.5")]
    [InlineData("Dropout(-0.1)", "The rate of dropout layer 'dropout1' is -0.1")]
    [InlineData("Dropout(double.NaN)", "The rate of dropout layer 'dropout1' is NaN")]
    [InlineData("Dropout2d(1.0)", "The rate of dropout layer 'dropout1' is 1, but it must be at least 0 and less than 1 (the probability of zeroing an element); change the [Dropout2d] attribute")]
    public void CMP0036_dropout_rate_outside_0_1(string layer, string message)
        => DiagnosticAssert.Single("CMP0036", $$"""
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [[|{{layer}}|]]
            [Flatten, Dense(2), MeanSquaredError]
            public partial class BadRate;
            """, new[] { message });

    [Theory]
    [InlineData("LocalResponseNorm(0)", "Size of layer 'lrn1' is 0, but it must be at least 1")]
    [InlineData("LocalResponseNorm(5, K = 0)", "K of layer 'lrn1' is 0, but it must be a positive finite number")]
    [InlineData("LocalResponseNorm(5, Alpha = double.PositiveInfinity)", "Alpha of layer 'lrn1' is Infinity, but it must be a finite number")]
    public void CMP0005_normalization_constants_out_of_range(string layer, string message)
        => DiagnosticAssert.Single("CMP0005", $$"""
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [[|{{layer}}|]]
            [Flatten, Dense(2), MeanSquaredError]
            public partial class BadConstant;
            """, new[] { message });

    [Theory]
    [InlineData("GlobalAvgPool", "GlobalAvgPool")]
    [InlineData("Dropout2d(0.5)", "Dropout2d")]
    [InlineData("LocalResponseNorm(5)", "LocalResponseNorm")]
    public void CMP0009_spatial_layers_on_a_flat_input(string layer, string kind)
        => DiagnosticAssert.Single("CMP0009", $$"""
            using Compiled;
            [Network]
            [Input(10)]
            [[|{{layer}}|]]
            [Dense(2), MeanSquaredError]
            public partial class FlatInput;
            """, new[] { kind });
}
