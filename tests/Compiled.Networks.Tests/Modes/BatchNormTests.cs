using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Modes;

/// <summary>
/// Batch norm in generated networks: tests/fixtures/pytorch/vgg_small.json end to end (evaluation with running statistics,
/// folded into the convolutions and the dense layer; one training step's outputs, loss, every gradient and the running
/// statistics; three SGD steps' losses, parameters, state and evaluation) at 1 and 3 threads, with the fixture's dropout
/// masks; the state table; folded evaluation against unfolded evaluation; freezing.
/// </summary>
public sealed class BatchNormTests
{
    private const double OutputAbs = 1e-5, OutputRel = 1e-4;

    private static JsonElement Fixture => JsonFixtures.Root("vgg_small.json");

    [Fact]
    public void State_table_names_shapes_and_initial_values_are_PyTorchs()
    {
        using var network = new TinyVgg(1);
        var expected = new List<string>();
        foreach (JsonProperty p in Fixture.GetProperty("state").EnumerateObject()) expected.Add(p.Name);
        Assert.Equal(expected, network.StateTable.Select(t => t.Name));
        foreach (ParameterInfo info in network.StateTable) Assert.Equal(Fixture.GetProperty("state").Shape(info.Name), info.Shape);
        var parameters = new List<string>();
        foreach (JsonProperty p in Fixture.GetProperty("parameters").EnumerateObject()) parameters.Add(p.Name);
        Assert.Equal(parameters, network.ParameterTable.Select(t => t.Name));

        network.Initialize(4);
        foreach (ParameterInfo info in network.StateTable)
        {
            float start = info.Name.EndsWith("running_var", StringComparison.Ordinal) ? 1f : 0f;
            Assert.All(network.StateBuffer.AsSpan(info.Offset, info.Length).ToArray(), v => Assert.Equal(start, v));
        }
        foreach (ParameterInfo info in network.ParameterTable.Where(t => t.Name.StartsWith("bn", StringComparison.Ordinal)))
        {
            float start = info.Name.EndsWith("weight", StringComparison.Ordinal) ? 1f : 0f;
            Assert.All(network.Parameters.AsSpan(info.Offset, info.Length).ToArray(), v => Assert.Equal(start, v));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TinyVgg_matches_PyTorch_in_evaluation_training_and_three_SGD_steps(int threads)
    {
        JsonElement f = Fixture;
        using var network = new TinyVgg(threads);
        Load(network.ParameterTable, network.Parameters, f.GetProperty("parameters"));
        Load(network.StateTable, network.StateBuffer, f.GetProperty("state"));
        int batch = f.GetProperty("batch").GetInt32();
        float[] input = f.Floats("input");
        int[] labels = f.Floats("labels").Select(v => (int)v).ToArray();
        float[][] masks = f.GetProperty("dropout").GetProperty("masks").EnumerateArray().Select(m => Data(m)).ToArray();
        network.DropoutMaskOverride = (layer, step, first, count, mask) =>
        {
            Assert.Equal("dropout1", layer);
            for (int i = 0; i < count * 16; i++) mask[i] = masks[step - 1][first * 16 + i] * 2f;
        };
        string where = $"{threads} thread(s)";

        // Evaluation from the starting parameters and state (batch norm folded into conv1, conv2, conv3 and fc1).
        var output = new float[batch * 10];
        network.Forward(input, output, batch);
        Tolerance.AssertClose(f.GetProperty("evaluation").Floats("output"), output, OutputAbs, OutputRel, $"{where}: evaluation output");

        // One training step: outputs, loss, every gradient, the running statistics after it.
        JsonElement training = f.GetProperty("training");
        float loss = network.TrainStep(input, labels, batch);
        Tolerance.AssertClose(training.GetProperty("loss").GetSingle(), loss, 1e-5, 1e-5, $"{where}: training loss");
        Tolerance.AssertClose(training.Floats("output"), network.LastOutputs, OutputAbs, OutputRel, $"{where}: training output");
        foreach (ParameterInfo info in network.ParameterTable)
        {
            float[] expected = training.GetProperty("gradients").Floats(info.Name);
            double scale = expected.Max(v => Math.Abs((double)v));
            if (info.Name == "conv1.bias")
            {
                // A bias right before a batch norm has no effect on the loss: PyTorch's gradient is rounding noise (1e-17), ours too.
                Assert.True(scale < 1e-12, info.Name);
                Tolerance.AssertClose(expected, network.Gradients.AsSpan(info.Offset, info.Length), 1e-6, 0, $"{where}: d{info.Name}");
                continue;
            }
            Assert.True(scale > 1e-3, info.Name);
            Tolerance.AssertClose(expected, network.Gradients.AsSpan(info.Offset, info.Length), 1e-4 * scale, 1e-3, $"{where}: d{info.Name}");
            Tolerance.AssertRelativeNorm(expected, network.Gradients.AsSpan(info.Offset, info.Length), 1e-4, $"{where}: d{info.Name}");
        }
        AssertState(network, training.GetProperty("state"), $"{where}: state after one training step");

        // Three SGD steps (the first is the one above), each with its own mask.
        JsonElement sgd = f.GetProperty("sgd");
        float rate = sgd.GetProperty("learningRate").GetSingle();
        float[] losses = sgd.GetProperty("losses").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        for (int step = 0; step < 3; step++)
        {
            if (step > 0)
            {
                network.ZeroGradients();
                loss = network.TrainStep(input, labels, batch);
            }
            Tolerance.AssertClose(losses[step], loss, 1e-4, 1e-4, $"{where}: SGD loss {step}");
            for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] -= rate * network.Gradients[i];
        }
        foreach (ParameterInfo info in network.ParameterTable)
            Tolerance.AssertClose(sgd.GetProperty("parameters").Floats(info.Name), network.Parameters.AsSpan(info.Offset, info.Length), 1e-4, 1e-3, $"{where}: {info.Name} after 3 SGD steps");
        AssertState(network, sgd.GetProperty("state"), $"{where}: state after 3 SGD steps");
        network.Forward(input, output, batch);
        Tolerance.AssertClose(sgd.GetProperty("evaluation").Floats("output"), output, 1e-4, 1e-3, $"{where}: evaluation after 3 SGD steps");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Folded_evaluation_equals_unfolded_evaluation(int threads)
    {
        // The same layers with a ReLU between each Conv2D/Dense and its batch norm cannot fold; with the ReLU moved after the
        // batch norm they fold. Compare folded evaluation to the batch norm computed from the running statistics by hand.
        using var network = new TinyVgg(threads);
        network.Initialize(11);
        var random = new SeededRandom(3);
        foreach (ParameterInfo info in network.StateTable)
        {
            for (int i = 0; i < info.Length; i++)
            {
                ref float v = ref network.StateBuffer[info.Offset + i];
                if (info.Name.EndsWith("running_mean", StringComparison.Ordinal)) v = random.NextFloat() - 0.5f;
                else if (info.Name.EndsWith("running_var", StringComparison.Ordinal)) v = 0.2f + random.NextFloat();
            }
        }
        foreach (ParameterInfo info in network.ParameterTable.Where(t => t.Name.StartsWith("bn", StringComparison.Ordinal)))
            for (int i = 0; i < info.Length; i++) network.Parameters[info.Offset + i] = random.NextFloat() * 2 - 0.5f;

        float[] input = new float[5 * 144];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextFloat() * 2 - 1;
        var folded = new float[5 * 10];
        network.Forward(input, folded, 5);

        float[] expected = ReferenceEvaluation(network, input, 5);
        Tolerance.AssertClose(expected, folded, 1e-5, 1e-4, "folded evaluation vs the unfolded reference");

        // Parameters changed after a Forward: the next Forward refolds.
        network.Parameters[0] += 0.5f;
        network.StateBuffer[0] += 0.25f;
        network.Forward(input, folded, 5);
        Tolerance.AssertClose(ReferenceEvaluation(network, input, 5), folded, 1e-5, 1e-4, "refolded after a change");
    }

    [Fact]
    public void Unfolded_batch_norms_train_and_evaluate_and_match_finite_differences_in_training()
    {
        using var network = new UnfoldedBatchNorm(2);
        network.Initialize(2);
        var random = new SeededRandom(8);
        int batch = 7;
        float[] input = new float[batch * UnfoldedBatchNorm.InputLength];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextFloat() * 4 - 2;
        float[] targets = new float[batch * 3];
        for (int i = 0; i < targets.Length; i++) targets[i] = random.NextFloat() - 0.5f;

        // Training-mode loss as a function of the parameters (the running statistics are restored each time).
        float[] state = network.StateBuffer.ToArray();
        float Loss()
        {
            var y = new float[batch * 3];
            network.Forward(input, y, batch, NetworkMode.Training);
            state.CopyTo(network.StateBuffer, 0);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (y[i] - targets[i]) * (double)(y[i] - targets[i]);
            return (float)(sum / y.Length);
        }
        network.ZeroGradients();
        float loss = network.TrainStep(input, targets, batch);
        Assert.Equal(Loss(), loss, 5);
        state.CopyTo(network.StateBuffer, 0);
        float[] gradients = network.Gradients.ToArray();
        int checkedCount = 0;
        foreach (ParameterInfo info in network.ParameterTable)
        {
            for (int i = 0; i < info.Length; i += Math.Max(1, info.Length / 4))
            {
                int at = info.Offset + i;
                float saved = network.Parameters[at];
                const float h = 1e-2f;
                network.Parameters[at] = saved + h;
                double plus = Loss();
                network.Parameters[at] = saved - h;
                double minus = Loss();
                network.Parameters[at] = saved;
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - gradients[at]) <= 2e-3 + 2e-2 * Math.Abs(numeric), $"{info.Name}[{i}]: backward {gradients[at]}, finite difference {numeric}");
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 20);

        // Evaluation uses the running statistics: after training steps they moved, and Forward is deterministic.
        for (int k = 0; k < 3; k++) network.TrainStep(input, targets, batch);
        var a = new float[batch * 3];
        var b = new float[batch * 3];
        network.Forward(input, a, batch);
        network.Forward(input, b, batch);
        Assert.Equal(a, b);
        Assert.Equal(3f, network.StateBuffer[network.StateTable.Single(t => t.Name == "bn1.num_batches_tracked").Offset]);   // the state was restored after the first
    }

    [Fact]
    public void A_frozen_batch_norm_keeps_its_gradients_and_passes_the_input_gradient()
    {
        using var network = new TinyVgg(2);
        network.Initialize(5);
        float[] input = new float[4 * 144];
        var random = new SeededRandom(1);
        for (int i = 0; i < input.Length; i++) input[i] = random.NextFloat();
        int[] labels = { 1, 2, 3, 4 };
        network.TrainStep(input, labels, 4);
        float[] reference = network.Gradients.ToArray();

        network.ZeroGradients();
        network.Freeze("bn2");
        network.TrainStep(input, labels, 4);
        ParameterInfo gamma = network.ParameterTable.Single(t => t.Name == "bn2.weight");
        Assert.All(network.Gradients.AsSpan(gamma.Offset, 2 * gamma.Length).ToArray(), g => Assert.Equal(0f, g));
        ParameterInfo conv1 = network.ParameterTable.Single(t => t.Name == "conv1.weight");
        Assert.NotEqual(0f, network.Gradients.AsSpan(conv1.Offset, conv1.Length).ToArray().Max(Math.Abs));
    }

    [Fact]
    public void Checkpoints_and_safetensors_carry_the_running_statistics()
    {
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "compiled-bn-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        try
        {
            using var trained = new TinyVgg(2);
            trained.Initialize(3);
            float[] input = new float[4 * 144];
            var random = new SeededRandom(2);
            for (int i = 0; i < input.Length; i++) input[i] = random.NextFloat();
            trained.TrainStep(input, new[] { 0, 1, 2, 3 }, 4);
            trained.TrainStep(input, new[] { 3, 2, 1, 0 }, 4);
            Assert.Equal(2f, trained.StateBuffer[trained.StateTable.Single(t => t.Name == "bn3.num_batches_tracked").Offset]);
            var expected = new float[4 * 10];
            trained.Forward(input, expected, 4);

            string checkpoint = System.IO.Path.Combine(dir, "tiny.ckpt"), tensors = System.IO.Path.Combine(dir, "tiny.safetensors");
            Compiled.Serialization.Checkpoint.Save(checkpoint, trained);
            Compiled.Serialization.SafeTensors.Save(tensors, trained);
            foreach (string file in new[] { checkpoint, tensors })
            {
                using var restored = new TinyVgg(1);
                if (file == checkpoint) Compiled.Serialization.Checkpoint.Load(file, restored);
                else Compiled.Serialization.SafeTensors.Load(tensors, restored);
                Assert.Equal(trained.StateBuffer, restored.StateBuffer);
                Assert.Equal(trained.Parameters, restored.Parameters);
                var output = new float[4 * 10];
                restored.Forward(input, output, 4);
                Assert.Equal(expected, output);
            }
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    // The evaluation of TinyVgg layer by layer in double, batch norm from the running statistics (not folded).
    private static float[] ReferenceEvaluation(TinyVgg network, float[] input, int batch)
    {
        float[] P(string name) { ParameterInfo i = network.ParameterTable.Single(t => t.Name == name); return network.Parameters.AsSpan(i.Offset, i.Length).ToArray(); }
        float[] S(string name) { ParameterInfo i = network.StateTable.Single(t => t.Name == name); return network.StateBuffer.AsSpan(i.Offset, i.Length).ToArray(); }
        var outputs = new float[batch * 10];
        for (int s = 0; s < batch; s++)
        {
            double[,,] x = new double[1, 12, 12];
            for (int i = 0; i < 144; i++) x[0, i / 12, i % 12] = input[s * 144 + i];
            x = Relu(Bn(Conv(x, P("conv1.weight"), P("conv1.bias"), 4), P("bn1.weight"), P("bn1.bias"), S("bn1.running_mean"), S("bn1.running_var")));
            x = Pool(Relu(Bn(Conv(x, P("conv2.weight"), null, 4), P("bn2.weight"), P("bn2.bias"), S("bn2.running_mean"), S("bn2.running_var"))));
            x = Pool(Relu(Bn(Conv(x, P("conv3.weight"), null, 8), P("bn3.weight"), P("bn3.bias"), S("bn3.running_mean"), S("bn3.running_var"))));
            double[] flat = x.Cast<double>().ToArray();
            double[,,] h = new double[16, 1, 1];
            float[] w1 = P("fc1.weight");
            for (int o = 0; o < 16; o++) { double a = 0; for (int i = 0; i < 72; i++) a += w1[o * 72 + i] * flat[i]; h[o, 0, 0] = a; }
            h = Relu(Bn(h, P("bn4.weight"), P("bn4.bias"), S("bn4.running_mean"), S("bn4.running_var")));
            float[] w2 = P("fc2.weight"), b2 = P("fc2.bias");
            for (int o = 0; o < 10; o++) { double a = b2[o]; for (int i = 0; i < 16; i++) a += w2[o * 16 + i] * h[i, 0, 0]; outputs[s * 10 + o] = (float)a; }
        }
        return outputs;
    }

    private static double[,,] Conv(double[,,] x, float[] w, float[]? b, int outputs)
    {
        int c = x.GetLength(0), hh = x.GetLength(1), ww = x.GetLength(2);
        var y = new double[outputs, hh, ww];
        for (int o = 0; o < outputs; o++)
            for (int r = 0; r < hh; r++)
                for (int q = 0; q < ww; q++)
                {
                    double a = b is null ? 0 : b[o];
                    for (int i = 0; i < c; i++)
                        for (int kr = 0; kr < 3; kr++)
                            for (int kq = 0; kq < 3; kq++)
                            {
                                int rr = r + kr - 1, qq = q + kq - 1;
                                if (rr >= 0 && rr < hh && qq >= 0 && qq < ww) a += w[((o * c + i) * 3 + kr) * 3 + kq] * x[i, rr, qq];
                            }
                    y[o, r, q] = a;
                }
        return y;
    }

    private static double[,,] Bn(double[,,] x, float[] gamma, float[] beta, float[] mean, float[] variance)
    {
        var y = (double[,,])x.Clone();
        for (int c = 0; c < x.GetLength(0); c++)
            for (int r = 0; r < x.GetLength(1); r++)
                for (int q = 0; q < x.GetLength(2); q++)
                    y[c, r, q] = (x[c, r, q] - mean[c]) / Math.Sqrt(variance[c] + 1e-5) * gamma[c] + beta[c];
        return y;
    }

    private static double[,,] Relu(double[,,] x)
    {
        var y = (double[,,])x.Clone();
        for (int c = 0; c < x.GetLength(0); c++)
            for (int r = 0; r < x.GetLength(1); r++)
                for (int q = 0; q < x.GetLength(2); q++)
                    y[c, r, q] = Math.Max(0, x[c, r, q]);
        return y;
    }

    private static double[,,] Pool(double[,,] x)
    {
        var y = new double[x.GetLength(0), x.GetLength(1) / 2, x.GetLength(2) / 2];
        for (int c = 0; c < y.GetLength(0); c++)
            for (int r = 0; r < y.GetLength(1); r++)
                for (int q = 0; q < y.GetLength(2); q++)
                    y[c, r, q] = Math.Max(Math.Max(x[c, 2 * r, 2 * q], x[c, 2 * r, 2 * q + 1]), Math.Max(x[c, 2 * r + 1, 2 * q], x[c, 2 * r + 1, 2 * q + 1]));
        return y;
    }

    private static void AssertState(INetwork network, JsonElement expected, string what)
    {
        foreach (ParameterInfo info in network.StateTable)
            Tolerance.AssertClose(expected.Floats(info.Name), network.StateBuffer.AsSpan(info.Offset, info.Length), 1e-5, 1e-4, $"{what}: {info.Name}");
    }

    private static void Load(IReadOnlyList<ParameterInfo> table, float[] buffer, JsonElement tensors)
    {
        foreach (ParameterInfo info in table)
        {
            float[] values = tensors.Floats(info.Name);
            Assert.Equal(info.Length, values.Length);
            values.CopyTo(buffer, info.Offset);
        }
    }

    private static float[] Data(JsonElement tensor)
    {
        JsonElement data = tensor.GetProperty("data");
        return data.EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }
}
