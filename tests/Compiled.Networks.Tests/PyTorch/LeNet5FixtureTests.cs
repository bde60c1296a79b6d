using System;
using Compiled.Networks.Tests.Networks;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.PyTorch;

/// <summary>
/// The generated LeNet-5 against PyTorch's (tests/fixtures/pytorch/lenet5.json): same parameters (copied by name through
/// ParameterTable), same 4 inputs and labels; logits, mean cross-entropy loss and every parameter gradient must agree.
/// </summary>
public sealed class LeNet5FixtureTests
{
    // PyTorch evaluated in float64 (rounded to float32 once); the network runs in float32 with sums of up to 400 products.
    // Logits (|logits| ≈ 0.1): 1e-6 + 1e-5·|expected|. Loss: 1e-6 + 1e-6·|expected|.
    // Gradients: per tensor, 1e-5·max|expected| + 1e-4·|expected| element-wise, and a relative L2 error ≤ 1e-5 over the tensor.
    // Measured at every width and 1-2 threads: worst element 4e-7·max|expected|, worst relative L2 error 4e-7 (fc2.weight).
    private const double LogitAbs = 1e-6, LogitRel = 1e-5;
    private const double LossAbs = 1e-6, LossRel = 1e-6;
    private const double GradientScaledAbs = 1e-5, GradientRel = 1e-4, GradientNorm = 1e-5;

    private static readonly string[] s_names =
    {
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias",
    };

    [Fact]
    public void ParameterTableHasPyTorchNamesShapesAndOneContiguousBuffer()
    {
        var network = new ReferenceLeNet5(1);
        LeNet5Fixture fixture = LeNet5Fixture.Instance;

        Assert.Equal(61706, network.Parameters.Length);
        Assert.Equal(network.Parameters.Length, network.Gradients.Length);
        Assert.Equal(s_names.Length, network.ParameterTable.Count);
        int offset = 0;
        foreach (ParameterInfo info in network.ParameterTable)
        {
            Assert.Contains(info.Name, s_names);
            Assert.Equal(fixture.Parameters[info.Name].Shape, info.Shape);
            Assert.Equal(info.Name[..info.Name.IndexOf('.', StringComparison.Ordinal)], info.Layer);
            Assert.Equal(offset, info.Offset);   // tensors packed back to back, in table order
            offset += info.Length;
        }
        Assert.Equal(network.Parameters.Length, offset);
        INetwork view = network;
        Assert.Equal(784, view.InputLength);
        Assert.Equal(10, view.OutputLength);
        Assert.Equal(new[] { 1, 28, 28 }, view.InputShape);
        Assert.Equal(LossKind.SoftmaxCrossEntropy, view.Loss);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ForwardMatchesPyTorchLogits(int threads)
    {
        LeNet5Fixture fixture = LeNet5Fixture.Instance;
        var network = new ReferenceLeNet5(threads);
        fixture.LoadParametersInto(network);
        var logits = new float[fixture.Batch * 10];

        network.Forward(fixture.Input, logits, fixture.Batch);

        Tolerance.AssertClose(fixture.Logits, logits, LogitAbs, LogitRel, $"logits ({threads} threads)");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PredictIsSoftmaxOfPyTorchLogits(int threads)
    {
        LeNet5Fixture fixture = LeNet5Fixture.Instance;
        var network = new ReferenceLeNet5(threads);
        fixture.LoadParametersInto(network);
        var probabilities = new float[fixture.Batch * 10];

        network.Predict(fixture.Input, probabilities, fixture.Batch);

        var expected = new float[probabilities.Length];
        for (int n = 0; n < fixture.Batch; n++)
        {
            ReadOnlySpan<float> row = fixture.Logits.AsSpan(n * 10, 10);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float v in row) max = Math.Max(max, v);
            foreach (float v in row) sum += Math.Exp(v - max);
            for (int j = 0; j < 10; j++) expected[n * 10 + j] = (float)(Math.Exp(row[j] - max) / sum);
        }
        Tolerance.AssertRelative(expected, probabilities, 1e-4, $"softmax probabilities ({threads} threads)");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TrainStepMatchesPyTorchLossAndEveryGradient(int threads)
    {
        LeNet5Fixture fixture = LeNet5Fixture.Instance;
        var network = new ReferenceLeNet5(threads);
        fixture.LoadParametersInto(network);
        float[] before = (float[])network.Parameters.Clone();
        network.ZeroGradients();

        float loss = network.TrainStep(fixture.Input, fixture.Labels, fixture.Batch);

        Tolerance.AssertClose(fixture.Loss, loss, LossAbs, LossRel, $"mean loss ({threads} threads)");
        foreach (ParameterInfo info in network.ParameterTable)
        {
            float[] expected = fixture.Gradients[info.Name].Data;
            ReadOnlySpan<float> actual = network.Gradients.AsSpan(info.Offset, info.Length);
            double scale = 0;
            foreach (float v in expected) scale = Math.Max(scale, Math.Abs(v));
            Assert.True(scale > 0, $"{info.Name}: PyTorch's gradient is all zero; the comparison would be vacuous.");
            Tolerance.AssertClose(expected, actual, GradientScaledAbs * scale, GradientRel, $"d{info.Name} ({threads} threads)");
            Tolerance.AssertRelativeNorm(expected, actual, GradientNorm, $"d{info.Name} ({threads} threads)");
        }
        Tolerance.AssertBitwiseEqual(before, network.Parameters, "parameters after TrainStep (it must not update them)");
    }
}
