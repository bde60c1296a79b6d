using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace Compiled.Differential.Tests.Declarations;

/// <summary>
/// Greedy shrinking of a failing declaration: each round proposes smaller valid variants (a layer removed, the head
/// dropped, a size or kernel reduced, an option back to its default, a smaller input), asks which of them still fail,
/// and continues from the first that does, until none does or the budget is spent.
/// </summary>
internal static class Shrinker
{
    /// <param name="failing">The declaration that fails.</param>
    /// <param name="firstFailing">Given candidates, the index of the first that still fails (any failure), or null.</param>
    public static NetworkSpec Shrink(NetworkSpec failing, Func<IReadOnlyList<NetworkSpec>, int?> firstFailing, int maxRounds = 30, double maxSeconds = 120)
    {
        var clock = Stopwatch.StartNew();
        NetworkSpec current = failing;
        for (int round = 0; round < maxRounds && clock.Elapsed.TotalSeconds < maxSeconds; round++)
        {
            List<NetworkSpec> candidates = Candidates(current).ToList();
            if (candidates.Count == 0) break;
            int? index = firstFailing(candidates);
            if (index is null) break;
            current = candidates[index.Value];
        }
        return current;
    }

    /// <summary>Valid variants of <paramref name="spec"/>, each strictly smaller or simpler, most drastic first.</summary>
    public static IEnumerable<NetworkSpec> Candidates(NetworkSpec spec)
    {
        var seen = new HashSet<string> { spec.DeclarationText() };
        foreach (NetworkSpec candidate in Proposals(spec))
        {
            if (SpecShapes.All(candidate, out _) is null) continue;
            if (seen.Add(candidate.DeclarationText())) yield return candidate;
        }
    }

    private static IEnumerable<NetworkSpec> Proposals(NetworkSpec spec)
    {
        // Remove a layer (a range first, then one at a time).
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            for (int j = spec.Layers.Count; j > i + 1; j--) yield return WithLayers(spec, spec.Layers.Take(i).Concat(spec.Layers.Skip(j)));
            yield return WithLayers(spec, spec.Layers.Where((_, k) => k != i));
        }
        if (spec.Head != HeadSpec.None) yield return spec with { Training = false, Head = HeadSpec.None, Margin = null };
        if (spec.Head != HeadSpec.None && !spec.Training) yield return spec with { Training = true };
        if (spec.Margin is not null) yield return spec with { Margin = null };

        // A smaller input.
        for (int d = 0; d < spec.Input.Length; d++)
        {
            foreach (int smaller in Smaller(spec.Input[d]))
            {
                int[] input = (int[])spec.Input.Clone();
                input[d] = smaller;
                yield return spec with { Input = input };
            }
        }

        // Simpler layers.
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            foreach (LayerSpec simpler in Simpler(layer)) yield return WithLayers(spec, spec.Layers.Select((l, k) => k == i ? simpler : l));
        }
    }

    private static IEnumerable<LayerSpec> Simpler(LayerSpec layer)
    {
        if (layer.Kind is SpecKind.Dense or SpecKind.Conv2D or SpecKind.MaxPool or SpecKind.AvgPool)
        {
            foreach (int smaller in Smaller(layer.Size)) yield return layer with { Size = smaller };
        }
        if (layer.Kind == SpecKind.Conv2D)
        {
            foreach (int smaller in Smaller(layer.ConvKernel)) yield return layer with { Kernel = smaller };
            if (layer.Kernel is not null) yield return layer with { Kernel = null };
        }
        if (layer.KernelWidth is not null) yield return layer with { KernelWidth = null };
        if (layer.StrideWidth is not null) yield return layer with { StrideWidth = null };
        if (layer.DilationWidth is not null) yield return layer with { DilationWidth = null };
        if (layer.Dilation is not null) yield return layer with { Dilation = null, DilationWidth = null };
        if (layer.Groups is not null) yield return layer with { Groups = null };
        if (layer.WindowWidth is not null) yield return layer with { WindowWidth = null };
        if (layer.PoolPaddingWidth is not null) yield return layer with { PoolPaddingWidth = null };
        if (layer.PoolPadding is not null) yield return layer with { PoolPadding = null, PoolPaddingWidth = null };
        if (layer.CeilMode) yield return layer with { CeilMode = false };
        if (layer.CountIncludePad is not null) yield return layer with { CountIncludePad = null };
        if (layer.Stride is not null) yield return layer with { Stride = null };
        if (layer.Padding is not null) yield return layer with { Padding = null };
        if (layer.Padding is { Keyword: null, Pixels: > 0 } p) yield return layer with { Padding = p with { Pixels = p.Pixels - 1 } };
        if (layer.Padding is { Keyword: null, Width: not null } pair) yield return layer with { Padding = pair with { Width = null } };
        if (!layer.Bias) yield return layer with { Bias = true };
        if (layer.Init is not null) yield return layer with { Init = null };
        if (layer.Name is not null) yield return layer with { Name = null };
        if (layer.Parameter is not null) yield return layer with { Parameter = null };
        if (layer.Kind is SpecKind.LeakyReLU or SpecKind.ELU or SpecKind.Sigmoid or SpecKind.Tanh) yield return new LayerSpec(SpecKind.ReLU) { Name = layer.Name, NewList = layer.NewList };
        if (layer.Kind == SpecKind.AvgPool) yield return layer with { Kind = SpecKind.MaxPool };
    }

    private static IEnumerable<int> Smaller(int value)
    {
        if (value > 1) yield return 1;
        if (value > 4) yield return value / 2;
        if (value > 2) yield return value - 1;
    }

    private static NetworkSpec WithLayers(NetworkSpec spec, IEnumerable<LayerSpec> layers)
    {
        var list = layers.ToList();
        if (list.Count > 0) list[0] = list[0] with { NewList = true };
        return spec with { Layers = list };
    }
}
