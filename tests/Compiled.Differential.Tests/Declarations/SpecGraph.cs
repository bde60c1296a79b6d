using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Compiled.Differential.Tests.Declarations;

/// <summary>One operation of a declaration read as a graph: a layer, or the sum / concatenation a block's join makes.</summary>
/// <param name="Kind">The layer's kind, or <see cref="OpKind.Add"/> / <see cref="OpKind.Concat"/>.</param>
/// <param name="Layer">The layer (null for a join).</param>
/// <param name="Name">Its full name as docs/api.md defines it (<c>layer1.0.conv1</c>, <c>layer2.1.downsample.0</c>, <c>fc1</c>).</param>
/// <param name="Inputs">The ops it reads (-1: the network's input).</param>
internal sealed record Op(OpKind Kind, LayerSpec? Layer, string Name, int[] Inputs, int[][] InShapes, int[] OutShape)
{
    public int[] InShape => InShapes[0];
}

internal enum OpKind { Layer, Add, Concat }

/// <summary>
/// This suite's own reading of docs/api.md's blocks (independent of the generator): a declaration as a list of
/// operations in order, blocks expanded (each repetition <c>layerN.r.</c>; a block's main path names each kind afresh;
/// a shortcut's layers <c>downsample.i</c>, a branch's <c>branchJ.i</c>), a ShapeChanges shortcut only where the main
/// path changed the shape, sums that need equal shapes and concatenations that need equal sizes besides channels.
/// </summary>
internal static class SpecGraph
{
    /// <summary>The ops of a whole declaration, or null with <paramref name="why"/>.</summary>
    public static List<Op>? Lower(NetworkSpec spec, out string? why)
    {
        why = null;
        var ops = new List<Op>();
        List<string> names = SpecShapes.Names(spec);
        int current = -1;
        int[] shape = spec.Input;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec layer = spec.Layers[i];
            if (layer.Kind == SpecKind.Block)
            {
                if (!Use(ops, layer.Block!, names[i] + ".", spec.Input, ref current, out why)) return null;
            }
            else if (!Add(ops, layer, names[i], spec.Input, ref current, out why))
            {
                return null;
            }
        }
        return ops;
    }

    /// <summary>The shape after a block (all its repetitions), or null with <paramref name="why"/>.</summary>
    public static int[]? BlockOutput(int[] input, BlockSpec block, out string? why)
    {
        var ops = new List<Op>();
        int current = -1;
        if (!Use(ops, block, "layer1.", input, ref current, out why)) return null;
        return current < 0 ? input : ops[current].OutShape;
    }

    /// <summary>The ops of a block reading <paramref name="input"/> (all repetitions), or null when it is invalid there.</summary>
    public static List<Op>? BlockOps(int[] input, BlockSpec block)
    {
        var ops = new List<Op>();
        int current = -1;
        return Use(ops, block, "layer1.", input, ref current, out _) ? ops : null;
    }

    private static int[] ShapeOf(List<Op> ops, int index, int[] input) => index < 0 ? input : ops[index].OutShape;

    private static bool Add(List<Op> ops, LayerSpec layer, string name, int[] input, ref int current, out string? why)
    {
        int[] shape = ShapeOf(ops, current, input);
        int[]? next = SpecShapes.Next(shape, layer, out why);
        if (next is null) return false;
        ops.Add(new Op(OpKind.Layer, layer, name, new[] { current }, new[] { shape }, next));
        current = ops.Count - 1;
        return true;
    }

    private static bool Use(List<Op> ops, BlockSpec block, string prefix, int[] input, ref int current, out string? why)
    {
        why = null;
        if (block.Repeat < 1) { why = "Repeat < 1"; return false; }
        for (int r = 0; r < block.Repeat; r++)
        {
            string copy = prefix + r.ToString(CultureInfo.InvariantCulture) + ".";
            if (!Body(ops, block, copy, input, ref current, out why)) return false;
        }
        return true;
    }

    private static bool Body(List<Op> ops, BlockSpec block, string prefix, int[] input, ref int current, out string? why)
    {
        why = null;
        int blockInput = current;
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        string Next(LayerSpec layer)
        {
            string kind = Prefix(layer.Kind);
            counters[kind] = counters.GetValueOrDefault(kind) + 1;
            return kind + counters[kind].ToString(CultureInfo.InvariantCulture);
        }

        if (block.IsResidual)
        {
            foreach (LayerSpec layer in block.Main)
            {
                if (!Add(ops, layer, prefix + Next(layer), input, ref current, out why)) return false;
            }
            int main = current;
            int shortcut = blockInput;
            bool skip = block.OnlyWhenShapeChanges && ShapeOf(ops, main, input).SequenceEqual(ShapeOf(ops, blockInput, input));
            if (block.Shortcut is not null && !skip)
            {
                for (int i = 0; i < block.Shortcut.Count; i++)
                {
                    if (!Add(ops, block.Shortcut[i], prefix + "downsample." + i.ToString(CultureInfo.InvariantCulture), input, ref shortcut, out why)) return false;
                }
            }
            int[] a = ShapeOf(ops, main, input), b = ShapeOf(ops, shortcut, input);
            if (!a.SequenceEqual(b)) { why = "residual sides differ"; return false; }
            ops.Add(new Op(OpKind.Add, null, prefix + "add", new[] { main, shortcut }, new[] { a, b }, a));
            current = ops.Count - 1;
        }
        else
        {
            var outputs = new List<int>();
            for (int j = 0; j < block.Branches!.Count; j++)
            {
                int branch = blockInput;
                IReadOnlyList<LayerSpec> layers = block.Branches[j];
                for (int i = 0; i < layers.Count; i++)
                {
                    string name = prefix + "branch" + (j + 1).ToString(CultureInfo.InvariantCulture) + "." + i.ToString(CultureInfo.InvariantCulture);
                    if (!Add(ops, layers[i], name, input, ref branch, out why)) return false;
                }
                outputs.Add(branch);
            }
            int[][] shapes = outputs.Select(o => ShapeOf(ops, o, input)).ToArray();
            int[] first = shapes[0];
            if (shapes.Any(s => s.Length != first.Length || !s.Skip(1).SequenceEqual(first.Skip(1)))) { why = "branches differ outside the channels"; return false; }
            int[] output = (int[])first.Clone();
            output[0] = shapes.Sum(s => s[0]);
            ops.Add(new Op(OpKind.Concat, null, prefix + "concat", outputs.ToArray(), shapes, output));
            current = ops.Count - 1;
        }
        foreach (LayerSpec layer in block.After)
        {
            if (!Add(ops, layer, prefix + Next(layer), input, ref current, out why)) return false;
        }
        return true;
    }

    public static string Prefix(SpecKind kind) => kind switch
    {
        SpecKind.Dense => "fc",
        SpecKind.Conv2D => "conv",
        SpecKind.MaxPool or SpecKind.AvgPool or SpecKind.GlobalAvgPool => "pool",
        SpecKind.BatchNorm => "bn",
        SpecKind.Dropout or SpecKind.Dropout2d => "dropout",
        SpecKind.LocalResponseNorm => "lrn",
        SpecKind.Flatten => "flatten",
        SpecKind.ReLU => "relu",
        SpecKind.LeakyReLU => "leaky_relu",
        SpecKind.ELU => "elu",
        SpecKind.Sigmoid => "sigmoid",
        SpecKind.Tanh => "tanh",
        SpecKind.Block => "layer",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
