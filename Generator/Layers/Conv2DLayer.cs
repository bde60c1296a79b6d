using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// <c>[Conv2D(filters, Kernel = 3, Stride = 1, Padding = 0, Bias = true, Init = ...)]</c>: PyTorch's <c>nn.Conv2d</c>
/// with a square kernel: weight <c>[out, in, k, k]</c>, bias <c>[out]</c>; padding in pixels, "valid" or "same"
/// (Keras's split for any stride: the odd pixel goes bottom/right).
/// </summary>
internal sealed class Conv2DLayer : LayerDescriptor
{
    public static readonly Conv2DLayer Instance = new();

    private const int Filters = 0, Kernel = 1, Stride = 2, Padding = 3, Bias = 4, Init = 5;

    private static readonly ArgumentSpec[] Schema =
    {
        ArgumentSpec.RequiredInt("filters", 0, "[Conv2D(32)]", ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedInt("Kernel", 3, ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedInt("Stride", 1, ArgumentRange.AtLeastOne),
        ArgumentSpec.NamedPadding("Padding"),
        ArgumentSpec.NamedBool("Bias", true),
        ArgumentSpec.NamedInit("Init"),
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
        long kernel = context.Argument(Kernel).Int, stride = context.Argument(Stride).Int, filters = context.Argument(Filters).Int;
        long top, bottom, left, right;
        if (padding.Mode == PaddingMode.Same)
        {
            (top, bottom) = ConvolutionArithmetic.SamePadding(input.Height, kernel, stride);
            (left, right) = ConvolutionArithmetic.SamePadding(input.Width, kernel, stride);
        }
        else
        {
            top = bottom = left = right = padding.Mode == PaddingMode.Explicit ? padding.Pixels : 0;
        }

        long paddedHeight = input.Height + top + bottom, paddedWidth = input.Width + left + right;
        if (kernel > paddedHeight || kernel > paddedWidth)
        {
            string padded = top + bottom + left + right == 0
                ? ""
                : $" padded to {Invariant.Int(paddedHeight)}x{Invariant.Int(paddedWidth)} by padding {padding}";
            context.Report(DiagnosticDescriptors.KernelLargerThanInput, context.Name, $"{Invariant.Int(kernel)}x{Invariant.Int(kernel)} kernel", input.ToString(), padded,
                $"use a kernel of at most {Invariant.Int(System.Math.Min(paddedHeight, paddedWidth))}, more padding (e.g. Padding = \"same\"), or fewer pooling layers before it");
            return null;
        }

        long height = ConvolutionArithmetic.OutputSize(input.Height, top + bottom, kernel, stride);
        long width = ConvolutionArithmetic.OutputSize(input.Width, left + right, kernel, stride);
        if (!context.FitsArray("its output", filters * height * width)
            || !context.FitsArray("its weight", filters * input.Channels * kernel * kernel)
            || !context.FitsArray("its im2col buffer", input.Channels * kernel * kernel * height * width))
        {
            return null;
        }
        return new InferredShape(
            TensorShape.Spatial((int)filters, (int)height, (int)width),
            new Window2D((int)kernel, (int)kernel, (int)stride, (int)stride, (int)top, (int)left, (int)bottom, (int)right));
    }

    public override void Check(LayerDeclaration layer, string name, List<DiagnosticInfo> diagnostics)
    {
        Padding padding = layer.Arguments[Padding].Padding;
        if (padding.Mode == PaddingMode.Invalid || (padding.Mode == PaddingMode.Explicit && padding.Pixels < 0))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPadding, layer.Site, padding.ToString(), name));
    }

    public override IReadOnlyList<ParameterSpec> Parameters(GraphNode node)
    {
        Window2D w = node.Window!;
        int outputs = node.Output.Channels;
        var weight = new ParameterSpec("weight", new EquatableArray<int>(new[] { outputs, node.Input.Channels, w.KernelHeight, w.KernelWidth }), IsBias: false);
        return node.Arguments[Bias].Bool
            ? new[] { weight, new ParameterSpec("bias", new EquatableArray<int>(new[] { outputs }), IsBias: true) }
            : new[] { weight };
    }

    public override (int FanIn, int FanOut) Fans(GraphNode node)
    {
        int area = node.Window!.KernelHeight * node.Window.KernelWidth;
        return (node.Input.Channels * area, node.Output.Channels * area);
    }

    public override InitKind DeclaredInit(GraphNode node) => node.Arguments[Init].Init;

    public override string Describe(GraphNode node)
    {
        Window2D w = node.Window!;
        string text = $"Conv2D {Invariant.Int(w.KernelHeight)}x{Invariant.Int(w.KernelWidth)}";
        if (w.StrideHeight != 1) text += ", stride " + Invariant.Int(w.StrideHeight);
        if (node.Arguments[Padding].Padding.Mode == PaddingMode.Same) text += ", same";
        else if (w.PadTop > 0) text += ", pad " + Invariant.Int(w.PadTop);
        return text + (node.Arguments[Bias].Bool ? "" : ", no bias");
    }

    public override string ArchitectureArguments(GraphNode node)
    {
        Window2D w = node.Window!;
        string padding = w.UniformPadding
            ? Invariant.Int(w.PadTop)
            : $"{Invariant.Int(w.PadTop)},{Invariant.Int(w.PadLeft)},{Invariant.Int(w.PadBottom)},{Invariant.Int(w.PadRight)}";
        return $" filters={Invariant.Int(node.Output.Channels)} kernel={Invariant.Int(w.KernelHeight)} stride={Invariant.Int(w.StrideHeight)} padding={padding} bias={(node.Arguments[Bias].Bool ? "true" : "false")}";
    }

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

    public override void EmitForward(ForwardEmission e)
    {
        Window2D w = e.Node.Window!;
        e.Line($"{e.Header}; w [{I(e.Node.Output.Channels)}, {I(e.Node.Input.Channels)}, {I(w.KernelHeight)}, {I(w.KernelWidth)}]");
        e.Line($"{TypeNames.Conv2DKernels}.Forward(in {e.Geometry}, {e.X}, {e.Weight}, {e.Bias}, {e.Y}, {e.Columns}, n);");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        string x = e.Use(e.X);
        e.Add($"{e.Header}; dw += dy ⋆ x, db += Σ dy (not while {e.Node.FullName} is frozen)");
        e.Trainable((dx, dw, db) => $"{TypeNames.Conv2DKernels}.Backward(in {e.Geometry}, {x}, {e.Weight}, {e.Dy}, {dx}, {dw}, {db}, {e.Columns}, n);");
    }

    private static string I(int value) => Invariant.Int(value);
}
