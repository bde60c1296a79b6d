using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Compiled.Differential.Tests.Declarations;

/// <summary>The layer kinds of the declaration API (docs/api.md), as this test suite models them.</summary>
internal enum SpecKind { Dense, Conv2D, MaxPool, AvgPool, Flatten, ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Block, BatchNorm, Dropout, Dropout2d, GlobalAvgPool, LocalResponseNorm }

/// <summary>
/// A block used in the network (<c>[Use(typeof(B), Repeat = r)]</c>, docs/api.md "Blocks"): either a residual block
/// (<see cref="Main"/>, then <c>[Shortcut]</c> with <see cref="Shortcut"/> unless it is null, then <c>[Residual]</c>) or
/// parallel branches (<see cref="Branches"/>, then <c>[Concat]</c>), followed by <see cref="After"/> on the join's line.
/// <see cref="Pad"/>: the block's parameter "pad" (default 0) is added to every explicit Conv2D padding inside it, written
/// as the expression <c>"pad + 2"</c>; the [Use] passes 0 when it is not null, so the value never changes the network.
/// </summary>
internal sealed record BlockSpec(IReadOnlyList<LayerSpec> Main, IReadOnlyList<LayerSpec>? Shortcut, IReadOnlyList<IReadOnlyList<LayerSpec>>? Branches, IReadOnlyList<LayerSpec> After)
{
    public bool OnlyWhenShapeChanges { get; init; }
    public int Repeat { get; init; } = 1;
    public int? Pad { get; init; }
    public bool IsResidual => Branches is null;

    /// <summary>The block class's attribute lines and declaration.</summary>
    public string Render(string className)
    {
        var text = new StringBuilder("[Block(\"pad = 0\")]\n");
        void Line(IEnumerable<string> items) => text.Append('[').Append(string.Join(", ", items)).Append("]\n");
        if (IsResidual)
        {
            foreach (LayerSpec layer in Main) Line(new[] { layer.Render(inBlock: true) });
            if (Shortcut is not null)
            {
                Line(new[] { OnlyWhenShapeChanges ? "Shortcut(When = ShortcutWhen.ShapeChanges)" : "Shortcut" }.Concat(Shortcut.Select(l => l.Render(inBlock: true))));
            }
            Line(new[] { "Residual" }.Concat(After.Select(l => l.Render(inBlock: true))));
        }
        else
        {
            foreach (IReadOnlyList<LayerSpec> branch in Branches!) Line(new[] { "Branch" }.Concat(branch.Select(l => l.Render(inBlock: true))));
            Line(new[] { "Concat" }.Concat(After.Select(l => l.Render(inBlock: true))));
        }
        text.Append("public class ").Append(className).Append(";\n");
        return text.ToString();
    }
}

/// <summary>The loss heads; <see cref="None"/> only with <c>[Network(Training = false)]</c>.</summary>
internal enum HeadSpec { None, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, MeanSquaredError, MultiClassHinge }

/// <summary>
/// <c>Padding = 2</c> (<see cref="Keyword"/> null), <c>Padding = new[] { 2, 1 }</c> (<see cref="Width"/> set: height 2,
/// width 1) or <c>Padding = "same"</c> / <c>"valid"</c>.
/// </summary>
internal sealed record PaddingSpec(int Pixels, string? Keyword, int? Width = null)
{
    public int PixelsWidth => Width ?? Pixels;

    public string Render() => Keyword is not null ? "\"" + Keyword + "\""
        : Width is int w ? $"new[] {{ {Pixels.ToString(CultureInfo.InvariantCulture)}, {w.ToString(CultureInfo.InvariantCulture)} }}"
        : Pixels.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One layer attribute. Null optional arguments are not written (the attribute's default applies).
/// <see cref="Size"/> is Dense units, Conv2D filters or a pool's window.
/// </summary>
internal sealed record LayerSpec(SpecKind Kind, int Size = 0)
{
    /// <summary>Conv2D: the kernel (its height when <see cref="KernelWidth"/> is set); null = not written (3).</summary>
    public int? Kernel { get; init; }
    /// <summary>Conv2D: set, the kernel is written as a pair <c>new[] { Kernel, KernelWidth }</c>.</summary>
    public int? KernelWidth { get; init; }
    /// <summary>Conv2D: null = 1. Pools: null = not written (= window); 0 written explicitly also means the window.</summary>
    public int? Stride { get; init; }
    /// <summary>
    /// Conv2D: set, the stride is written as a pair <c>new[] { Stride ?? 1, StrideWidth }</c>. Pools: set, as a pair
    /// <c>new[] { PoolStride, StrideWidth }</c> (the height's stride resolved, so never 0).
    /// </summary>
    public int? StrideWidth { get; init; }
    /// <summary>Conv2D: null = not written (1).</summary>
    public int? Dilation { get; init; }
    /// <summary>Conv2D: set, the dilation is written as a pair <c>new[] { Dilation ?? 1, DilationWidth }</c>.</summary>
    public int? DilationWidth { get; init; }
    /// <summary>Conv2D: null = not written (1).</summary>
    public int? Groups { get; init; }
    /// <summary>Pools: <c>Padding</c> (its height when <see cref="PoolPaddingWidth"/> is set); null = not written (0).</summary>
    public int? PoolPadding { get; init; }
    /// <summary>Pools: set, the padding is written as a pair <c>new[] { PoolPad, PoolPaddingWidth }</c>.</summary>
    public int? PoolPaddingWidth { get; init; }
    /// <summary>Pools: set, the window is written as a pair <c>new[] { Size, WindowWidth }</c> (Size is then its height).</summary>
    public int? WindowWidth { get; init; }
    /// <summary>Pools: <c>CeilMode = true</c> when set.</summary>
    public bool CeilMode { get; init; }
    /// <summary>AvgPool: <c>CountIncludePad</c> when written; null = not written (true).</summary>
    public bool? CountIncludePad { get; init; }
    public PaddingSpec? Padding { get; init; }
    public bool Bias { get; init; } = true;
    /// <summary>An <c>Init</c> member name (<c>HeUniform</c>), or null for the default.</summary>
    public string? Init { get; init; }
    public string? Name { get; init; }
    /// <summary>LeakyReLU slope or ELU alpha when written; null = the constructor's default.</summary>
    public float? Parameter { get; init; }
    /// <summary>Dropout rate; BatchNorm momentum when written; LocalResponseNorm alpha when written.</summary>
    public double? Rate { get; init; }
    /// <summary>Starts a new attribute list <c>[...]</c> (otherwise shares the previous one).</summary>
    public bool NewList { get; init; } = true;
    /// <summary>For <see cref="SpecKind.Block"/>: the block.</summary>
    public BlockSpec? Block { get; init; }
    /// <summary>For <see cref="SpecKind.Block"/>: the block class's name, set when the network is rendered.</summary>
    public string? BlockClass { get; init; }

    public bool HasParameters => Kind is SpecKind.Dense or SpecKind.Conv2D;

    /// <summary>Whether it behaves differently in training and evaluation (batch norm, the dropouts).</summary>
    public bool HasModes => Kind is SpecKind.BatchNorm or SpecKind.Dropout or SpecKind.Dropout2d;

    public double Momentum => Kind == SpecKind.BatchNorm ? Rate ?? 0.1 : 0;
    public double LrnAlpha => Rate ?? 1e-4;

    public float Slope => Parameter ?? 0.01f;
    public float Alpha => Parameter ?? 1f;
    public int ConvKernel => Kernel ?? 3;
    public int ConvKernelWidth => KernelWidth ?? ConvKernel;
    public int ConvStride => Stride ?? 1;
    public int ConvStrideWidth => StrideWidth ?? ConvStride;
    public int DilationHeight => Dilation ?? 1;
    public int DilationWidthOrHeight => DilationWidth ?? DilationHeight;
    public int ConvGroups => Groups ?? 1;
    /// <summary>The input extent one output reads: dilation·(kernel − 1) + 1, per axis.</summary>
    public int SpanHeight => DilationHeight * (ConvKernel - 1) + 1;
    public int SpanWidth => DilationWidthOrHeight * (ConvKernelWidth - 1) + 1;
    public int PoolPad => PoolPadding ?? 0;
    public int PoolPadWidth => PoolPaddingWidth ?? PoolPad;
    public int PoolWindowWidth => WindowWidth ?? Size;
    /// <summary>The pool's stride along the height: the window's height when not written or 0 (PyTorch's <c>stride=None</c>).</summary>
    public int PoolStride => Stride is null or 0 ? Size : Stride.Value;
    /// <summary>The pool's stride along the width: the pair's second value, else as <see cref="PoolStride"/> for the width's window.</summary>
    public int PoolStrideWidth => StrideWidth ?? (Stride is null or 0 ? PoolWindowWidth : Stride.Value);

    public string Render(bool inBlock = false)
    {
        var args = new List<string>();
        switch (Kind)
        {
            case SpecKind.Block:
                args.Add("typeof(" + BlockClass + ")");
                if (Block!.Pad is int pad) args.Add(Int(pad));
                if (Block.Repeat != 1) args.Add("Repeat = " + Int(Block.Repeat));
                if (Name is not null) args.Add("Name = \"" + Name + "\"");
                return $"Use({string.Join(", ", args)})";
            case SpecKind.Dense:
                args.Add(Int(Size));
                break;
            case SpecKind.Conv2D:
                args.Add(Int(Size));
                if (KernelWidth is int kw) args.Add($"Kernel = new[] {{ {Int(ConvKernel)}, {Int(kw)} }}");
                else if (Kernel is int k) args.Add("Kernel = " + Int(k));
                if (StrideWidth is int sw) args.Add($"Stride = new[] {{ {Int(ConvStride)}, {Int(sw)} }}");
                else if (Stride is int s) args.Add("Stride = " + Int(s));
                // In a block an int padding is written as an expression over the block's "pad" parameter (a pair stays a pair).
                if (Padding is not null) args.Add("Padding = " + (inBlock && Padding.Keyword is null && Padding.Width is null ? "\"pad + " + Int(Padding.Pixels) + "\"" : Padding.Render()));
                if (DilationWidth is int dw) args.Add($"Dilation = new[] {{ {Int(DilationHeight)}, {Int(dw)} }}");
                else if (Dilation is int d) args.Add("Dilation = " + Int(d));
                if (Groups is int g) args.Add("Groups = " + Int(g));
                break;
            case SpecKind.MaxPool:
            case SpecKind.AvgPool:
                args.Add(WindowWidth is int ww ? $"new[] {{ {Int(Size)}, {Int(ww)} }}" : Int(Size));
                if (StrideWidth is int psw) args.Add($"Stride = new[] {{ {Int(PoolStride)}, {Int(psw)} }}");
                else if (Stride is int ps) args.Add("Stride = " + Int(ps));
                if (PoolPaddingWidth is int ppw) args.Add($"Padding = new[] {{ {Int(PoolPad)}, {Int(ppw)} }}");
                else if (PoolPadding is int pp) args.Add("Padding = " + Int(pp));
                if (CeilMode) args.Add("CeilMode = true");
                if (CountIncludePad is bool include) args.Add("CountIncludePad = " + (include ? "true" : "false"));
                break;
            case SpecKind.LeakyReLU:
            case SpecKind.ELU:
                if (Parameter is float p) args.Add(FloatLiteral(p));
                break;
            case SpecKind.Dropout:
            case SpecKind.Dropout2d:
                args.Add(DoubleLiteral(Rate!.Value));
                break;
            case SpecKind.BatchNorm:
                if (Rate is double m) args.Add("Momentum = " + DoubleLiteral(m));
                break;
            case SpecKind.LocalResponseNorm:
                args.Add(Int(Size));
                if (Rate is double a) args.Add("Alpha = " + DoubleLiteral(a));
                break;
        }
        if (HasParameters && !Bias) args.Add("Bias = false");
        if (HasParameters && Init is not null) args.Add("Init = Init." + Init);
        if (Name is not null) args.Add("Name = \"" + Name + "\"");
        return args.Count == 0 ? Kind.ToString() : $"{Kind}({string.Join(", ", args)})";
    }

    public static string DoubleLiteral(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    public static string FloatLiteral(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";
    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A whole random declaration: input shape, layers, head, training flag.</summary>
internal sealed record NetworkSpec(bool Training, int[] Input, IReadOnlyList<LayerSpec> Layers, HeadSpec Head)
{
    /// <summary>MultiClassHinge's margin when written.</summary>
    public float? Margin { get; init; }
    public bool HeadOnNewList { get; init; }

    public float HingeMargin => Margin ?? 1f;

    /// <summary>The declaration's C# source, in namespace <paramref name="ns"/>, class <paramref name="className"/> (its blocks <c>{className}_Block1</c>, ...).</summary>
    public string Render(string ns, string className)
    {
        var text = new StringBuilder();
        text.Append("using Compiled;\n\nnamespace ").Append(ns).Append(";\n\n");
        text.Append(DeclarationText(className)).Append("public partial class ").Append(className).Append(";\n");
        return text.ToString();
    }

    /// <summary>The attribute lines (what a failure report shows), after the block classes the network uses.</summary>
    public string DeclarationText(string className = "Net")
    {
        var text = new StringBuilder();
        int blocks = 0;
        var layers = new List<LayerSpec>();
        foreach (LayerSpec layer in Layers)
        {
            if (layer.Kind != SpecKind.Block)
            {
                layers.Add(layer);
                continue;
            }
            string block = className + "_Block" + (++blocks).ToString(CultureInfo.InvariantCulture);
            text.Append(layer.Block!.Render(block)).Append('\n');
            layers.Add(layer with { BlockClass = block });
        }
        text.Append(Training ? "[Network]\n" : "[Network(Training = false)]\n");
        text.Append("[Input(").Append(string.Join(", ", Input.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append(")]\n");
        var lists = new List<List<string>>();
        foreach (LayerSpec layer in layers)
        {
            if (layer.NewList || lists.Count == 0) lists.Add(new List<string>());
            lists[^1].Add(layer.Render());
        }
        if (Head != HeadSpec.None)
        {
            string head = Head == HeadSpec.MultiClassHinge && Margin is float m ? $"MultiClassHinge(Margin = {LayerSpec.FloatLiteral(m)})" : Head.ToString();
            if (HeadOnNewList || lists.Count == 0) lists.Add(new List<string>());
            lists[^1].Add(head);
        }
        foreach (List<string> list in lists) text.Append('[').Append(string.Join(", ", list)).Append("]\n");
        return text.ToString();
    }

    public override string ToString() => DeclarationText();
}

/// <summary>Shapes after each layer (this suite's own reading of docs/api.md, independent of the generator's ShapeInference).</summary>
internal static class SpecShapes
{
    /// <summary>Conv2D padding on each side: (top, bottom, left, right).</summary>
    public static (int Top, int Bottom, int Left, int Right) ConvPadding(LayerSpec conv, int height, int width)
    {
        if (conv.Padding is null || conv.Padding.Keyword == "valid") return (0, 0, 0, 0);
        if (conv.Padding.Keyword is null) return (conv.Padding.Pixels, conv.Padding.Pixels, conv.Padding.PixelsWidth, conv.Padding.PixelsWidth);
        // "same", Keras/TensorFlow rule: out = ceil(in / stride), total = max((out - 1)·stride + span - in, 0), smaller half
        // first, where span = dilation·(k − 1) + 1 is the extent the (dilated) kernel reads.
        (int top, int bottom) = Same(height, conv.SpanHeight, conv.ConvStride);
        (int left, int right) = Same(width, conv.SpanWidth, conv.ConvStrideWidth);
        return (top, bottom, left, right);

        static (int, int) Same(int size, int kernel, int stride)
        {
            int output = (size + stride - 1) / stride;
            int total = Math.Max((output - 1) * stride + kernel - size, 0);
            return (total / 2, total - total / 2);
        }
    }

    /// <summary>The shape after <paramref name="layer"/>, or null with <paramref name="why"/> when the declaration would be invalid.</summary>
    public static int[]? Next(int[] shape, LayerSpec layer, out string? why)
    {
        why = null;
        int length = shape.Aggregate(1, (a, b) => a * b);
        switch (layer.Kind)
        {
            case SpecKind.Dense:
                if (layer.Size < 1) { why = "units < 1"; return null; }
                return new[] { layer.Size };
            case SpecKind.Flatten:
                return new[] { length };
            case SpecKind.Conv2D:
            {
                if (shape.Length != 3) { why = "Conv2D on a flat input"; return null; }
                if (layer.Size < 1 || layer.ConvKernel < 1 || layer.ConvKernelWidth < 1 || layer.ConvStride < 1 || layer.ConvStrideWidth < 1
                    || layer.DilationHeight < 1 || layer.DilationWidthOrHeight < 1 || layer.ConvGroups < 1) { why = "size below 1"; return null; }
                if (shape[0] % layer.ConvGroups != 0 || layer.Size % layer.ConvGroups != 0) { why = "groups do not divide the channels"; return null; }
                (int top, int bottom, int left, int right) = ConvPadding(layer, shape[1], shape[2]);
                int paddedH = shape[1] + top + bottom, paddedW = shape[2] + left + right;
                if (layer.SpanHeight > paddedH || layer.SpanWidth > paddedW) { why = "kernel larger than the padded input"; return null; }
                return new[] { layer.Size, (paddedH - layer.SpanHeight) / layer.ConvStride + 1, (paddedW - layer.SpanWidth) / layer.ConvStrideWidth + 1 };
            }
            case SpecKind.MaxPool:
            case SpecKind.AvgPool:
            {
                if (shape.Length != 3) { why = "pool on a flat input"; return null; }
                if (layer.Size < 1 || layer.PoolWindowWidth < 1 || layer.PoolStride < 1 || layer.PoolStrideWidth < 1) { why = "size below 1"; return null; }
                if (layer.PoolPad < 0 || 2 * layer.PoolPad > layer.Size || layer.PoolPadWidth < 0 || 2 * layer.PoolPadWidth > layer.PoolWindowWidth)
                {
                    why = "pool padding above half the window";
                    return null;
                }
                if (layer.Size > shape[1] + 2 * layer.PoolPad || layer.PoolWindowWidth > shape[2] + 2 * layer.PoolPadWidth) { why = "window larger than the padded input"; return null; }
                return new[]
                {
                    shape[0],
                    PoolSize(shape[1], layer.Size, layer.PoolStride, layer.PoolPad, layer.CeilMode),
                    PoolSize(shape[2], layer.PoolWindowWidth, layer.PoolStrideWidth, layer.PoolPadWidth, layer.CeilMode),
                };
            }
            case SpecKind.Block:
                return SpecGraph.BlockOutput(shape, layer.Block!, out why);
            case SpecKind.Dropout2d:
            case SpecKind.LocalResponseNorm:
                if (shape.Length != 3) { why = layer.Kind + " on a flat input"; return null; }
                return shape;
            case SpecKind.GlobalAvgPool:
                if (shape.Length != 3) { why = "GlobalAvgPool on a flat input"; return null; }
                return new[] { shape[0] };
            default:
                return shape;
        }
    }

    /// <summary>
    /// PyTorch's pooling_output_shape along one axis: (size + 2·pad − window) / stride rounded down, or up in ceil mode, plus 1;
    /// in ceil mode a last window starting at or beyond size + pad (wholly in the bottom/right padding) is dropped.
    /// </summary>
    public static int PoolSize(int size, int window, int stride, int pad, bool ceilMode)
    {
        int span = size + 2 * pad - window;
        int output = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceilMode && (output - 1) * stride >= size + pad) output--;
        return output;
    }

    /// <summary>Shapes[0] is the input, Shapes[i + 1] the output of layer i; null if invalid.</summary>
    public static List<int[]>? All(NetworkSpec spec, out string? why)
    {
        why = null;
        if (spec.Input.Length is not (1 or 3) || spec.Input.Any(d => d < 1)) { why = "bad input"; return null; }
        if (spec.Layers.Count == 0) { why = "no layers"; return null; }
        if (spec.Training && spec.Head == HeadSpec.None) { why = "training without a head"; return null; }
        var shapes = new List<int[]> { spec.Input };
        foreach (LayerSpec layer in spec.Layers)
        {
            int[]? next = Next(shapes[^1], layer, out why);
            if (next is null) return null;
            shapes.Add(next);
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in Names(spec))
        {
            if (!names.Add(Pascal(name))) { why = "duplicate name " + name; return null; }
        }
        return shapes;
    }

    public static int Length(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Each layer's name as docs/api.md defines it (kind prefix and position among that prefix; explicit names win).</summary>
    public static List<string> Names(NetworkSpec spec)
    {
        var counters = new Dictionary<string, int>();
        var names = new List<string>();
        foreach (LayerSpec layer in spec.Layers)
        {
            string prefix = layer.Kind switch
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
                _ => throw new ArgumentOutOfRangeException(nameof(spec)),
            };
            counters[prefix] = counters.GetValueOrDefault(prefix) + 1;
            names.Add(layer.Name ?? prefix + counters[prefix].ToString(CultureInfo.InvariantCulture));
        }
        return names;
    }

    private static string Pascal(string name) => string.Concat(name.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
}
