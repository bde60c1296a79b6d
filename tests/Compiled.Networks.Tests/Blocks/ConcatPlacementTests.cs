using System;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Blocks;

// Branches that the planner writes straight into their channel slices of the concatenation (Planning/ConcatPlacement):
// Conv2D → BatchNorm → Tanh (all three on the strided slice; batch norm's dy copied out), Conv2D → Sigmoid (in place on the
// slice), AvgPool → Tanh (the slice's dy read in place by both backwards), Conv2D → ELU (a writer that reads its own
// contiguous input), Conv2D → MaxPool (arg-max per sample), and the identity branch (a fork: copied).

/// <summary>Five kinds of placed branch and an identity branch, 3 + 2 + 4 + 2 + 2 + 4 = 17 channels.</summary>
[Block]
[Branch, Conv2D(3, Kernel = 1, Bias = false), BatchNorm, Tanh]
[Branch, Conv2D(2, Kernel = 3, Padding = 1), Sigmoid]
[Branch, AvgPool(3, Stride = 1, Padding = 1), Tanh]
[Branch, Conv2D(2, Kernel = 1), ELU]
[Branch, Conv2D(2, Kernel = 1), MaxPool(3, Stride = 1, Padding = 1)]
[Branch]
[Concat]
public class PlacedBranches;

/// <summary>
/// <see cref="PlacedBranches"/> with a Dropout(0) (the identity in both modes) ending each branch: a node that cannot write
/// strided rows, so every branch is copied into the concatenation as before placement existed. Same parameters, same names.
/// </summary>
[Block]
[Branch, Conv2D(3, Kernel = 1, Bias = false), BatchNorm, Tanh, Dropout(0)]
[Branch, Conv2D(2, Kernel = 3, Padding = 1), Sigmoid, Dropout(0)]
[Branch, AvgPool(3, Stride = 1, Padding = 1), Tanh, Dropout(0)]
[Branch, Conv2D(2, Kernel = 1), ELU, Dropout(0)]
[Branch, Conv2D(2, Kernel = 1), MaxPool(3, Stride = 1, Padding = 1), Dropout(0)]
[Branch]
[Concat]
public class CopiedBranches;

/// <summary>The placed branches after a convolution whose output (Tanh in place) is the branches' fork.</summary>
[Network]
[Input(2, 5, 5)]
[Conv2D(4, Kernel = 1), Tanh]
[Use(typeof(PlacedBranches))]
[Dense(3), SoftmaxCrossEntropy]
public partial class PlacedBranchNet;

/// <summary><see cref="PlacedBranchNet"/> with copied branches.</summary>
[Network]
[Input(2, 5, 5)]
[Conv2D(4, Kernel = 1), Tanh]
[Use(typeof(CopiedBranches))]
[Dense(3), SoftmaxCrossEntropy]
public partial class CopiedBranchNet;

/// <summary>
/// Branches written in place into their concatenation's slices compute what copied branches compute: evaluation and
/// training-mode outputs, loss, every gradient and the batch norm's running statistics, at 1 and 3 threads (a batch of 2 on 3
/// threads leaves one thread without samples, whose slice views are empty); and the gradients against finite differences.
/// </summary>
public sealed class ConcatPlacementTests
{
    private const int Classes = 3, InputLength = 2 * 5 * 5;

    [Theory]
    [InlineData(1, 5)]
    [InlineData(3, 7)]
    [InlineData(3, 2)]
    public void Placed_branches_compute_what_copied_branches_compute(int threads, int batch)
    {
        float[] x = TestData.Uniform(batch * InputLength, seed: 61);
        int[] labels = TestData.Labels(batch, Classes, seed: 62);
        using var placed = new PlacedBranchNet(threads);
        using var copied = new CopiedBranchNet(threads);
        placed.Initialize(63);
        Assert.Equal(placed.ParameterTable.Count, copied.ParameterTable.Count);
        for (int i = 0; i < placed.ParameterTable.Count; i++)
            Assert.Equal((placed.ParameterTable[i].Name, placed.ParameterTable[i].Offset, placed.ParameterTable[i].Length), (copied.ParameterTable[i].Name, copied.ParameterTable[i].Offset, copied.ParameterTable[i].Length));
        placed.Parameters.CopyTo(copied.Parameters, 0);

        // A training step: loss, every gradient, the running statistics it updates.
        float placedLoss = placed.TrainStep(x, labels, batch), copiedLoss = copied.TrainStep(x, labels, batch);
        Assert.Equal(copiedLoss, placedLoss);
        Assert.Equal(copied.Gradients, placed.Gradients);
        Assert.Equal(copied.StateBuffer, placed.StateBuffer);
        Assert.Contains(placed.Gradients, g => g != 0f);

        // Evaluation (running statistics moved by the step) and the training-mode forward.
        float[] a = new float[batch * Classes], b = new float[batch * Classes];
        placed.Forward(x, a, batch);
        copied.Forward(x, b, batch);
        Assert.Equal(b, a);
        placed.Forward(x, a, batch, NetworkMode.Training);
        copied.Forward(x, b, batch, NetworkMode.Training);
        Assert.Equal(b, a);
        Assert.Contains(a, v => v != 0f);
    }

    [Fact]
    public void Placed_branches_match_finite_differences()
    {
        const int batch = 3;
        float[] x = TestData.Uniform(batch * InputLength, seed: 71);
        int[] labels = TestData.Labels(batch, Classes, seed: 72);
        var network = new PlacedBranchNet(1);
        network.Initialize(73);
        GradientCheck.AssertMatchesFiniteDifferences(network, n => n.TrainStep(x, labels, batch), new GradientCheckOptions(Epsilon: 3e-3, Relative: 2e-2, Absolute: 1e-4));
    }
}
