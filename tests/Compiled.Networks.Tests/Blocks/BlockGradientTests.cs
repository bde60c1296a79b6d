using System.Linq;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Blocks;

/// <summary>
/// Networks made of blocks against central finite differences (through TrainStep): residual sums with a projection and
/// with an identity shortcut (the gradients meeting at the fork summed), concatenated branches (one of them the identity,
/// so three gradients meet at the branches' input), a block used in a block, and the network's input as a fork.
/// Plus the torchvision-style names and that forward passes agree at every thread count.
/// </summary>
public sealed class BlockGradientTests
{
    private static readonly GradientCheckOptions s_smooth = new(Epsilon: 1e-2, Relative: 2e-2, Absolute: 1e-4);
    private static readonly GradientCheckOptions s_kinked = new(Epsilon: 1e-3, Relative: 2e-2, Absolute: 5e-4);

    [Fact]
    public void Residual_blocks_with_projection_and_identity_shortcuts()
    {
        const int batch = 3;
        float[] x = TestData.Uniform(batch * 3 * 36, seed: 11);
        int[] labels = TestData.Labels(batch, 4, seed: 12);
        var network = new SmoothResidualNet(1);
        network.Initialize(13);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_smooth);
    }

    [Fact]
    public void Concatenated_branches_with_an_identity_branch()
    {
        const int batch = 3;
        float[] x = TestData.Uniform(batch * 2 * 25, seed: 21);
        int[] labels = TestData.Labels(batch, 3, seed: 22);
        var network = new SmoothInceptionNet(1);
        network.Initialize(23);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_smooth);
    }

    [Fact]
    public void Blocks_in_blocks_with_the_input_as_a_fork()
    {
        const int batch = 2;
        float[] x = TestData.Uniform(batch * 3 * 25, seed: 31);
        int[] labels = TestData.Labels(batch, 3, seed: 32);
        var network = new NestedBlockNet(1);
        network.Initialize(33);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_kinked);
    }

    [Fact]
    public void Pre_activation_blocks_with_batch_norm_on_the_fork()
    {
        const int batch = 4;
        float[] x = TestData.Uniform(batch * 2 * 25, seed: 51);
        int[] labels = TestData.Labels(batch, 3, seed: 52);
        var network = new PreActivationNet(1);
        network.Initialize(53);
        // Batch norm's weights start at 1 and biases at 0 whatever the seed; move them so their gradients are not special.
        var random = new SeededRandom(54);
        foreach (ParameterInfo info in network.ParameterTable.Where(p => p.Name.Contains(".bn", System.StringComparison.Ordinal) || p.Name.EndsWith(".1.weight", System.StringComparison.Ordinal) || p.Name.EndsWith(".1.bias", System.StringComparison.Ordinal)))
            for (int i = 0; i < info.Length; i++) network.Parameters[info.Offset + i] += random.NextFloat() - 0.5f;
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), s_smooth);
        Assert.Contains("layer1.0.downsample.1.running_mean", network.StateTable.Select(t => t.Name));
        Assert.DoesNotContain("layer1.1.downsample.1.running_mean", network.StateTable.Select(t => t.Name));
    }

    [Fact]
    public void Parameter_names_follow_torchvision()
    {
        string[] residual = new SmoothResidualNet(1).ParameterTable.Select(p => p.Name).ToArray();
        Assert.Equal(new[]
        {
            "layer1.0.conv1.weight", "layer1.0.conv1.bias", "layer1.0.conv2.weight", "layer1.0.conv2.bias",
            "layer1.0.downsample.0.weight", "layer1.0.downsample.0.bias",
            "layer1.1.conv1.weight", "layer1.1.conv1.bias", "layer1.1.conv2.weight", "layer1.1.conv2.bias",
            "fc1.weight", "fc1.bias",
        }, residual);

        string[] nested = new NestedBlockNet(1).ParameterTable.Select(p => p.Name).ToArray();
        Assert.Equal(new[]
        {
            "layer1.0.conv1.weight", "layer1.0.conv1.bias", "layer1.0.conv2.weight", "layer1.0.conv2.bias",
            "layer2.0.layer1.0.conv1.weight", "layer2.0.layer1.0.conv1.bias", "layer2.0.layer1.0.conv2.weight", "layer2.0.layer1.0.conv2.bias",
            "layer2.0.layer1.0.downsample.0.weight", "layer2.0.layer1.0.downsample.0.bias", // 3 → 5 channels: projected
            "layer2.0.mixed.0.branch1.0.weight", "layer2.0.mixed.0.branch1.0.bias", "layer2.0.mixed.0.branch2.0.weight", "layer2.0.mixed.0.branch2.0.bias",
            "fc1.weight", "fc1.bias",
        }, nested);
    }

    [Fact]
    public void Shapes_and_parameter_counts()
    {
        var residual = new SmoothResidualNet(1);
        // conv 3→5 (135 + 5), conv 5→5 (225 + 5), projection 1x1 3→5 (15 + 5); second block: 225 + 5 twice, no projection; fc 180 → 4.
        Assert.Equal(140 + 230 + 20 + 230 + 230 + 180 * 4 + 4, residual.Parameters.Length);
        var inception = new SmoothInceptionNet(1);
        // conv1 2→4 (8 + 4); branch1 1x1 4→2 (8 + 2); branch2 3x3 4→3 (108 + 3); identity 4: 9 channels of 5x5; fc 225 → 3.
        Assert.Equal(12 + 10 + 111 + 225 * 3 + 3, inception.Parameters.Length);
    }

    [Fact]
    public void One_and_three_threads_agree()
    {
        const int batch = 7;
        float[] x = TestData.Uniform(batch * 3 * 25, seed: 41);
        int[] labels = TestData.Labels(batch, 3, seed: 42);
        using var one = new NestedBlockNet(1);
        using var three = new NestedBlockNet(3);
        one.Initialize(43);
        three.Initialize(43);
        float a = one.TrainStep(x, labels, batch), b = three.TrainStep(x, labels, batch);
        Assert.Equal(a, b, 5);
        for (int i = 0; i < one.Gradients.Length; i++) Assert.Equal(one.Gradients[i], three.Gradients[i], 4);
    }
}
