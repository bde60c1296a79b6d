using System;
using System.Linq;

namespace Compiled.Networks.Tests.Smoke;

/// <summary>The small networks: every loss head, inference-only code, and that plain gradient descent learns.</summary>
public sealed class SmallNetworkSmokeTests
{
    [Fact]
    public void Gradient_descent_on_the_tiny_mlp_fits_a_small_batch()
    {
        const int batch = 16;
        var network = new TinyMlp(2);
        network.Initialize(1);
        float[] input = SmokeData.Inputs(batch * TinyMlp.InputLength, seed: 10);
        int[] labels = SmokeData.Labels(batch, 3, seed: 11);

        float first = Step(network, input, labels, batch);
        float last = first;
        for (int i = 0; i < 300; i++) last = Step(network, input, labels, batch);

        Assert.True(last < 0.5f * first, $"loss went from {first} to {last}");
        var logits = new float[batch * 3];
        network.Forward(input, logits, batch);
        int correct = Enumerable.Range(0, batch).Count(s => ArgMax(logits.AsSpan(s * 3, 3)) == labels[s]);
        Assert.True(correct >= 14, $"{correct}/{batch} fitted");
    }

    [Fact]
    public void Conv_regressor_with_same_padding_stride_and_avg_pool_trains()
    {
        const int batch = 3;
        var network = new TinyConvRegressor(2);
        Assert.Equal(162, TinyConvRegressor.InputLength);
        Assert.Equal(new[] { 4, 5, 5 }, new[] { TinyConvRegressor.Conv1OutputChannels, TinyConvRegressor.Conv1OutputHeight, TinyConvRegressor.Conv1OutputWidth });
        Assert.Equal(48, TinyConvRegressor.Flatten1OutputLength);
        Assert.Equal(LossKind.MeanSquaredError, network.Loss);
        Assert.Equal(new[] { "conv1.weight", "conv1.bias", "conv2.weight", "fc1.weight", "fc1.bias" }, network.ParameterTable.Select(p => p.Name));
        network.Initialize(5);
        float[] input = SmokeData.Inputs(batch * TinyConvRegressor.InputLength, seed: 12);
        float[] targets = SmokeData.Inputs(batch * 2, seed: 13);

        float loss = network.TrainStep(input, targets, batch);

        Assert.True(float.IsFinite(loss) && loss > 0f, $"loss {loss}");
        SmokeData.AssertFinite(network.Gradients, "gradients");
        Assert.Contains(network.Gradients.Take(36), g => g != 0f); // conv1.weight receives gradient through every layer
        var output = new float[batch * 2];
        network.Predict(input, output, batch); // MSE: Predict is Forward
        SmokeData.AssertFinite(output, "outputs");
        Assert.Throws<NotSupportedException>(() => network.TrainStep(input, new int[batch], batch));
    }

    [Fact]
    public void Multi_label_network_trains_on_targets_and_predicts_probabilities()
    {
        const int batch = 4;
        var network = new TinyMultiLabel(1);
        network.Initialize(9);
        float[] input = SmokeData.Inputs(batch * 6, seed: 14);
        float[] targets = SmokeData.Labels(batch * 4, 2, seed: 15).Select(l => (float)l).ToArray();

        float loss = network.TrainStep(input, targets, batch);
        var probabilities = new float[batch * 4];
        network.Predict(input, probabilities, batch);

        Assert.True(float.IsFinite(loss) && loss > 0f, $"loss {loss}");
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        NotSupportedException error = Assert.Throws<NotSupportedException>(() => network.TrainStep(input, new int[batch], batch));
        Assert.Contains("trains on float targets", error.Message);
    }

    [Fact]
    public void Inference_only_network_has_no_training_members()
    {
        var network = new InferenceOnly(1);
        Assert.IsNotAssignableFrom<ITrainableNetwork>(network);
        Assert.Equal(LossKind.None, network.Loss);
        network.Initialize(2);
        var output = new float[2 * 3];

        network.Forward(SmokeData.Inputs(10, seed: 16), output, 2);

        Assert.All(output, v => Assert.InRange(v, 0f, 1f)); // the Sigmoid layer's outputs
        Assert.Equal(18, InferenceOnly.ParameterCount);
    }

    private static float Step(TinyMlp network, float[] input, int[] labels, int batch)
    {
        network.ZeroGradients();
        float loss = network.TrainStep(input, labels, batch);
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] -= 0.5f * network.Gradients[i];
        return loss;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
