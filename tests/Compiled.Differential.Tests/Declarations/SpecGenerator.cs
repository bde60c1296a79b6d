using System;
using System.Collections.Generic;
using System.Linq;

namespace Compiled.Differential.Tests.Declarations;

/// <summary>
/// Seeded random generator of valid declarations: any sequence of the API's layers (Conv2D with every padding form,
/// strides, rectangular kernels, strides and paddings, dilation and groups (depthwise too), pools with strides other
/// than the window, rectangular windows, strides and padding, ceil mode and CountIncludePad, Flatten anywhere, every activation with and without its
/// argument), every loss head or none with <c>Training = false</c>, odd sizes, <c>Bias = false</c>, explicit names and
/// <c>Init</c> overrides. Validity is decided by <see cref="SpecShapes"/>, this suite's own shape rules.
/// </summary>
internal sealed class SpecGenerator
{
    private static readonly int[] FlatSizes = { 1, 2, 3, 5, 7, 8, 16, 17, 31, 33, 64, 100, 130 };
    private static readonly int[] ImageSides = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 17, 19, 23, 28 };
    private static readonly int[] Channels = { 1, 2, 3, 5 };
    private static readonly int[] Filters = { 1, 2, 3, 4, 5, 7, 8, 17 };
    private static readonly string[] Inits = { "Default", "HeNormal", "HeUniform", "XavierNormal", "XavierUniform", "PyTorchDefault", "Zeros" };
    private static readonly string[] NameStems = { "enc", "hidden", "feat", "stem", "proj", "Mixer", "x", "body_part" };
    private static readonly float[] Slopes = { 0.2f, 0.05f, 0.3f, 0.01f };
    private static readonly float[] Alphas = { 0.5f, 1f, 1.5f, 0.1f };
    private static readonly float[] Margins = { 0.5f, 1f, 2f };

    /// <summary>Most floats one layer's output may take for one sample (keeps every network cheap)...</summary>
    private const int MaxActivation = 6000;
    /// <summary>...except in one network in 100, large enough that the generated workspace holds only a few dozen samples.</summary>
    private const int MaxLargeActivation = 30_000;
    private const int MaxWeights = 80_000;

    private readonly Random _random;

    public SpecGenerator(int seed) => _random = new Random(seed);

    public NetworkSpec Next()
    {
        while (true)
        {
            NetworkSpec? spec = TryNext();
            if (spec is not null && SpecShapes.All(spec, out _) is not null) return spec;
        }
    }

    private NetworkSpec? TryNext()
    {
        bool training = _random.NextDouble() < 0.85;
        bool large = _random.NextDouble() < 0.01;
        int maxActivation = large ? MaxLargeActivation : MaxActivation;
        int[] input = large ? new[] { Pick(Channels), 28 + _random.Next(8), 28 + _random.Next(8) }
            : _random.NextDouble() < 0.6 ? new[] { Pick(Channels), Pick(ImageSides), Pick(ImageSides) }
            : new[] { Pick(FlatSizes) };
        if (input.Length == 3 && _random.NextDouble() < 0.4) input[2] = input[1];

        int count = 1 + _random.Next(_random.NextDouble() < 0.2 ? 9 : 5);
        var layers = new List<LayerSpec>();
        int[] shape = input;
        int nameIndex = 0;
        for (int attempt = 0; layers.Count < count && attempt < 50; attempt++)
        {
            LayerSpec layer = RandomLayer(shape);
            int[]? next = SpecShapes.Next(shape, layer, out _);
            if (next is null || SpecShapes.Length(next) > maxActivation) continue;
            long weights = layer.Kind == SpecKind.Dense ? (long)SpecShapes.Length(shape) * layer.Size
                : layer.Kind == SpecKind.Conv2D ? (long)layer.Size * (shape[0] / layer.ConvGroups) * layer.ConvKernel * layer.ConvKernelWidth : 0;
            if (weights > MaxWeights) continue;
            if (_random.NextDouble() < 0.15) layer = layer with { Name = $"{Pick(NameStems)}_{++nameIndex}" };
            layer = layer with { NewList = layers.Count == 0 || _random.NextDouble() < 0.5 };
            layers.Add(layer);
            shape = next;
        }
        if (layers.Count == 0) return null;

        HeadSpec head = training || _random.NextDouble() < 0.3
            ? (HeadSpec)(1 + _random.Next(4))
            : HeadSpec.None;
        float? margin = head == HeadSpec.MultiClassHinge && _random.NextDouble() < 0.5 ? Pick(Margins) : null;
        return new NetworkSpec(training, input, layers, head) { Margin = margin, HeadOnNewList = _random.NextDouble() < 0.5 };
    }

    private LayerSpec RandomLayer(int[] shape)
    {
        if (_random.NextDouble() < 0.12 && RandomBlock(shape) is { } block) return block;
        double r = _random.NextDouble();
        if (_random.NextDouble() < 0.15) return Regularization(shape);
        if (shape.Length == 3)
        {
            if (r < 0.30) return Conv(shape);
            if (r < 0.45) return Pool(shape);
            if (r < 0.75) return Activation();
            if (r < 0.82) return new LayerSpec(SpecKind.Flatten);
            return DenseLayer();
        }
        if (r < 0.45) return DenseLayer();
        if (r < 0.92) return Activation();
        return new LayerSpec(SpecKind.Flatten);
    }

    /// <summary>
    /// A residual block (1-3 layers on the main path; no shortcut, an empty one, or a projection where the shape changes,
    /// always or only there) or 2-3 branches (some empty: the identity) joined on channels, maybe repeated, maybe followed
    /// by an activation; null when the draw does not fit <paramref name="shape"/> or the size limits.
    /// </summary>
    private LayerSpec? RandomBlock(int[] shape)
    {
        BlockSpec block;
        IReadOnlyList<LayerSpec> after = _random.NextDouble() < 0.5 ? new[] { Activation() } : Array.Empty<LayerSpec>();
        if (_random.NextDouble() < 0.6)
        {
            var main = new List<LayerSpec>();
            int[] current = shape;
            int length = 1 + _random.Next(3);
            for (int i = 0; i < length; i++)
            {
                // A convolution or dense layer is often followed by a batch norm (a ResNet block's conv → bn).
                // Now and then a regularizer (dropout between a wide block's convolutions, LRN, global pooling before a projection).
                LayerSpec layer = main.Count > 0 && main[^1].Kind is SpecKind.Conv2D or SpecKind.Dense && _random.NextDouble() < 0.4
                    ? new LayerSpec(SpecKind.BatchNorm)
                    : _random.NextDouble() < 0.1 ? Regularization(current)
                    : current.Length == 3
                    ? (_random.NextDouble() < 0.55 ? Conv(current) : _random.NextDouble() < 0.2 ? Pool(current) : _random.NextDouble() < 0.2 ? new LayerSpec(SpecKind.BatchNorm) : Activation())
                    : (_random.NextDouble() < 0.5 ? new LayerSpec(SpecKind.Dense, Pick(FlatSizes)) : _random.NextDouble() < 0.2 ? new LayerSpec(SpecKind.BatchNorm) : Activation());
                int[]? next = SpecShapes.Next(current, layer, out _);
                if (next is null) return null;
                main.Add(layer);
                current = next;
            }
            bool same = current.SequenceEqual(shape);
            IReadOnlyList<LayerSpec>? shortcut;
            bool onlyWhenChanged = false;
            if (same && _random.NextDouble() < 0.5)
            {
                shortcut = _random.NextDouble() < 0.5 ? null : Array.Empty<LayerSpec>();
            }
            else
            {
                LayerSpec? projection = Projection(shape, current);
                if (projection is null) return null;
                shortcut = new[] { projection };
                onlyWhenChanged = _random.NextDouble() < 0.6;
            }
            block = new BlockSpec(main, shortcut, null, after) { OnlyWhenShapeChanges = onlyWhenChanged };
        }
        else
        {
            var branches = new List<IReadOnlyList<LayerSpec>>();
            int count = 2 + _random.Next(2);
            for (int j = 0; j < count; j++)
            {
                var branch = new List<LayerSpec>();
                int length = _random.Next(3);
                for (int i = 0; i < length; i++)
                {
                    // Sizes kept: a stride-1 'same' convolution or a Dense (flat), or an activation; after either of the
                    // first two, often a batch norm (an Inception branch's conv → bn → relu).
                    LayerSpec layer = branch.Count > 0 && branch[^1].Kind is SpecKind.Conv2D or SpecKind.Dense && _random.NextDouble() < 0.4
                        ? new LayerSpec(SpecKind.BatchNorm)
                        : _random.NextDouble() < 0.1 ? (Regularization(shape) is { Kind: not SpecKind.GlobalAvgPool } kept ? kept : new LayerSpec(SpecKind.Dropout) { Rate = 0.5 })
                        // Inception's pool branch: a 3×3 pool, stride 1, padding 1 (the size kept), then usually a 1×1 convolution.
                        : shape.Length == 3 && _random.NextDouble() < 0.12
                            ? (_random.NextDouble() < 0.7 ? new LayerSpec(SpecKind.MaxPool, 3) { Stride = 1, PoolPadding = 1 }
                                : new LayerSpec(SpecKind.AvgPool, 3) { Stride = 1, PoolPadding = 1, CountIncludePad = _random.NextDouble() < 0.5 ? false : null })
                        : _random.NextDouble() < 0.5
                        ? (shape.Length == 3 ? new LayerSpec(SpecKind.Conv2D, Pick(Filters)) { Kernel = Pick(new[] { 1, 3, 3 }), Padding = new PaddingSpec(1, null) } : new LayerSpec(SpecKind.Dense, Pick(FlatSizes)))
                        : Activation();
                    if (layer.Kind == SpecKind.Conv2D && layer.Kernel == 1) layer = layer with { Padding = _random.NextDouble() < 0.5 ? null : new PaddingSpec(0, "same") };
                    branch.Add(layer);
                }
                branches.Add(branch);
            }
            block = new BlockSpec(Array.Empty<LayerSpec>(), null, branches, after);
        }
        block = block with { Repeat = _random.NextDouble() < 0.3 ? 2 : 1, Pad = _random.NextDouble() < 0.3 ? 0 : null };
        List<Op>? ops = SpecGraph.BlockOps(shape, block);
        if (ops is null) return null;
        long weights = 0;
        foreach (Op op in ops)
        {
            if (SpecShapes.Length(op.OutShape) > MaxActivation) return null;
            if (op.Layer is { Kind: SpecKind.Dense } dense) weights += (long)SpecShapes.Length(op.InShape) * dense.Size;
            if (op.Layer is { Kind: SpecKind.Conv2D } conv) weights += (long)conv.Size * (op.InShape[0] / conv.ConvGroups) * conv.ConvKernel * conv.ConvKernelWidth;
        }
        return weights > MaxWeights ? null : new LayerSpec(SpecKind.Block) { Block = block };
    }

    /// <summary>The shortcut layer that maps <paramref name="from"/> to <paramref name="to"/>: a 1x1 Conv2D with a stride that gives the size, or a Dense; null if none does.</summary>
    private LayerSpec? Projection(int[] from, int[] to)
    {
        if (from.Length != to.Length) return null;
        if (from.Length == 1) return new LayerSpec(SpecKind.Dense, to[0]);
        for (int stride = 1; stride <= from[1]; stride++)
        {
            if ((from[1] - 1) / stride + 1 == to[1] && (from[2] - 1) / stride + 1 == to[2])
                return new LayerSpec(SpecKind.Conv2D, to[0]) { Kernel = 1, Stride = stride == 1 && _random.NextDouble() < 0.5 ? null : stride };
        }
        return null;
    }

    private LayerSpec DenseLayer() => WithParameterOptions(new LayerSpec(SpecKind.Dense, Pick(FlatSizes)));

    private LayerSpec Conv(int[] shape)
    {
        var layer = new LayerSpec(SpecKind.Conv2D, Pick(Filters));
        double r = _random.NextDouble();
        if (r < 0.6) layer = layer with { Kernel = Pick(new[] { 1, 2, 3, 3, 5 }) };
        else if (r < 0.75) layer = layer with { Kernel = Pick(new[] { 1, 2, 3, 5 }), KernelWidth = Pick(new[] { 1, 3, 4, 7 }) }; // 1x7, 7x1, 3x1...
        if (_random.NextDouble() < 0.35) layer = layer with { Stride = Pick(new[] { 1, 2, 2, 3 }) };
        if (_random.NextDouble() < 0.1) layer = layer with { StrideWidth = Pick(new[] { 1, 2, 3 }) };
        double p = _random.NextDouble();
        if (p < 0.25) layer = layer with { Padding = new PaddingSpec(_random.Next(4), null) };
        else if (p < 0.45) layer = layer with { Padding = new PaddingSpec(0, "same") };
        else if (p < 0.55) layer = layer with { Padding = new PaddingSpec(0, "valid") };
        else if (p < 0.65) layer = layer with { Padding = new PaddingSpec(_random.Next(4), null, _random.Next(4)) };
        double d = _random.NextDouble();
        if (d < 0.12) layer = layer with { Dilation = Pick(new[] { 2, 2, 3 }) };
        else if (d < 0.2) layer = layer with { Dilation = Pick(new[] { 1, 2 }), DilationWidth = Pick(new[] { 2, 3 }) };
        if (_random.NextDouble() < 0.18)
        {
            // Groups dividing the input channels, the filters made a multiple of them: depthwise (groups = channels) half the time.
            int groups = _random.NextDouble() < 0.5 ? shape[0] : Pick(Divisors(shape[0]));
            layer = layer with { Groups = groups, Size = groups * Pick(new[] { 1, 1, 2, 3 }) };
        }
        // Shrink the dilation, then the kernel until it fits the padded input (or give up: the caller retries).
        while (SpecShapes.Next(shape, layer, out _) is null)
        {
            if (layer.Dilation is not null) layer = layer with { Dilation = null, DilationWidth = null };
            else if (layer.KernelWidth is > 1) layer = layer with { KernelWidth = layer.KernelWidth - 1 };
            else if (layer.ConvKernel > 1) layer = layer with { Kernel = layer.ConvKernel - 1 };
            else break;
        }
        return WithParameterOptions(layer);
    }

    private static int[] Divisors(int value) => Enumerable.Range(1, value).Where(d => value % d == 0).ToArray();

    private LayerSpec Pool(int[] shape)
    {
        int limit = Math.Min(shape[1], shape[2]);
        int window = Math.Min(limit, Pick(new[] { 1, 2, 2, 3 }));
        var layer = new LayerSpec(_random.NextDouble() < 0.6 ? SpecKind.MaxPool : SpecKind.AvgPool, window);
        if (_random.NextDouble() < 0.2)
        {
            // A rectangular window (1x3, 3x1, 2x3...), each axis within the input.
            layer = layer with { Size = Math.Min(shape[1], Pick(new[] { 1, 2, 3 })), WindowWidth = Math.Min(shape[2], Pick(new[] { 1, 2, 3, 4 })) };
        }
        double r = _random.NextDouble();
        if (r < 0.4) layer = layer with { Stride = Pick(new[] { 1, 2, 3 }) };
        else if (r < 0.5) layer = layer with { Stride = 0 };
        else if (r < 0.6) layer = layer with { Stride = Pick(new[] { 1, 2 }), StrideWidth = Pick(new[] { 1, 2, 3 }) };
        if (_random.NextDouble() < 0.2)
        {
            // Padding at most half the window on each axis (PyTorch's rule).
            if (layer.WindowWidth is null)
            {
                // A square window of 1 gets a 3 so that it can be padded; sometimes the width's padding differs.
                if (window == 1) layer = layer with { Size = 3 };
                layer = layer with { PoolPadding = 1 + _random.Next(layer.Size / 2) };
                if (_random.NextDouble() < 0.3) layer = layer with { PoolPaddingWidth = _random.Next(layer.Size / 2 + 1) };
            }
            else
            {
                layer = layer with { PoolPadding = _random.Next(layer.Size / 2 + 1), PoolPaddingWidth = _random.Next(layer.PoolWindowWidth / 2 + 1) };
            }
        }
        if (_random.NextDouble() < (layer.WindowWidth is null ? 0.2 : 0.5)) layer = layer with { CeilMode = true };
        if (layer.Kind == SpecKind.AvgPool && _random.NextDouble() < (layer.PoolPad + (layer.PoolPaddingWidth ?? 0) > 0 ? 0.6 : 0.3))
            layer = layer with { CountIncludePad = _random.NextDouble() < 0.7 ? false : true };
        return layer;
    }

    // BatchNorm (either rank), Dropout (either), and on [c, h, w] Dropout2d, GlobalAvgPool and LocalResponseNorm.
    private LayerSpec Regularization(int[] shape)
    {
        double r = _random.NextDouble();
        if (r < 0.4) return new LayerSpec(SpecKind.BatchNorm) { Rate = _random.NextDouble() < 0.3 ? Pick(new[] { 0.3, 0.01, 1.0 }) : null };
        if (r < 0.65 || shape.Length != 3) return new LayerSpec(SpecKind.Dropout) { Rate = Pick(new[] { 0.0, 0.2, 0.5, 0.7 }) };
        if (r < 0.75) return new LayerSpec(SpecKind.Dropout2d) { Rate = Pick(new[] { 0.25, 0.5 }) };
        if (r < 0.88) return new LayerSpec(SpecKind.GlobalAvgPool);
        return new LayerSpec(SpecKind.LocalResponseNorm, Pick(new[] { 1, 2, 3, 5 })) { Rate = _random.NextDouble() < 0.5 ? Pick(new[] { 0.5, 1.0 }) : null };
    }

    private LayerSpec Activation()
    {
        SpecKind kind = Pick(new[] { SpecKind.ReLU, SpecKind.LeakyReLU, SpecKind.ELU, SpecKind.Sigmoid, SpecKind.Tanh });
        var layer = new LayerSpec(kind);
        if (kind == SpecKind.LeakyReLU && _random.NextDouble() < 0.6) layer = layer with { Parameter = Pick(Slopes) };
        if (kind == SpecKind.ELU && _random.NextDouble() < 0.6) layer = layer with { Parameter = Pick(Alphas) };
        return layer;
    }

    private LayerSpec WithParameterOptions(LayerSpec layer)
    {
        if (_random.NextDouble() < 0.2) layer = layer with { Bias = false };
        if (_random.NextDouble() < 0.25) layer = layer with { Init = Pick(Inits) };
        return layer;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
