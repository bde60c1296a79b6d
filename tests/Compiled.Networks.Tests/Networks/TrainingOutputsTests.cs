using System;
using Compiled.Networks.Tests.Smoke;

namespace Compiled.Networks.Tests.Networks;

/// <summary>
/// <see cref="ITrainingOutputs.LastOutputs"/> (what the trainer's running accuracy reads) holds exactly the logits the last
/// TrainStep computed: TrainStep does not move the parameters, so Forward on the same batch must give the same rows,
/// whichever thread computed them.
/// </summary>
public sealed class TrainingOutputsTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 7)]
    [InlineData(2, 3)]
    public void Last_outputs_of_a_train_step_are_the_forward_logits_of_the_batch(int threads, int batch)
    {
        var network = new SmokeLeNet5(threads);
        network.Initialize(3);
        float[] input = SmokeData.Inputs(batch * SmokeLeNet5.InputLength, seed: 30);
        int[] labels = SmokeData.Labels(batch, 10, seed: 31);

        network.TrainStep(input, labels, batch);
        float[] last = network.LastOutputs.ToArray();
        var forward = new float[batch * SmokeLeNet5.OutputLength];
        network.Forward(input, forward, batch);

        Assert.Equal(batch * SmokeLeNet5.OutputLength, last.Length);
        Assert.Equal(forward, last);
        Assert.IsAssignableFrom<ITrainingOutputs>(network);
    }

    [Fact]
    public void Last_outputs_shrink_to_a_smaller_batch()
    {
        var network = new SmokeLeNet5(1);
        network.Initialize(4);
        float[] input = SmokeData.Inputs(6 * SmokeLeNet5.InputLength, seed: 32);
        int[] labels = SmokeData.Labels(6, 10, seed: 33);
        network.TrainStep(input, labels, 6);
        network.TrainStep(input.AsSpan(0, 2 * SmokeLeNet5.InputLength), labels.AsSpan(0, 2), 2);
        Assert.Equal(2 * SmokeLeNet5.OutputLength, network.LastOutputs.Length);
    }
}
