using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>
/// The pools' common part: <c>[MaxPool(window, Stride = window)]</c> and <c>[AvgPool(...)]</c>, square windows, no
/// padding, output sizes floored like PyTorch's <c>MaxPool2d</c>/<c>AvgPool2d</c>; channels unchanged.
/// </summary>
internal abstract class PoolLayer : LayerDescriptor
{
    private const int Window = 0, Stride = 1;

    private static readonly ArgumentRange StrideRange = new(0, "at least 1 (or 0, the default, for the window size)");

    private readonly ArgumentSpec[] _schema;

    protected PoolLayer()
    {
        _schema = new[]
        {
            ArgumentSpec.RequiredInt("window", 0, $"[{Kind}(2)]", ArgumentRange.AtLeastOne),
            ArgumentSpec.NamedInt("Stride", 0, StrideRange),
        };
    }

    public override string DefaultNamePrefix => "pool";

    public override string ConstructorExample(string attributeName) => $"[{attributeName}(window)], e.g. [{attributeName}(2)]";

    public override IReadOnlyList<ArgumentSpec> Arguments => _schema;

    public override InferredShape? Infer(ShapeContext context)
    {
        if (!context.RequireSpatial()) return null;
        TensorShape input = context.Input;
        int window = context.Argument(Window).Int;
        int stride = context.Argument(Stride).Int == 0 ? window : context.Argument(Stride).Int;
        if (window > input.Height || window > input.Width)
        {
            context.Report(DiagnosticDescriptors.KernelLargerThanInput, context.Name, $"{Invariant.Int(window)}x{Invariant.Int(window)} window", input.ToString(), "",
                $"use a window of at most {Invariant.Int(System.Math.Min(input.Height, input.Width))}, or remove the layer or a pooling layer before it");
            return null;
        }
        int height = (int)ConvolutionArithmetic.OutputSize(input.Height, 0, window, stride);
        int width = (int)ConvolutionArithmetic.OutputSize(input.Width, 0, window, stride);
        return new InferredShape(TensorShape.Spatial(input.Channels, height, width), new Window2D(window, window, stride, stride, 0, 0, 0, 0));
    }

    public override string Describe(GraphNode node)
    {
        Window2D w = node.Window!;
        string pool = $"{Kind} {Invariant.Int(w.KernelHeight)}x{Invariant.Int(w.KernelWidth)}";
        return w.StrideHeight == w.KernelHeight ? pool : pool + ", stride " + Invariant.Int(w.StrideHeight);
    }

    public override string ArchitectureArguments(GraphNode node)
        => " window=" + Invariant.Int(node.Window!.KernelHeight) + " stride=" + Invariant.Int(node.Window.StrideHeight);

    public override string? GeometryType => TypeNames.Pool2DGeometry;

    public override string[] GeometryArguments(GraphNode node)
    {
        TensorShape i = node.Input;
        return new[]
        {
            $"Channels: {Invariant.Int(i.Channels)}, InHeight: {Invariant.Int(i.Height)}, InWidth: {Invariant.Int(i.Width)}, Window: {Invariant.Int(node.Window!.KernelHeight)}, Stride: {Invariant.Int(node.Window.StrideHeight)}",
        };
    }
}

/// <summary><c>[MaxPool(window)]</c>: the maximum of each window; its backward routes dy to the arg-max it saved.</summary>
internal sealed class MaxPoolLayer : PoolLayer
{
    public static readonly MaxPoolLayer Instance = new();

    public override string Kind => "MaxPool";

    public override IReadOnlyList<SavedSpec> Saved(GraphNode node) => new[] { new SavedSpec("argmax", ElementType.Int32, node.Output.Length) };

    public override void EmitForward(ForwardEmission e)
    {
        e.Line(e.Header);
        e.Line($"{TypeNames.PoolKernels}.MaxForward(in {e.Geometry}, {e.X}, {e.Y}, {e.Saved("argmax")}, n);");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        string argmax = e.Saved("argmax");
        e.Add(e.Header);
        e.Add($"{TypeNames.PoolKernels}.MaxBackward(in {e.Geometry}, {e.Dy}, {argmax}, {e.Dx}, n);");
    }
}

/// <summary><c>[AvgPool(window)]</c>: the mean of each window; its backward spreads dy evenly and reads nothing saved.</summary>
internal sealed class AvgPoolLayer : PoolLayer
{
    public static readonly AvgPoolLayer Instance = new();

    public override string Kind => "AvgPool";

    public override void EmitForward(ForwardEmission e)
    {
        e.Line(e.Header);
        e.Line($"{TypeNames.PoolKernels}.AvgForward(in {e.Geometry}, {e.X}, {e.Y}, n);");
    }

    public override void EmitBackward(BackwardEmission e)
    {
        e.Add(e.Header);
        e.Add($"{TypeNames.PoolKernels}.AvgBackward(in {e.Geometry}, {e.Dy}, {e.Dx}, n);");
    }
}
