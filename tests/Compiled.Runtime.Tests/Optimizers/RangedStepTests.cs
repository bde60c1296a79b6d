using System;
using System.Linq;
using Compiled.Kernels;
using Compiled.Optimizers;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>
/// The ranged step (<see cref="Optimizer.BeginRangedStep"/>, ranges, <see cref="Optimizer.EndRangedStep"/>), as threads apply it
/// inside a fused training step, against <see cref="Optimizer.StepAndZeroGradients(Span{float}, Span{float})"/> over the whole buffers.
/// </summary>
public class RangedStepTests
{
    // Optimizers whose update needs values over whole tensors or the whole buffer.
    private static readonly string[] s_notRanged = ["sparse-adam"];

    // Tensors of 40, 23, 9 and 31 floats with a gap of 5 floats nobody covers; fc2 frozen; biases in their own group.
    private static readonly ParameterInfo[] s_table =
    [
        new("fc1.weight", "fc1", 0, [8, 5]),
        new("fc1.bias", "fc1", 40, [23]),
        new("fc2.weight", "fc2", 63, [3, 3]),
        new("fc3.weight", "fc3", 77, [31]),
    ];

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in OptimizerCatalog.Names.Except(s_notRanged))
            foreach (int parts in new[] { 1, 2, 3, 7 })
                data.Add(name, parts);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ranges_give_bitwise_the_whole_step(string name, int parts)
    {
        Optimizer ranged = OptimizerCatalog.Create(name), whole = OptimizerCatalog.Create(name);
        foreach (Optimizer o in new[] { ranged, whole })
        {
            o.SetGroups(s_table, new ParameterGroupRule("*.bias") { LearningRate = 0.002f });
            o.Freeze("fc2");
        }
        Assert.True(ranged.SupportsRangedStep);
        const int length = 108;
        var random = new SeededRandom(3);
        float[] p = Enumerable.Range(0, length).Select(_ => random.NextGaussian()).ToArray();
        float[] q = (float[])p.Clone();
        var g = new float[length];
        var h = new float[length];
        for (int step = 0; step < 5; step++)
        {
            for (int i = 0; i < length; i++) g[i] = h[i] = random.NextGaussian() + 0.3f * p[i];
            if (step == 2) g[50] = h[50] = 0f;
            whole.StepAndZeroGradients(q, h);
            ranged.BeginRangedStep(length, length);
            // Uneven parts, boundaries inside tensors; applied last to first to show the order does not matter.
            for (int k = parts - 1; k >= 0; k--)
            {
                int from = k * length / parts + (k > 0 ? 1 : 0), to = (k + 1) * length / parts + (k + 1 < parts ? 1 : 0);
                ranged.StepAndZeroGradients(p, g, from, to - from);
            }
            ranged.EndRangedStep();
            Assert.Equal(q, p);
            Assert.All(g, v => Assert.Equal(0f, v));
        }
        Assert.Equal(whole.StepCount, ranged.StepCount);
        for (int i = 0; i < s_table.Length; i++) Assert.Equal(whole.Parameters[i].StepCount, ranged.Parameters[i].StepCount);
        foreach (string state in whole.StateNames) Assert.Equal(whole.StateBuffer(state), ranged.StateBuffer(state));
    }

    public static TheoryData<string, VectorWidth, int> StreamedCases()
    {
        var data = new TheoryData<string, VectorWidth, int>();
        foreach (string name in OptimizerCatalog.Names.Except(s_notRanged))
            foreach (VectorWidth width in new[] { VectorWidth.V512, VectorWidth.V256, VectorWidth.V128, VectorWidth.Scalar })
                data.Add(name, width, name.Length % 4);   // a different misalignment of the parameters for each optimizer
        return data;
    }

    // Long enough for whole 512-bit vectors in every tensor but the 9-float one: 13×16, 23, 9, 131 floats (a gap of 5).
    private static readonly ParameterInfo[] s_longTable =
    [
        new("fc1.weight", "fc1", 0, [13, 16]),
        new("fc1.bias", "fc1", 208, [23]),
        new("fc2.weight", "fc2", 231, [3, 3]),
        new("fc3.weight", "fc3", 245, [131]),
    ];

    // The ranges of a step on several threads store the parameters with non-temporal stores (aligned vectors, the
    // elements before the first aligned one plainly): every width, parameters starting at every misalignment, give the
    // bits of the whole step with plain stores.
    [Theory]
    [MemberData(nameof(StreamedCases))]
    public void Streamed_ranges_give_bitwise_the_whole_step_at_every_width(string name, VectorWidth width, int shift)
    {
        Optimizer ranged = OptimizerCatalog.Create(name), whole = OptimizerCatalog.Create(name);
        foreach (Optimizer o in new[] { ranged, whole })
        {
            o.SetGroups(s_longTable, new ParameterGroupRule("*.bias") { LearningRate = 0.002f });
            o.Freeze("fc2");
            o.Width = width;
        }
        whole.Width = VectorWidth.Scalar;
        const int length = 376;
        var random = new SeededRandom(5);
        float[] storage = new float[length + 3];
        Span<float> p = storage.AsSpan(shift, length);
        for (int i = 0; i < length; i++) p[i] = random.NextGaussian();
        float[] q = p.ToArray();
        var g = new float[length];
        var h = new float[length];
        for (int step = 0; step < 4; step++)
        {
            for (int i = 0; i < length; i++) g[i] = h[i] = random.NextGaussian() + 0.3f * p[i];
            whole.StepAndZeroGradients(q, h);
            ranged.BeginRangedStep(length, length);
            ranged.StepAndZeroGradients(p, g, 117, length - 117, streamParameters: true);   // a boundary inside fc1.weight, off every vector
            ranged.StepAndZeroGradients(p, g, 0, 117, streamParameters: true);
            ranged.EndRangedStep();
            Assert.Equal(q, p.ToArray());
            Assert.All(g, v => Assert.Equal(0f, v));
        }
        foreach (string state in whole.StateNames) Assert.Equal(whole.StateBuffer(state), ranged.StateBuffer(state));
    }

    [Theory]
    [InlineData("sparse-adam")]
    public void Optimizers_that_need_whole_tensors_refuse_ranges(string name)
    {
        Optimizer o = OptimizerCatalog.Create(name);
        Assert.False(o.SupportsRangedStep);
        Assert.Throws<NotSupportedException>(() => o.BeginRangedStep(10, 10));
        Assert.Equal(0, o.StepCount);
        Assert.False(new Lbfgs(1f).SupportsRangedStep);
    }

    [Fact]
    public void A_range_outside_an_open_step_or_the_buffers_is_refused()
    {
        var sgd = new Sgd(0.1f);
        var p = new float[10];
        var g = new float[10];
        Assert.Throws<InvalidOperationException>(() => sgd.StepAndZeroGradients(p, g, 0, 10));
        Assert.Throws<ArgumentException>(() => sgd.BeginRangedStep(10, 9));
        Assert.Equal(0, sgd.StepCount);
        sgd.BeginRangedStep(10, 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.StepAndZeroGradients(p, g, 5, 6));
        Assert.Throws<ArgumentException>(() => sgd.StepAndZeroGradients(new float[11], new float[11], 0, 1));
        Assert.Throws<InvalidOperationException>(() => sgd.BeginRangedStep(10, 10));
        sgd.EndRangedStep();
    }
}
