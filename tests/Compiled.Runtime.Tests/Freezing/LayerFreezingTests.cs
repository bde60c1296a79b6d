using System;
using Compiled.Networks;

namespace Compiled.Runtime.Tests.Freezing;

/// <summary>
/// The rule freezing follows on a graph: a node runs its backward (computes its inputs' gradients) iff some trained layer
/// with parameters is upstream of it through any path; a trained layer on a parallel branch, or downstream, does not count.
/// </summary>
public sealed class LayerFreezingTests
{
    // 0 a (params) → 1 relu ─┬→ 2 b (params) ─┐
    //                         └→ 3 c (params) ─┴→ 4 add → 5 d (params)
    private static LayerFreezing Diamond() => new("Diamond", new[] { "a", "b", "c", "d" }, new[] { 0, 2, 3, 5 },
        new[] { Array.Empty<int>(), new[] { 0 }, new[] { 1 }, new[] { 1 }, new[] { 2, 3 }, new[] { 4 } });

    [Fact]
    public void Without_freezing_every_node_fed_by_a_layer_with_parameters_runs()
    {
        LayerFreezing f = Diamond();
        Assert.False(f.RunsBackward(0)); // reads only the network's input
        for (int node = 1; node < 6; node++) Assert.True(f.RunsBackward(node));
        Assert.False(f.NeedsInputGradient(0));
        Assert.True(f.NeedsInputGradient(1) && f.NeedsInputGradient(2) && f.NeedsInputGradient(3));
    }

    [Fact]
    public void A_trained_layer_on_a_parallel_branch_does_not_make_the_other_branch_compute_its_input_gradient()
    {
        LayerFreezing f = Diamond();
        f.Set("a", true);
        f.Set("b", true);
        // Only c and d are trained: b's branch needs nothing below the add, c computes its weight gradient only.
        Assert.False(f.NeedsInputGradient(1));
        Assert.False(f.NeedsInputGradient(2));
        Assert.False(f.RunsBackward(1));
        Assert.True(f.RunsBackward(4)); // the add feeds d's input from c's branch
        Assert.True(f.NeedsInputGradient(3));
        f.Set("c", true);
        Assert.False(f.RunsBackward(4)); // nothing trained upstream of the add any more
        Assert.False(f.NeedsInputGradient(3));
        f.Set("b", false);
        Assert.True(f.RunsBackward(4));
        Assert.False(f.RunsBackward(1)); // b needs no input gradient: a is frozen
    }

    [Fact]
    public void A_trained_first_layer_needs_every_gradient_down_to_it()
    {
        LayerFreezing f = Diamond();
        foreach (string layer in new[] { "b", "c", "d" }) f.Set(layer, true);
        for (int node = 1; node < 6; node++) Assert.True(f.RunsBackward(node));
        Assert.True(f.IsFrozen("d") && !f.IsFrozen("a"));
    }

    [Fact]
    public void Tables_that_disagree_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LayerFreezing("N", new[] { "a" }, new[] { 0, 1 }, new[] { Array.Empty<int>() }));
        Assert.Throws<ArgumentException>(() => new LayerFreezing("N", new[] { "a" }, new[] { 3 }, new[] { Array.Empty<int>() }));
        Assert.Throws<ArgumentException>(() => new LayerFreezing("N", new[] { "a" }, new[] { 0 }, new[] { new[] { 0 } }));
        var error = Assert.Throws<ArgumentException>(() => Diamond().Set("e", true));
        Assert.Contains("a, b, c, d", error.Message);
    }
}
