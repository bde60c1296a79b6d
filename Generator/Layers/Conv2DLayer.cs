using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// <c>[Conv2D(filters, Kernel = 3, Stride = 1, Padding = 0, Dilation = 1, Groups = 1, Bias = true, Init = ...)]</c>:
/// PyTorch's <c>nn.Conv2d</c> with its whole geometry: kernel, stride, padding and dilation an int or a pair (height,
/// width), groups dividing both channel counts; weight <c>[out, in / groups, kh, kw]</c>, bias <c>[out]</c>; padding in
/// pixels per axis, "valid" or "same" (Keras's split for any stride: the odd pixel goes bottom/right).
/// </summary>
internal sealed class Conv2DLayer : LayerDescriptor
{
    public static readonly Conv2DLayer Instance = new();

    private const int Filters = 0, Kernel = 1, Stride = 2, Padding = 3, Bias = 4, Init = 5, Dilation = 6, Groups = 7;

    private static readonly ArgumentSpec[] Schema =
    {
        ArgumentSpec.RequiredInt("filters", 0, "[Conv2D(32)]", ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedPair("Kernel", 3, ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedPair("Stride", 1, ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedPadding("Padding"),
        ArgumentSpec.NamedBool("Bias", true),
        ArgumentSpec.NamedInit("Init"),
        ArgumentSpec.NamedPair("Dilation", 1, ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedInt("Groups", 1, ArgumentRange.AtLeastOne),
    };

    public override string Kind => "Conv2D";

    public override string DefaultNamePrefix => "conv";

    public override string ConstructorExample(string attributeName) => "[Conv2D(filters, Kernel = k)], e.g. [Conv2D(32, Kernel = 3)]";

    public override IReadOnlyList<ArgumentSpec> Arguments => Schema;

    public override InferredShape? Infer(ShapeContext context)
    {
        if (!context.RequireSpatial()) return null;
        TensorShape input = context.Input;
        Padding padding = context.Argument(Padding).Padding;
        ArgumentValue kernel = context.Argument(Kernel), stride = context.Argument(Stride), dilation = context.Argument(Dilation);
        long filters = context.Argument(Filters).Int, groups = context.Argument(Groups).Int;
        if (input.Channels % groups != 0 || filters % groups != 0)
        {
            context.Report(DiagnosticDescriptors.GroupsDoNotDivide, context.Name, Invariant.Int(groups), input.ToString(), Invariant.Int(input.Channels), Invariant.Int(filters),
                GroupsAdvice(input.Channels, filters));
            return null;
        }

        // The input extent one output reads: dilation·(kernel − 1) + 1 per axis.
        long spanHeight = (long)dilation.Height * (kernel.Height - 1) + 1, spanWidth = (long)dilation.Width * (kernel.Width - 1) + 1;
        long top, bottom, left, right;
        if (padding.Mode == PaddingMode.Same)
        {
            (top, bottom) = ConvolutionArithmetic.SamePadding(input.Height, spanHeight, stride.Height);
            (left, right) = ConvolutionArithmetic.SamePadding(input.Width, spanWidth, stride.Width);
        }
        else
        {
            bool explicitPadding = padding.Mode == PaddingMode.Explicit;
            top = bottom = explicitPadding ? padding.Height : 0;
            left = right = explicitPadding ? padding.Width : 0;
        }

        long paddedHeight = input.Height + top + bottom, paddedWidth = input.Width + left + right;
        if (spanHeight > paddedHeight || spanWidth > paddedWidth)
        {
            string padded = top + bottom + left + right == 0
                ? ""
                : $" padded to {Invariant.Int(paddedHeight)}x{Invariant.Int(paddedWidth)} by padding {padding}";
            string what = $"{Invariant.Int(kernel.Height)}x{Invariant.Int(kernel.Width)} kernel";
            if (dilation.Height != 1 || dilation.Width != 1)
                what += $" with dilation {dilation} (spanning {Invariant.Int(spanHeight)}x{Invariant.Int(spanWidth)})";
            context.Report(DiagnosticDescriptors.KernelLargerThanInput, context.Name, what, input.ToString(), padded,
                $"the kernel may span at most {Invariant.Int(paddedHeight)}x{Invariant.Int(paddedWidth)}: use a smaller kernel or dilation, more padding (e.g. Padding = \"same\"), or fewer pooling layers before it");
            return null;
        }

        long height = (paddedHeight - spanHeight) / stride.Height + 1;
        long width = (paddedWidth - spanWidth) / stride.Width + 1;
        long area = (long)kernel.Height * kernel.Width;
        if (!context.FitsArray("its output", filters * height * width)
            || !context.FitsArray("its weight", filters * (input.Channels / groups) * area)
            || !context.FitsArray("its im2col buffer", input.Channels * area * height * width))
        {
            return null;
        }
        return new InferredShape(
            TensorShape.Spatial((int)filters, (int)height, (int)width),
            new Window2D(kernel.Height, kernel.Width, stride.Height, stride.Width, (int)top, (int)left, (int)bottom, (int)right, dilation.Height, dilation.Width));
    }

    /// <summary>What to change when the groups do not divide the channels: the common divisors, the depthwise form.</summary>
    private static string GroupsAdvice(long channels, long filters)
    {
        var divisors = new List<string>();
        for (long d = 1; d <= System.Math.Min(channels, filters) && divisors.Count < 8; d++)
        {
            if (channels % d == 0 && filters % d == 0) divisors.Add(Invariant.Int(d));
        }
        return $"use a common divisor of {Invariant.Int(channels)} and {Invariant.Int(filters)} ({string.Join(", ", divisors)}), e.g. Groups = {Invariant.Int(channels)} with a multiple of {Invariant.Int(channels)} filters for a depthwise convolution";
    }

    public override void Check(LayerDeclaration layer, string name, List<DiagnosticInfo> diagnostics)
    {
        Padding padding = layer.Arguments[Padding].Padding;
        if (padding.Mode == PaddingMode.Invalid || (padding.Mode == PaddingMode.Explicit && (padding.Height < 0 || padding.Width < 0)))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPadding, layer.Site, padding.ToString(), name));
    }

    public override IReadOnlyList<ParameterSpec> Parameters(GraphNode node)
    {
        Window2D w = node.Window!;
        int outputs = node.Output.Channels;
        var weight = new ParameterSpec("weight", new EquatableArray<int>(new[] { outputs, node.Input.Channels / GroupCount(node), w.KernelHeight, w.KernelWidth }), IsBias: false);
        return node.Arguments[Bias].Bool
            ? new[] { weight, new ParameterSpec("bias", new EquatableArray<int>(new[] { outputs }), IsBias: true) }
            : new[] { weight };
    }

    /// <summary>PyTorch's fans of the weight [out, in/groups, kh, kw]: (in/groups)·kh·kw and out·kh·kw.</summary>
    public override (int FanIn, int FanOut) Fans(GraphNode node)
    {
        int area = node.Window!.KernelHeight * node.Window.KernelWidth;
        return (node.Input.Channels / GroupCount(node) * area, node.Output.Channels * area);
    }

    public override InitKind DeclaredInit(GraphNode node) => node.Arguments[Init].Init;

    public override string Describe(GraphNode node)
    {
        Window2D w = node.Window!;
        string text = $"Conv2D {Invariant.Int(w.KernelHeight)}x{Invariant.Int(w.KernelWidth)}";
        if (w.StrideHeight != 1 || w.StrideWidth != 1) text += ", stride " + Pair(w.StrideHeight, w.StrideWidth);
        if (node.Arguments[Padding].Padding.Mode == PaddingMode.Same) text += ", same";
        else if (w.HasPadding) text += ", pad " + Pair(w.PadTop, w.PadLeft);
        if (w.Dilated) text += ", dilation " + Pair(w.DilationHeight, w.DilationWidth);
        if (GroupCount(node) != 1) text += ", groups " + I(GroupCount(node));
        return text + (node.Arguments[Bias].Bool ? "" : ", no bias");
    }

    /// <summary>
    /// <c> filters=6 kernel=5 stride=1 padding=2 bias=true</c>, as before rectangular kernels existed (checkpoints hash it):
    /// a rectangular kernel or stride reads <c>1x7</c>; dilation and groups are appended only when not 1.
    /// </summary>
    public override string ArchitectureArguments(GraphNode node)
    {
        Window2D w = node.Window!;
        string padding = w.UniformPadding
            ? I(w.PadTop)
            : $"{I(w.PadTop)},{I(w.PadLeft)},{I(w.PadBottom)},{I(w.PadRight)}";
        string text = $" filters={I(node.Output.Channels)} kernel={Axes(w.KernelHeight, w.KernelWidth)} stride={Axes(w.StrideHeight, w.StrideWidth)} padding={padding} bias={(node.Arguments[Bias].Bool ? "true" : "false")}";
        if (w.Dilated) text += " dilation=" + Axes(w.DilationHeight, w.DilationWidth);
        if (GroupCount(node) != 1) text += " groups=" + I(GroupCount(node));
        return text;
    }

    internal static int GroupCount(GraphNode node) => node.Arguments[Groups].Int;

    /// <summary>Summary text of a per-axis value: <c>2</c> or <c>(0, 3)</c>.</summary>
    private static string Pair(int height, int width) => height == width ? I(height) : $"({I(height)}, {I(width)})";

    /// <summary>Architecture text of a per-axis value: <c>5</c> or <c>1x7</c>.</summary>
    private static string Axes(int height, int width) => height == width ? I(height) : $"{I(height)}x{I(width)}";

    public override SavedTensors BackwardReads => SavedTensors.Input;

    /// <summary>im2col floats of one sample: [in·kh·kw, outH·outW].</summary>
    public override int ColumnLength(GraphNode node)
        => node.Input.Channels * node.Window!.KernelHeight * node.Window.KernelWidth * node.Output.Height * node.Output.Width;

    public override string? GeometryType => TypeNames.Conv2DGeometry;

    public override string[] GeometryArguments(GraphNode node)
    {
        Window2D w = node.Window!;
        TensorShape i = node.Input;
        return new[]
        {
            $"InChannels: {I(i.Channels)}, InHeight: {I(i.Height)}, InWidth: {I(i.Width)}, OutChannels: {I(node.Output.Channels)}, KernelHeight: {I(w.KernelHeight)}, KernelWidth: {I(w.KernelWidth)},",
            $"StrideHeight: {I(w.StrideHeight)}, StrideWidth: {I(w.StrideWidth)}, PadTop: {I(w.PadTop)}, PadLeft: {I(w.PadLeft)}, PadBottom: {I(w.PadBottom)}, PadRight: {I(w.PadRight)}",
        };
    }

    /// <summary>Dilation and groups when not 1 (the runtime then runs the dilated/grouped im2col path); nothing for a plain convolution.</summary>
    public override string GeometryInitializer(GraphNode node)
    {
        Window2D w = node.Window!;
        var parts = new List<string>();
        if (w.Dilated)
        {
            parts.Add("DilationHeight = " + I(w.DilationHeight));
            parts.Add("DilationWidth = " + I(w.DilationWidth));
        }
        if (GroupCount(node) != 1) parts.Add("Groups = " + I(GroupCount(node)));
        return string.Join(", ", parts);
    }

    public override void EmitForward(ForwardEmission e)
    {
        Window2D w = e.Node.Window!;
        e.Line($"{e.Header}; w [{I(e.Node.Output.Channels)}, {I(e.Node.Input.Channels / GroupCount(e.Node))}, {I(w.KernelHeight)}, {I(w.KernelWidth)}]");
        if (e.Training && e.Fusion.GathersStatistics(e.Layer))
        {
            // Never a branch written into a concatenation (ConcatPlacement leaves a fused batch norm's chain contiguous).
            if (e.OutputStride != 0) throw new System.InvalidOperationException($"{e.Node.FullName} gathers statistics into a strided output");
            string y = e.Fusion.TrainingOutput(e.Layer);
            e.Line($"// and the slice statistics of its output for the batch norm after it, gathered while each output tile is written{(y == e.Y ? "" : $"; into {y}, the copy of its input that batch norm keeps for its backward")}");
            e.Line($"{TypeNames.BatchNormSteps}.ConvolutionForward(in ctx, in {e.Geometry}, {e.X}, {e.Weight}, {e.Bias}, {y}, {e.Columns});");
            return;
        }
        if (e.Fusion.ResidualEpilogue(e.Layer, e.Training) is { } residual)
        {
            Planning.LayerPlan final = residual.Final;
            string relus = residual.Relu is { } r ? $" and {r.Node.FullName} (ReLU)" : "";
            e.Line($"// then {residual.Add.Node.FullName} (+ {residual.Shortcut}){relus} on the way out, into {final.Variable}");
            e.Line($"{TypeNames.Conv2DKernels}.ForwardResidual(in {e.Geometry}, {e.X}, {e.Weight}, {e.Bias}, {residual.Shortcut}, {final.Variable}, {e.Columns}, n, relu: {(residual.Relu is null ? "false" : "true")});");
            return;
        }
        if (e.Fusion.EpiloguePool(e.Layer, e.Training) is { } pool)
        {
            // The convolution's own buffer is still planned: a layer the runtime does not pool in its epilogue writes it, then pools.
            Planning.LayerPlan? poolRelu = e.Fusion.PoolRelu(pool);
            string then = poolRelu is null ? "" : $" and {poolRelu.Node.FullName} (ReLU)";
            e.Line($"// then {pool.Node.FullName} (MaxPool){then} on the way out, into {pool.Variable}");
            e.Line($"{TypeNames.Conv2DKernels}.ForwardMaxPool(in {e.Geometry}, in {Emit.ConstantsEmitter.GeometryField(pool)}, {e.X}, {e.Weight}, {e.Bias}, {e.Y}, {pool.Variable}, {e.Columns}, n, relu: {(poolRelu is null ? "false" : "true")});");
            return;
        }
        if (e.Fusion.EpilogueRelu(e.Layer, e.Training) is { } relu)
        {
            string reluStride = relu.OutputStride == 0 ? "" : $" {I(relu.OutputStride)},"; // a branch writing into its slice of a concatenation
            e.Line($"// then {relu.Node.FullName} (ReLU) on the way out{(relu.Variable == e.Y ? "" : ", into its buffer")}");
            e.Line($"{TypeNames.Conv2DKernels}.ForwardRelu(in {e.Geometry}, {e.X}, {e.Weight}, {e.Bias}, {relu.Variable},{reluStride} {e.Columns}, n);");
            return;
        }
        string stride = e.OutputStride == 0 ? "" : $" {I(e.OutputStride)},"; // a branch writing into its slice of a concatenation
        e.Line($"{TypeNames.Conv2DKernels}.Forward(in {e.Geometry}, {e.X}, {e.Weight}, {e.Bias}, {e.Y},{stride} {e.Columns}, n);");
    }

    /// <summary>Its forward writes strided output rows (Conv2DKernels.Forward with a sample stride); never in place.</summary>
    public override bool WritesStridedOutput => true;

    public override void EmitBackward(BackwardEmission e)
    {
        string x = e.Use(e.X);
        e.Add($"{e.Header}; dw += dy ⋆ x, db += Σ dy (not while {e.Node.FullName} is frozen)");
        e.Trainable((dx, dw, db) => $"{TypeNames.Conv2DKernels}.Backward(in {e.Geometry}, {x}, {e.Weight}, {e.Dy}, {dx}, {dw}, {db}, {e.Columns}, n);");
    }

    private static string I(int value) => Invariant.Int(value);
}
