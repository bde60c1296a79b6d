using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// The pools' common part, PyTorch's <c>MaxPool2d</c>/<c>AvgPool2d</c> geometry: <c>[MaxPool(window, Stride = window,
/// Padding = 0, CeilMode = false)]</c> and <c>[AvgPool(..., CountIncludePad = true)]</c>; window, stride and padding an
/// int or a pair (height, width) (rectangular windows, as <c>kernel_size=(3, 1)</c>), padding at most half the window on each
/// axis, output sizes floored per axis (or ceiled, dropping a last
/// window that would start in the bottom/right padding and keeping one that overhangs the padded input, as PyTorch does);
/// channels unchanged.
/// </summary>
internal abstract class PoolLayer : LayerDescriptor
{
    private const int Window = 0, Stride = 1, Padding = 2, CeilMode = 3;

    /// <summary>AvgPool's <c>CountIncludePad</c> (after the common arguments).</summary>
    protected const int CountIncludePad = 4;

    private static readonly ArgumentRange StrideRange = new(0, "at least 1 (or 0, the default, for the window size)");

    private static readonly ArgumentRange PaddingRange = new(0, "at least 0");

    private readonly ArgumentSpec[] _schema;

    protected PoolLayer()
    {
        var schema = new List<ArgumentSpec>
        {
            ArgumentSpec.RequiredPair("window", 0, $"[{Kind}(2)]", ArgumentRange.AtLeastOne),
            ArgumentSpec.NamedPair("Stride", 0, StrideRange),
            ArgumentSpec.NamedPair("Padding", 0, PaddingRange),
            ArgumentSpec.NamedBool("CeilMode", false),
        };
        schema.AddRange(ExtraArguments);
        _schema = schema.ToArray();
    }

    /// <summary>Arguments only this pool has, after the common ones.</summary>
    protected virtual IEnumerable<ArgumentSpec> ExtraArguments => System.Array.Empty<ArgumentSpec>();

    public override string DefaultNamePrefix => "pool";

    public override string ConstructorExample(string attributeName) => $"[{attributeName}(window)], e.g. [{attributeName}(2)] or [{attributeName}(new[] {{ 3, 2 }})]";

    public override IReadOnlyList<ArgumentSpec> Arguments => _schema;

    public override void Check(LayerDeclaration layer, string name, List<DiagnosticInfo> diagnostics)
    {
        ArgumentValue window = layer.Arguments[Window], padding = layer.Arguments[Padding];
        if (window.Height < 1 || window.Width < 1 || padding.Height < 0 || padding.Width < 0) return; // CMP0005 already
        // PyTorch's rule, per axis: a (3, 1) window takes padding (1, 0) at most.
        if (2 * padding.Height > window.Height || 2 * padding.Width > window.Width)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PoolPaddingTooLarge, layer.Site, name, padding.ToString(),
                $"{Invariant.Int(window.Height)}x{Invariant.Int(window.Width)}", Pair(window.Height / 2, window.Width / 2)));
        }
    }

    /// <summary>
    /// A 2×2 window at stride 2, no padding or dilation, floor mode: the pool <c>Conv2DKernels.ForwardMaxPool</c> runs in a
    /// convolution's epilogue (<see cref="Planning.FusionLayout.EpiloguePool"/>).
    /// </summary>
    public static bool IsPlainTwoByTwo(GraphNode node)
        => node.Window is { KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2 } w && !w.HasPadding && !w.Dilated && !node.Arguments[CeilMode].Bool;

    /// <summary>The stride per axis, a 0 (PyTorch's <c>stride=None</c>) made the window's size on that axis.</summary>
    private static (int Height, int Width) StrideOf(ArgumentValue stride, ArgumentValue window)
        => (stride.Height == 0 ? window.Height : stride.Height, stride.Width == 0 ? window.Width : stride.Width);

    public override InferredShape? Infer(ShapeContext context)
    {
        if (!context.RequireSpatial()) return null;
        TensorShape input = context.Input;
        ArgumentValue window = context.Argument(Window), padding = context.Argument(Padding);
        (int strideHeight, int strideWidth) = StrideOf(context.Argument(Stride), window);
        bool ceil = context.Argument(CeilMode).Bool;
        long paddedHeight = input.Height + 2L * padding.Height, paddedWidth = input.Width + 2L * padding.Width;
        long height = ConvolutionArithmetic.PoolOutputSize(input.Height, padding.Height, window.Height, strideHeight, ceil);
        long width = ConvolutionArithmetic.PoolOutputSize(input.Width, padding.Width, window.Width, strideWidth, ceil);
        // PyTorch refuses a pool with no output: a window larger than the padded input (in ceil mode one overhanging window remains).
        if (height < 1 || width < 1)
        {
            string padded = padding.Height == 0 && padding.Width == 0
                ? ""
                : $" padded to {Invariant.Int(paddedHeight)}x{Invariant.Int(paddedWidth)} by padding {padding}";
            context.Report(DiagnosticDescriptors.KernelLargerThanInput, context.Name, $"{Invariant.Int(window.Height)}x{Invariant.Int(window.Width)} window", input.ToString(), padded,
                $"use a window of at most {Invariant.Int(paddedHeight)}x{Invariant.Int(paddedWidth)}, more padding, or remove the layer or a pooling layer before it");
            return null;
        }
        return new InferredShape(TensorShape.Spatial(input.Channels, (int)height, (int)width),
            new Window2D(window.Height, window.Width, strideHeight, strideWidth, padding.Height, padding.Width, padding.Height, padding.Width));
    }

    public override string Describe(GraphNode node)
    {
        Window2D w = node.Window!;
        string pool = $"{Kind} {Invariant.Int(w.KernelHeight)}x{Invariant.Int(w.KernelWidth)}";
        if (w.StrideHeight != w.KernelHeight || w.StrideWidth != w.KernelWidth) pool += ", stride " + Pair(w.StrideHeight, w.StrideWidth);
        if (w.HasPadding) pool += ", pad " + Pair(w.PadTop, w.PadLeft);
        if (node.Arguments[CeilMode].Bool) pool += ", ceil mode";
        return pool + DescribeExtra(node);
    }

    /// <summary>The summary's words for <see cref="ExtraArguments"/> when not default.</summary>
    protected virtual string DescribeExtra(GraphNode node) => "";

    /// <summary>
    /// <c> window=2 stride=2</c> as before padding existed (checkpoints hash it); <c> padding=1</c>, <c> ceil_mode=true</c>
    /// and the pool's own non-default arguments are appended only when set; a rectangular value reads <c>3x2</c>.
    /// </summary>
    public override string ArchitectureArguments(GraphNode node)
    {
        Window2D w = node.Window!;
        string text = " window=" + Axes(w.KernelHeight, w.KernelWidth) + " stride=" + Axes(w.StrideHeight, w.StrideWidth);
        if (w.HasPadding) text += " padding=" + Axes(w.PadTop, w.PadLeft);
        if (node.Arguments[CeilMode].Bool) text += " ceil_mode=true";
        return text + ArchitectureExtra(node);
    }

    /// <summary>The architecture's words for <see cref="ExtraArguments"/> when not default.</summary>
    protected virtual string ArchitectureExtra(GraphNode node) => "";

    /// <summary>Per sample, so strided rows (a branch's slice of a concatenation) run the same calls one sample at a time.</summary>
    public override bool WritesStridedOutput => true;

    /// <inheritdoc cref="WritesStridedOutput"/>
    public override bool ReadsStridedOutputGradient => true;

    public override string? GeometryType => TypeNames.Pool2DGeometry;

    public override string[] GeometryArguments(GraphNode node)
    {
        TensorShape i = node.Input;
        Window2D w = node.Window!;
        string input = $"Channels: {Invariant.Int(i.Channels)}, InHeight: {Invariant.Int(i.Height)}, InWidth: {Invariant.Int(i.Width)}";
        // A square window and stride use the square constructor (the form every existing network's code has).
        return new[]
        {
            w.SquareKernel && w.SquareStride
                ? $"{input}, Window: {Invariant.Int(w.KernelHeight)}, Stride: {Invariant.Int(w.StrideHeight)}"
                : $"{input}, WindowHeight: {Invariant.Int(w.KernelHeight)}, WindowWidth: {Invariant.Int(w.KernelWidth)}, StrideHeight: {Invariant.Int(w.StrideHeight)}, StrideWidth: {Invariant.Int(w.StrideWidth)}",
        };
    }

    /// <summary>Padding and ceil mode when set (and the pool's own init properties); nothing for a plain pool.</summary>
    public override string GeometryInitializer(GraphNode node)
    {
        var parts = new List<string>();
        // A pool pads both sides of an axis alike: top = bottom = PadHeight, left = right = PadWidth.
        if (node.Window!.PadTop != 0) parts.Add("PadHeight = " + Invariant.Int(node.Window.PadTop));
        if (node.Window.PadLeft != 0) parts.Add("PadWidth = " + Invariant.Int(node.Window.PadLeft));
        if (node.Arguments[CeilMode].Bool) parts.Add("CeilMode = true");
        parts.AddRange(InitializerExtra(node));
        return string.Join(", ", parts);
    }

    /// <summary>The geometry's init properties for <see cref="ExtraArguments"/> when not default.</summary>
    protected virtual IEnumerable<string> InitializerExtra(GraphNode node) => System.Array.Empty<string>();

    /// <summary>Summary text of a per-axis value: <c>2</c> or <c>(0, 3)</c>.</summary>
    protected static string Pair(int height, int width) => height == width ? Invariant.Int(height) : $"({Invariant.Int(height)}, {Invariant.Int(width)})";

    /// <summary>Architecture text of a per-axis value: <c>2</c> or <c>3x2</c>.</summary>
    private static string Axes(int height, int width) => height == width ? Invariant.Int(height) : $"{Invariant.Int(height)}x{Invariant.Int(width)}";
}

/// <summary><c>[MaxPool(window)]</c>: the maximum of each window; its backward routes dy to the arg-max it saved.</summary>
internal sealed class MaxPoolLayer : PoolLayer
{
    public static readonly MaxPoolLayer Instance = new();

    public override string Kind => "MaxPool";

    public override IReadOnlyList<SavedSpec> Saved(GraphNode node) => new[] { new SavedSpec("argmax", ElementType.Int32, node.Output.Length) };

    public override void EmitForward(ForwardEmission e)
    {
        if (e.Fusion.PoolRunner(e.Layer, e.Training) is { } conv)
        {
            e.Line($"{e.Header} · fused: {conv.Node.FullName}'s pass wrote {e.Y}");
            return;
        }
        e.Line(e.Header);
        // Inference (Forward, Predict) keeps no arg-max indices: only the backward pass reads them.
        if (e.OutputStride == 0)
        {
            // A ReLU moved after the pool (in place over its output) runs as the pool stores.
            Planning.LayerPlan? relu = e.Fusion.PoolRelu(e.Layer);
            if (relu is not null) e.Line($"// then {relu.Node.FullName} (ReLU) as it stores");
            string kernel = relu is null ? "MaxForward" : "MaxReluForward";
            e.Line(e.Training
                ? $"{TypeNames.PoolKernels}.{kernel}(in {e.Geometry}, {e.X}, {e.Y}, {e.Saved("argmax")}, n);"
                : $"{TypeNames.PoolKernels}.{kernel}(in {e.Geometry}, {e.X}, {e.Y}, n);");
            return;
        }
        int x = e.Node.Input.Length, y = e.Node.Output.Length;
        e.PerSample(e.Training
            ? $"{TypeNames.PoolKernels}.MaxForward(in {e.Geometry}, {e.XRow(x)}, {e.YRow(y)}, {LayerComments.Row(e.Saved("argmax"), 0, y)}, 1);"
            : $"{TypeNames.PoolKernels}.MaxForward(in {e.Geometry}, {e.XRow(x)}, {e.YRow(y)}, 1);");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        string argmax = e.Saved("argmax");
        e.Add(e.Header);
        if (e.OutputGradientStride == 0)
        {
            e.Add($"{TypeNames.PoolKernels}.MaxBackward(in {e.Geometry}, {e.Dy}, {argmax}, {e.Dx}, n);");
            return;
        }
        int x = e.Node.Input.Length, y = e.Node.Output.Length;
        string dx = e.Dx == "default" ? "default" : BackwardEmission.Row(e.Dx, 0, x);
        e.PerSample($"{TypeNames.PoolKernels}.MaxBackward(in {e.Geometry}, {BackwardEmission.Row(e.Dy, e.OutputGradientStride, y)}, {BackwardEmission.Row(argmax, 0, y)}, {dx}, 1);");
    }
}

/// <summary>
/// <c>[AvgPool(window, CountIncludePad = true)]</c>: the mean of each window (dividing by the padded window, or only its
/// input cells when <c>CountIncludePad = false</c>); its backward spreads dy evenly and reads nothing saved.
/// </summary>
internal sealed class AvgPoolLayer : PoolLayer
{
    public static readonly AvgPoolLayer Instance = new();

    public override string Kind => "AvgPool";

    protected override IEnumerable<ArgumentSpec> ExtraArguments => new[] { ArgumentSpec.NamedBool("CountIncludePad", true) };

    protected override string DescribeExtra(GraphNode node) => node.Arguments[CountIncludePad].Bool ? "" : ", padding not counted";

    protected override string ArchitectureExtra(GraphNode node) => node.Arguments[CountIncludePad].Bool ? "" : " count_include_pad=false";

    protected override IEnumerable<string> InitializerExtra(GraphNode node)
        => node.Arguments[CountIncludePad].Bool ? System.Array.Empty<string>() : new[] { "CountIncludePad = false" };

    public override void EmitForward(ForwardEmission e)
    {
        e.Line(e.Header);
        if (e.OutputStride == 0)
        {
            e.Line($"{TypeNames.PoolKernels}.AvgForward(in {e.Geometry}, {e.X}, {e.Y}, n);");
            return;
        }
        e.PerSample($"{TypeNames.PoolKernels}.AvgForward(in {e.Geometry}, {e.XRow(e.Node.Input.Length)}, {e.YRow(e.Node.Output.Length)}, 1);");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        e.Add(e.Header);
        if (e.OutputGradientStride == 0)
        {
            e.Add($"{TypeNames.PoolKernels}.AvgBackward(in {e.Geometry}, {e.Dy}, {e.Dx}, n);");
            return;
        }
        string dx = e.Dx == "default" ? "default" : BackwardEmission.Row(e.Dx, 0, e.Node.Input.Length);
        e.PerSample($"{TypeNames.PoolKernels}.AvgBackward(in {e.Geometry}, {BackwardEmission.Row(e.Dy, e.OutputGradientStride, e.Node.Output.Length)}, {dx}, 1);");
    }
}
