using System;
using System.IO;
using System.Linq;
using Compiled.Data;
using Compiled.Networks.Tests.Smoke;
using Compiled.Optimizers;
using Compiled.Training;

namespace Compiled.Networks.Tests.Networks;

/// <summary>
/// Training a generated network that produces NaN stops with a message naming the layer, before the optimizer applies the
/// poisoned step.
/// </summary>
public sealed class NonFiniteTrainingTests
{
    private static Dataset Data(int count, bool poisonFirstPixel)
    {
        float[] features = SmokeData.Inputs(count * SmokeLeNet5.InputLength, seed: 40);
        if (poisonFirstPixel) features[0] = float.NaN;
        int[] labels = SmokeData.Labels(count, 10, seed: 41);
        return new Dataset(features, labels, new[] { 1, 28, 28 });
    }

    private static Trainer TrainerFor(SmokeLeNet5 network) => new(network, new Sgd(0.01f, momentum: 0.9f), new TrainerOptions
    {
        Epochs = 1,
        BatchSize = 8,
        Shuffle = false,
        Output = TextWriter.Null,
    });

    [Fact]
    public void A_nan_parameter_is_named_with_its_layer_and_the_step_is_not_applied()
    {
        var network = new SmokeLeNet5(2);
        network.Initialize(5);
        int offset = network.ParameterTable.Single(p => p.Name == "fc2.weight").Offset;
        network.Parameters[offset + 121] = float.NaN; // fc2.weight[1, 1] ([84, 120])
        float[] before = (float[])network.Parameters.Clone();

        var error = Assert.Throws<NonFiniteException>(() => TrainerFor(network).Fit(Data(16, poisonFirstPixel: false)));

        Assert.Equal("fc2", error.Layer);
        Assert.Equal("fc2.weight", error.Parameter);
        Assert.Contains("layer 'fc2'", error.Message);
        Assert.Contains("fc2.weight[1, 1]", error.Message);
        Assert.Equal(1, error.Epoch);
        Assert.Equal(0, error.Batch);
        Assert.Equal(before, network.Parameters); // NaN compares equal to NaN in Assert.Equal for floats
    }

    [Fact]
    public void A_nan_input_stops_training_and_names_a_layer_with_a_non_finite_gradient()
    {
        var network = new SmokeLeNet5(1);
        network.Initialize(6);
        float[] before = (float[])network.Parameters.Clone();

        var error = Assert.Throws<NonFiniteException>(() => TrainerFor(network).Fit(Data(16, poisonFirstPixel: true)));

        Assert.True(float.IsNaN(error.Loss));
        Assert.NotNull(error.Layer);
        Assert.Contains($"layer '{error.Layer}'", error.Message);
        Assert.Contains("gradient", error.Message);
        Assert.Equal(before, network.Parameters);
    }
}
