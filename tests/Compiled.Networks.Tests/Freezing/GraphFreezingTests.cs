using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Networks.Tests.Blocks;
using Compiled.Networks.Tests.TestSupport;

namespace Compiled.Networks.Tests.Freezing;

/// <summary>
/// Freezing in graphs (residual sums, concatenated branches, blocks in blocks with the network's input as a fork): with any
/// one layer frozen, or every layer but one, each trained layer's gradient is bit for bit that of the network without
/// freezing and each frozen layer's gradient is untouched (a sentinel written before TrainStep survives it). A backward
/// that stopped below the last trained layer in run order, or skipped a branch another path still needs, fails this.
/// </summary>
public sealed class GraphFreezingTests
{
    private const float Sentinel = 12345.5f;

    private sealed record Case(Func<int, ITrainableNetwork> Make, int Batch, int InputLength, int Classes);

    private static readonly Dictionary<string, Case> s_cases = new()
    {
        ["residual"] = new(threads => new SmoothResidualNet(threads), 3, 3 * 36, 4),
        ["inception"] = new(threads => new SmoothInceptionNet(threads), 3, 2 * 25, 3),
        ["nested"] = new(threads => new NestedBlockNet(threads), 2, 3 * 25, 3),
    };

    public static TheoryData<string, int> Networks()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in s_cases.Keys)
        {
            data.Add(name, 1);
            data.Add(name, 2);
        }
        return data;
    }

    private static (ITrainableNetwork Net, float[] X, int[] Labels, int Batch) Make(string name, int threads)
    {
        Case c = s_cases[name];
        ITrainableNetwork net = c.Make(threads);
        net.Initialize(7);
        return (net, TestData.Uniform(c.Batch * c.InputLength, seed: 5), TestData.Labels(c.Batch, c.Classes, seed: 6), c.Batch);
    }

    private static string[] Layers(ITrainableNetwork net) => net.ParameterTable.Select(p => p.Layer).Distinct().ToArray();

    [Theory]
    [MemberData(nameof(Networks))]
    public void Each_layer_frozen_in_turn(string name, int threads)
    {
        var (full, x, labels, batch) = Make(name, threads);
        full.TrainStep(x, labels, batch);
        foreach (string layer in Layers(full)) AssertFrozen(name, threads, full.Gradients, new[] { layer });
        full.Dispose();
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void All_layers_but_one_frozen_in_turn(string name, int threads)
    {
        var (full, x, labels, batch) = Make(name, threads);
        full.TrainStep(x, labels, batch);
        string[] layers = Layers(full);
        foreach (string trained in layers) AssertFrozen(name, threads, full.Gradients, layers.Where(l => l != trained).ToArray());
        full.Dispose();
    }

    private static void AssertFrozen(string name, int threads, float[] expected, string[] frozen)
    {
        var (net, x, labels, batch) = Make(name, threads);
        using (net)
        {
            foreach (string layer in frozen) net.Freeze(layer);
            foreach (ParameterInfo p in net.ParameterTable.Where(p => frozen.Contains(p.Layer)))
                net.Gradients.AsSpan(p.Offset, p.Length).Fill(Sentinel);

            net.TrainStep(x, labels, batch);

            foreach (ParameterInfo p in net.ParameterTable)
            {
                float[] got = net.Gradients.AsSpan(p.Offset, p.Length).ToArray();
                if (frozen.Contains(p.Layer))
                    Assert.True(got.All(g => g == Sentinel), $"{name}: {p.Name} is frozen ({string.Join(", ", frozen)}) but its gradient was written");
                else
                    Assert.True(expected.AsSpan(p.Offset, p.Length).SequenceEqual(got), $"{name}: {p.Name} with {string.Join(", ", frozen)} frozen differs from the unfrozen network's");
            }
        }
    }
}
