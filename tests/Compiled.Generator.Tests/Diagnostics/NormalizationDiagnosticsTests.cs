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

/// <summary>
/// CMP0037: batch norm needs a feature axis, features [f] or [c, h, w]. No declaration can give it another tensor today
/// (inputs are [f] or [c, h, w] and every layer keeps that), so the descriptor is held to it directly with a sequence
/// tensor (a time axis), as the recurrent layers will produce: the diagnostic is reported at the layer's attribute.
/// </summary>
public sealed class BatchNormFeatureAxisTests
{
    [Fact]
    public void CMP0037_batch_norm_on_a_tensor_without_a_feature_axis()
    {
        var site = new Compiled.Generator.Model.DiagnosticSite(7);
        var declaration = new Compiled.Generator.Model.LayerDeclaration(Compiled.Generator.Layers.BatchNormLayer.Instance, "BatchNorm", null,
            new Compiled.Generator.Model.EquatableArray<Compiled.Generator.Model.ArgumentValue>(new[]
            {
                Compiled.Generator.Model.ArgumentValue.OfDouble(0.1), Compiled.Generator.Model.ArgumentValue.OfDouble(1e-5),
            }), site);
        var sequence = new Compiled.Generator.Graph.TensorShape(new Compiled.Generator.Model.EquatableArray<int>(new[] { 12, 8 }), HasTimeAxis: true);
        var diagnostics = new System.Collections.Generic.List<Compiled.Generator.Model.DiagnosticInfo>();
        var context = new Compiled.Generator.Shapes.ShapeContext(declaration, "bn1", new[] { sequence }, "the output of 'gru1'", diagnostics);

        Assert.Null(Compiled.Generator.Layers.BatchNormLayer.Instance.Infer(context));
        Compiled.Generator.Model.DiagnosticInfo diagnostic = Assert.Single(diagnostics);
        Assert.Equal("CMP0037", diagnostic.Descriptor.Id);
        Assert.Equal(site, diagnostic.Site);
        Assert.Equal(new[] { "bn1", "[12, 8]", "the output of 'gru1'" }, diagnostic.Arguments);

        // Features and [c, h, w] are fine.
        foreach (var shape in new[] { Compiled.Generator.Graph.TensorShape.Flat(8), Compiled.Generator.Graph.TensorShape.Spatial(3, 4, 4) })
        {
            var ok = new Compiled.Generator.Shapes.ShapeContext(declaration, "bn1", new[] { shape }, "x", diagnostics);
            Assert.Equal(shape, Compiled.Generator.Layers.BatchNormLayer.Instance.Infer(ok)!.Output);
        }
        Assert.Single(diagnostics);
    }

    [Theory]
    [InlineData("BatchNorm(Momentum = 1.5)", "Momentum of layer 'bn1' is 1.5, but it must be a number from 0 to 1")]
    [InlineData("BatchNorm(Epsilon = 0)", "Epsilon of layer 'bn1' is 0, but it must be a positive finite number")]
    public void CMP0005_batch_norm_constants(string layer, string message)
        => DiagnosticAssert.Single("CMP0005", $$"""
            using Compiled;
            [Network]
            [Input(1, 8, 8)]
            [[|{{layer}}|]]
            [Flatten, Dense(2), MeanSquaredError]
            public partial class BadBatchNorm;
            """, new[] { message });
}
