using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// The whole-network deep-CNN fixtures (make_network_fixtures_cnn.py: a small ResNet, its plain twin, a bottleneck ResNet,
/// an Inception-style net, a VGG-style net with dropout) read by <see cref="NetworkFixture"/> and checked against themselves before any
/// generated network uses them: names unique and as docs/api.md states them (torchvision's inside blocks), gradients and
/// state shaped as their parameters, batch norm's four tensors together, the stored losses equal to the cross-entropy
/// of the stored logits, the last bias's gradient equal to mean(softmax − one-hot) of the training logits, and the
/// dropout masks. A malformed file is rejected with the field named.
/// </summary>
public sealed class NetworkFixtureConsistencyTests
{
    public static TheoryData<string> Files => new() { "resnet_small.json", "resnet_plain.json", "resnet_bottleneck.json", "inception_small.json", "vgg_small.json" };

    // PyTorch's float64 results rounded to float32: a loss recomputed here from rounded logits agrees to a few ulps.
    private const double LossTolerance = 2e-6;

    private static readonly Regex ParameterName = new(@"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.(weight|bias)$");
    private static readonly Regex StateName = new(@"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.(running_mean|running_var|num_batches_tracked)$");

    private static NetworkFixture Load(string file) => NetworkFixture.Load(Path.Combine(Fixtures.Directory, file));

    [Theory]
    [MemberData(nameof(Files))]
    public void Inputs_outputs_and_losses_agree(string file)
    {
        NetworkFixture f = Load(file);
        Assert.Equal(Path.GetFileNameWithoutExtension(file), f.Name);
        Assert.Contains("[Network]", f.Declaration);
        Assert.Contains("SoftmaxCrossEntropy", f.Declaration);
        Assert.Equal([f.Batch, .. f.InputShape], f.Input.Shape);
        Assert.Equal(f.Batch, f.Labels.Length);
        Assert.All(f.Labels, label => Assert.InRange(label, 0, f.Classes - 1));
        AssertFinite(f.Input);

        foreach ((string what, FixturePass pass) in new[] { ("training", f.Training), ("evaluation", f.Evaluation), ("sgd.evaluation", f.Sgd.Evaluation) })
        {
            Assert.Equal([f.Batch, f.Classes], pass.Output.Shape);
            AssertFinite(pass.Output);
            double loss = CrossEntropy(pass.Output.Data, f.Labels, f.Classes);
            Assert.True(Math.Abs(loss - pass.Loss) <= LossTolerance * Math.Max(1, loss), $"{file} {what}: stored loss {pass.Loss}, cross-entropy of the stored logits {loss}.");
        }

        Assert.Equal(0.1, f.Sgd.LearningRate);
        Assert.Equal(3, f.Sgd.Steps);
        Assert.Equal(f.Sgd.Steps, f.Sgd.Losses.Length);
        Assert.Equal(f.Training.Loss, f.Sgd.Losses[0]);
        Assert.True(f.Sgd.Losses[^1] < f.Sgd.Losses[0], $"{file}: SGD did not lower the loss ({string.Join(", ", f.Sgd.Losses)}).");

        // Without batch norm or dropout the two modes are one function.
        if (f.State.Count == 0 && f.Dropout is null) Assert.Equal(f.Training.Output.Data, f.Evaluation.Output.Data);
        else Assert.NotEqual(f.Training.Output.Data, f.Evaluation.Output.Data);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Gradients_and_updated_parameters_match_the_parameters(string file)
    {
        NetworkFixture f = Load(file);
        Assert.NotEmpty(f.Parameters);
        Assert.All(f.Parameters, p => Assert.Matches(ParameterName, p.Name));
        AssertSameLayout(f.Parameters, f.Training.Gradients, $"{file} gradients");
        AssertSameLayout(f.Parameters, f.Sgd.Parameters, $"{file} parameters after SGD");
        foreach (FixtureTensor t in f.Parameters.Concat(f.Training.Gradients).Concat(f.Sgd.Parameters)) AssertFinite(t);

        // Every parameter with a gradient moved under SGD (a bias before batch norm has none, to rounding).
        for (int i = 0; i < f.Parameters.Count; i++)
        {
            float largest = f.Training.Gradients[i].Data.Max(Math.Abs);
            if (largest > 1e-6f) Assert.NotEqual(f.Parameters[i].Data, f.Sgd.Parameters[i].Data);
        }

        // The last layer is the Dense before the loss: d(mean CE)/d bias = mean over the batch of softmax(logits) − one-hot(label).
        FixtureTensor weight = f.Parameters[^2], bias = f.Parameters[^1];
        Assert.EndsWith(".weight", weight.Name);
        Assert.Equal(weight.Name[..^".weight".Length] + ".bias", bias.Name);
        Assert.Equal([f.Classes], bias.Shape);
        Assert.Equal(f.Classes, weight.Shape[0]);
        double[] expected = BiasGradient(f.Training.Output.Data, f.Labels, f.Classes);
        float[] stored = f.Training.Gradients[^1].Data;
        for (int k = 0; k < f.Classes; k++)
            Assert.True(Math.Abs(stored[k] - expected[k]) <= 1e-6, $"{file} {bias.Name} gradient[{k}]: stored {stored[k]}, from the logits {expected[k]}.");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Batch_norm_state_belongs_to_batch_norm_parameters(string file)
    {
        NetworkFixture f = Load(file);
        Assert.All(f.State, s => Assert.Matches(StateName, s.Name));
        AssertSameLayout(f.State, f.Training.State, $"{file} state after one training forward");
        AssertSameLayout(f.State, f.Sgd.State, $"{file} state after SGD");
        Dictionary<string, FixtureTensor> parameters = f.Parameters.ToDictionary(p => p.Name);
        Dictionary<string, FixtureTensor> state = f.State.ToDictionary(s => s.Name);
        var norms = f.State.Select(s => s.Name[..s.Name.LastIndexOf('.')]).Distinct().ToList();
        foreach (string norm in norms)
        {
            FixtureTensor mean = state[norm + ".running_mean"], variance = state[norm + ".running_var"], count = state[norm + ".num_batches_tracked"];
            Assert.Single(mean.Shape);
            Assert.Equal(mean.Shape, variance.Shape);
            Assert.Equal(mean.Shape, parameters[norm + ".weight"].Shape);
            Assert.Equal(mean.Shape, parameters[norm + ".bias"].Shape);
            Assert.Empty(count.Shape);   // a scalar, as PyTorch's int64 buffer
            Assert.Equal(0f, count.Data[0]);
            Assert.Equal(1f, f.Training.State.Single(s => s.Name == count.Name).Data[0]);
            Assert.Equal(f.Sgd.Steps, f.Sgd.State.Single(s => s.Name == count.Name).Data[0]);
            foreach (IReadOnlyList<FixtureTensor> states in new[] { f.State, f.Training.State, f.Sgd.State })
                Assert.All(states.Single(s => s.Name == variance.Name).Data, v => Assert.True(v > 0, $"{file} {variance.Name}: {v}"));
            // One training forward moved the running statistics (momentum 0.1 towards the batch's).
            Assert.NotEqual(mean.Data, f.Training.State.Single(s => s.Name == mean.Name).Data);
        }
    }

    [Fact]
    public void Block_names_follow_torchvision()
    {
        NetworkFixture resnet = Load("resnet_small.json"), plain = Load("resnet_plain.json");
        string[] names = resnet.Parameters.Select(p => p.Name).ToArray();
        Assert.Equal(["conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias"], names[..6]);
        Assert.Equal([8, 4, 1, 1], Tensor(resnet.Parameters, "layer2.0.downsample.0.weight").Shape);   // the projection: 1x1, stride 2
        Assert.Equal([8], Tensor(resnet.State, "layer2.0.downsample.1.running_var").Shape);
        Assert.Equal([8, 4, 3, 3], Tensor(resnet.Parameters, "layer2.0.conv1.weight").Shape);
        Assert.Equal([8, 8, 3, 3], Tensor(resnet.Parameters, "layer2.1.conv1.weight").Shape);
        Assert.Equal(["layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer2.0.downsample.1.bias"],
            names.Where(n => n.Contains("downsample")));   // identity shortcuts where the shape holds (ShortcutWhen.ShapeChanges)
        Assert.Equal(["fc1.weight", "fc1.bias"], names[^2..]);

        // The plain twin: the same network without shortcuts, the same values for every shared tensor, the same batch.
        Assert.DoesNotContain(plain.Parameters, p => p.Name.Contains("downsample"));
        Assert.Equal(names.Where(n => !n.Contains("downsample")), plain.Parameters.Select(p => p.Name));
        foreach (FixtureTensor p in plain.Parameters) Assert.Equal(Tensor(resnet.Parameters, p.Name).Data, p.Data);
        foreach (FixtureTensor s in plain.State) Assert.Equal(Tensor(resnet.State, s.Name).Data, s.Data);
        Assert.Equal(resnet.Input.Data, plain.Input.Data);
        Assert.Equal(resnet.Labels, plain.Labels);

        // Bottleneck blocks: the projection also where only the channel count changes (layer1.0, 4 -> 2·4 at stride 1).
        NetworkFixture bottleneck = Load("resnet_bottleneck.json");
        Assert.Equal([8, 2, 1, 1], Tensor(bottleneck.Parameters, "layer1.0.conv3.weight").Shape);   // "width * 4"
        Assert.Equal([8, 4, 1, 1], Tensor(bottleneck.Parameters, "layer1.0.downsample.0.weight").Shape);
        Assert.Equal([16, 8, 1, 1], Tensor(bottleneck.Parameters, "layer2.0.downsample.0.weight").Shape);
        Assert.Equal(["layer1.0.downsample.0.weight", "layer1.0.downsample.1.weight", "layer1.0.downsample.1.bias",
                      "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer2.0.downsample.1.bias"],
            bottleneck.Parameters.Select(p => p.Name).Where(n => n.Contains("downsample")));
        Assert.Equal([10, 16], Tensor(bottleneck.Parameters, "fc1.weight").Shape);

        NetworkFixture inception = Load("inception_small.json");
        Assert.Equal(["conv1.weight", "conv1.bias",
                      "layer1.0.branch1.0.weight", "layer1.0.branch1.0.bias",
                      "layer1.0.branch2.0.weight", "layer1.0.branch2.0.bias", "layer1.0.branch2.2.weight", "layer1.0.branch2.2.bias",
                      "layer1.0.branch3.0.weight", "layer1.0.branch3.0.bias", "layer1.0.branch3.2.weight", "layer1.0.branch3.2.bias",
                      "layer1.0.branch4.1.weight", "layer1.0.branch4.1.bias",   // branch4.0 is the max pool
                      "fc1.weight", "fc1.bias"], inception.Parameters.Select(p => p.Name));
        // The concatenation's channels: the branches' last convolutions, in order, feed fc1 after global average pooling.
        int concatenated = new[] { "branch1.0", "branch2.2", "branch3.2", "branch4.1" }.Sum(b => Tensor(inception.Parameters, $"layer1.0.{b}.weight").Shape[0]);
        Assert.Equal([10, concatenated], Tensor(inception.Parameters, "fc1.weight").Shape);

        NetworkFixture vgg = Load("vgg_small.json");
        Assert.Equal(["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias", "conv3.weight",
                      "bn3.weight", "bn3.bias", "fc1.weight", "bn4.weight", "bn4.bias", "fc2.weight", "fc2.bias"], vgg.Parameters.Select(p => p.Name));
        Assert.Equal([16, 72], Tensor(vgg.Parameters, "fc1.weight").Shape);   // [8, 3, 3] flattened
        Assert.Equal([16], Tensor(vgg.State, "bn4.running_mean").Shape);      // batch norm per feature after Dense
    }

    [Fact]
    public void Dropout_masks_are_fixed_per_step()
    {
        NetworkFixture vgg = Load("vgg_small.json");
        FixtureDropout dropout = Assert.IsType<FixtureDropout>(vgg.Dropout);
        Assert.Equal("dropout1", dropout.Layer);
        Assert.Equal(0.5, dropout.P);
        Assert.Equal(vgg.Sgd.Steps, dropout.Masks.Count);
        int features = Tensor(vgg.Parameters, "bn4.weight").Shape[0];
        foreach (FixtureTensor mask in dropout.Masks)
        {
            Assert.Equal([vgg.Batch, features], mask.Shape);
            Assert.All(mask.Data, v => Assert.True(v is 0f or 1f, $"{mask.Name}: {v}"));
            Assert.Contains(0f, mask.Data);
            Assert.Contains(1f, mask.Data);
        }
        Assert.NotEqual(dropout.Masks[0].Data, dropout.Masks[1].Data);
        foreach (string file in new[] { "resnet_small.json", "resnet_plain.json", "resnet_bottleneck.json", "inception_small.json" }) Assert.Null(Load(file).Dropout);
    }

    [Fact]
    public void Malformed_files_are_rejected_with_the_field_named()
    {
        string good = File.ReadAllText(Path.Combine(Fixtures.Directory, "inception_small.json"));
        NetworkFixture.Parse(good, "good.json");

        string Fails(string json) => Assert.Throws<InvalidDataException>(() => NetworkFixture.Parse(json, "bad.json")).Message;
        Assert.Contains("not JSON", Fails(good[..^5]));
        Assert.Contains("bad.json: labels is missing", Fails(good.Replace("\"labels\":", "\"label\":")));
        Assert.Contains("input has 600 values but its shape [6, 1, 10, 11] needs 660",
            Fails(good.Replace("\"shape\": [6, 1, 10, 10]", "\"shape\": [6, 1, 10, 11]")));
        Assert.Contains("parameters names \"conv1.weight\" twice", Fails(good.Replace("\"conv1.bias\":", "\"conv1.weight\":")));
        Assert.Contains("batch is a JSON String, expected Number", Fails(good.Replace("\"batch\": 6", "\"batch\": \"6\"")));
    }

    private static FixtureTensor Tensor(IReadOnlyList<FixtureTensor> tensors, string name)
        => tensors.SingleOrDefault(t => t.Name == name) ?? throw new Xunit.Sdk.XunitException($"no tensor {name}; have {string.Join(", ", tensors.Select(t => t.Name))}");

    private static void AssertSameLayout(IReadOnlyList<FixtureTensor> expected, IReadOnlyList<FixtureTensor> actual, string what)
    {
        Assert.True(expected.Select(t => t.Name).SequenceEqual(actual.Select(t => t.Name)),
            $"{what}: names {string.Join(", ", actual.Select(t => t.Name))}, expected {string.Join(", ", expected.Select(t => t.Name))}.");
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape), $"{what}: {actual[i].Name} is {actual[i].ShapeText}, expected {expected[i].ShapeText}.");
    }

    private static void AssertFinite(FixtureTensor t)
    {
        int bad = Array.FindIndex(t.Data, v => !float.IsFinite(v));
        Assert.True(bad < 0, $"{t.Name}[{bad}] is not finite.");
    }

    /// <summary>Mean over the batch of log Σ exp(o) − o[label], in double.</summary>
    private static double CrossEntropy(float[] logits, int[] labels, int classes)
    {
        double total = 0;
        for (int s = 0; s < labels.Length; s++)
        {
            ReadOnlySpan<float> row = logits.AsSpan(s * classes, classes);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float v in row) max = Math.Max(max, v);
            foreach (float v in row) sum += Math.Exp(v - max);
            total += max + Math.Log(sum) - row[labels[s]];
        }
        return total / labels.Length;
    }

    /// <summary>Mean over the batch of softmax(o) − one-hot(label): the gradient of the mean cross-entropy with respect to the last bias.</summary>
    private static double[] BiasGradient(float[] logits, int[] labels, int classes)
    {
        var gradient = new double[classes];
        for (int s = 0; s < labels.Length; s++)
        {
            ReadOnlySpan<float> row = logits.AsSpan(s * classes, classes);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float v in row) max = Math.Max(max, v);
            foreach (float v in row) sum += Math.Exp(v - max);
            for (int k = 0; k < classes; k++)
                gradient[k] += (Math.Exp(row[k] - max) / sum - (k == labels[s] ? 1 : 0)) / labels.Length;
        }
        return gradient;
    }
}
