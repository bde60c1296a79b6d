using System;
using System.Linq;

namespace Compiled.Networks.Tests.Smoke;

/// <summary>The LeNet-5, generated: constructs, initializes deterministically, runs inference and a training step.</summary>
public sealed class LeNet5SmokeTests
{
    [Fact]
    public void Constructs_with_the_declared_shapes_and_parameter_table()
    {
        var network = new SmokeLeNet5(threads: 2);

        Assert.Equal(784, SmokeLeNet5.InputLength);
        Assert.Equal(10, SmokeLeNet5.OutputLength);
        Assert.Equal(61706, SmokeLeNet5.ParameterCount);
        Assert.Equal(new[] { 1, 28, 28 }, network.InputShape);
        Assert.Equal(2, network.Threads);
        Assert.Equal(LossKind.SoftmaxCrossEntropy, network.Loss);
        Assert.Equal(61706, network.Parameters.Length);
        Assert.Equal(61706, network.Gradients.Length);
        Assert.Equal(
            new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias" },
            network.ParameterTable.Select(p => p.Name));
        Assert.Equal(new[] { 6, 1, 5, 5 }, network.ParameterTable[0].Shape);
        Assert.Equal(new[] { 120, 400 }, network.ParameterTable[4].Shape);
        int offset = 0;
        foreach (ParameterInfo parameter in network.ParameterTable)
        {
            Assert.Equal(offset, parameter.Offset);
            offset += parameter.Length;
        }
        Assert.Equal(SmokeLeNet5.ParameterCount, offset);
        Assert.Equal(16, SmokeLeNet5.Pool2OutputChannels);
        Assert.Equal(5, SmokeLeNet5.Pool2OutputHeight);
        Assert.Contains("Total params: 61,706", network.Summary);
        Assert.Equal(SmokeLeNet5.ModelSummary, network.Summary);
    }

    [Fact]
    public void Initialize_is_deterministic_per_seed()
    {
        var a = new SmokeLeNet5(1);
        var b = new SmokeLeNet5(1);
        var c = new SmokeLeNet5(1);
        Assert.All(a.Parameters, p => Assert.Equal(0f, p)); // zero until initialized

        a.Initialize(42);
        b.Initialize(42);
        c.Initialize(43);

        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Parameters, c.Parameters);
        SmokeData.AssertFinite(a.Parameters, "parameters");
        Assert.All(a.Parameters.AsSpan(150, 6).ToArray(), bias => Assert.Equal(0f, bias)); // conv1.bias: zero
        Assert.True(a.Parameters.AsSpan(0, 150).ToArray().Count(w => w != 0f) > 140, "conv1.weight should be filled");
    }

    [Fact]
    public void Forward_and_Predict_return_finite_outputs_of_the_right_length()
    {
        const int batch = 5;
        var network = new SmokeLeNet5(2);
        network.Initialize(7);
        float[] input = SmokeData.Inputs(batch * SmokeLeNet5.InputLength, seed: 1);
        var logits = new float[batch * SmokeLeNet5.OutputLength];
        var probabilities = new float[batch * SmokeLeNet5.OutputLength];

        network.Forward(input, logits, batch);
        network.Predict(input, probabilities, batch);

        SmokeData.AssertFinite(logits, "logits");
        Assert.Contains(logits, v => v != 0f);
        for (int s = 0; s < batch; s++)
        {
            float[] row = probabilities.AsSpan(s * 10, 10).ToArray();
            Assert.All(row, p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1.0, row.Sum(), 4);
            Assert.Equal(Array.IndexOf(row, row.Max()), Array.IndexOf(logits, logits.AsSpan(s * 10, 10).ToArray().Max(), s * 10) - s * 10);
        }
    }

    [Fact]
    public void TrainStep_returns_a_finite_positive_loss_and_accumulates_gradients()
    {
        const int batch = 6;
        var network = new SmokeLeNet5(2);
        network.Initialize(3);
        float[] input = SmokeData.Inputs(batch * SmokeLeNet5.InputLength, seed: 2);
        int[] labels = SmokeData.Labels(batch, 10, seed: 3);

        float loss = network.TrainStep(input, labels, batch);
        float[] once = network.Gradients.ToArray();
        float again = network.TrainStep(input, labels, batch);

        Assert.True(float.IsFinite(loss) && loss > 0f, $"loss {loss}");
        Assert.Equal(loss, again);
        SmokeData.AssertFinite(once, "gradients");
        Assert.True(once.Count(g => g != 0f) > 1000, "most gradients should be non-zero");
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], network.Gradients[i], 1e-6f + 1e-5f * Math.Abs(once[i]));

        network.ZeroGradients();
        Assert.All(network.Gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void One_hot_targets_give_the_same_loss_and_gradients_as_labels()
    {
        const int batch = 4;
        var network = new SmokeLeNet5(1);
        network.Initialize(11);
        float[] input = SmokeData.Inputs(batch * SmokeLeNet5.InputLength, seed: 4);
        int[] labels = SmokeData.Labels(batch, 10, seed: 5);
        var oneHot = new float[batch * 10];
        for (int s = 0; s < batch; s++) oneHot[s * 10 + labels[s]] = 1f;

        float fromLabels = network.TrainStep(input, labels, batch);
        float[] labelGradients = network.Gradients.ToArray();
        network.ZeroGradients();
        float fromTargets = network.TrainStep(input, oneHot, batch);

        Assert.Equal(fromLabels, fromTargets, 1e-5f);
        for (int i = 0; i < labelGradients.Length; i++) Assert.Equal(labelGradients[i], network.Gradients[i], 1e-6f + 1e-5f * Math.Abs(labelGradients[i]));
    }

    [Fact]
    public void Wrong_lengths_and_labels_are_rejected_with_the_expected_length()
    {
        var network = new SmokeLeNet5(1);
        var output = new float[20];

        var input = ArgumentAssert("input", () => network.Forward(new float[784], output, 2));
        Assert.Contains("expected batch × InputLength = 2 × 784 = 1568", input.Message);
        var outputError = ArgumentAssert("output", () => network.Forward(new float[1568], new float[19], 2));
        Assert.Contains("2 × 10 = 20", outputError.Message);
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => network.Forward(Array.Empty<float>(), Array.Empty<float>(), 0));
        var labels = Assert.Throws<ArgumentOutOfRangeException>("labels", () => network.TrainStep(new float[1568], new[] { 3, 10 }, 2));
        Assert.Contains("labels[1] is 10; class labels must be in [0, 10)", labels.Message);
        ArgumentAssert("labels", () => network.TrainStep(new float[1568], new[] { 3 }, 2));
        ArgumentAssert("targets", () => network.TrainStep(new float[1568], new float[10], 2));
    }

    private static ArgumentException ArgumentAssert(string parameter, Action action)
    {
        ArgumentException error = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(parameter, error.ParamName);
        return error;
    }
}
