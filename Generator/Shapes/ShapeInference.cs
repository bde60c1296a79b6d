using System.Collections.Generic;
using System.Globalization;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>
/// Checks a parsed network and infers every layer's shapes: names, argument ranges and structure (input, loss head
/// position, loss head when training) first, all reported together; then shapes layer by layer, stopping at the first
/// layer whose input it cannot take (the shapes after it would be meaningless).
/// </summary>
internal static class ShapeInference
{
    public static StageResult<ShapedNetwork> Infer(NetworkDeclaration network)
    {
        var diagnostics = new List<DiagnosticInfo>();
        (string Name, string Identifier)[] names = LayerNames.Resolve(network.Layers, diagnostics);
        for (int i = 0; i < network.Layers.Count; i++) ArgumentChecks.Check(network.Layers[i], names[i].Name, diagnostics);
        CheckStructure(network, names, diagnostics);
        if (diagnostics.Count > 0) return Failed(diagnostics);

        Shape input = network.Input.Count == 1
            ? Shape.Flat(network.Input[0])
            : Shape.Spatial(network.Input[0], network.Input[1], network.Input[2]);
        var layers = new List<ShapedLayer>(network.Layers.Count);
        Shape current = input;
        string source = "the network's input";
        long parameters = 0;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            LayerDeclaration layer = network.Layers[i];
            ShapedLayer? shaped = InferLayer(layer, names[i].Name, names[i].Identifier, current, source, diagnostics);
            if (shaped is null) return Failed(diagnostics);
            parameters += shaped.ParameterCount;
            if (parameters > int.MaxValue)
            {
                diagnostics.Add(TooLarge(layer, names[i].Name, "the parameter buffer", parameters));
                return Failed(diagnostics);
            }
            layers.Add(shaped);
            current = shaped.Output;
            source = "the output of '" + shaped.Name + "'";
        }

        var shapedNetwork = new ShapedNetwork(network, input, new EquatableArray<ShapedLayer>(layers.ToArray()));
        return new StageResult<ShapedNetwork>(shapedNetwork, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static void CheckStructure(NetworkDeclaration network, (string Name, string Identifier)[] names, List<DiagnosticInfo> diagnostics)
    {
        if (network.Input.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, network.NetworkLocation, network.ClassName));
        }
        else
        {
            long length = 1;
            bool valid = true;
            foreach (int dimension in network.Input)
            {
                valid &= dimension >= 1;
                length *= System.Math.Max(dimension, 1);
                if (length > int.MaxValue) length = (long)int.MaxValue + 1;
            }
            if (!valid)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, network.InputLocation, string.Join(", ", network.Input), network.ClassName));
            else if (length > int.MaxValue)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, network.InputLocation, "input", "one input sample", ">" + I(int.MaxValue)));
        }

        int loss = -1;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            LayerDeclaration layer = network.Layers[i];
            if (loss >= 0)
            {
                LayerDeclaration head = network.Layers[loss];
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerAfterLossHead, layer.Location,
                    names[i].Name, layer.AttributeName, names[loss].Name, head.AttributeName));
                break;
            }
            if (layer.Kind.IsLoss()) loss = i;
        }

        if (loss == 0 || network.Layers.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, loss == 0 ? network.Layers[0].Location : network.NetworkLocation, network.ClassName));
        else if (loss < 0 && network.Training)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingLossHead, network.NetworkLocation, network.ClassName));
    }

    private static ShapedLayer? InferLayer(LayerDeclaration layer, string name, string identifier, Shape input, string source, List<DiagnosticInfo> diagnostics)
    {
        var shaped = new ShapedLayer(layer, name, identifier, input, input, Stride: 1, 0, 0, 0, 0);
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (!FitsArray(layer, name, "the weight [" + I(layer.Size) + ", " + I(input.Length) + "]", (long)layer.Size * input.Length, diagnostics)) return null;
                return shaped with { Output = Shape.Flat(layer.Size) };

            case LayerKind.Flatten:
                return shaped with { Output = input.Flattened };

            case LayerKind.Conv2D:
            case LayerKind.MaxPool:
            case LayerKind.AvgPool:
                if (!input.IsSpatial)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialLayerOnFlatInput, layer.Location,
                        name, layer.AttributeName, I(input.Length), " (" + source + ")"));
                    return null;
                }
                return layer.Kind == LayerKind.Conv2D ? Convolution(shaped, diagnostics) : Pool(shaped, diagnostics);

            default:
                if (layer.Kind.IsLoss()) return shaped with { Output = input.Flattened };
                return shaped; // activations keep the shape
        }
    }

    private static ShapedLayer? Convolution(ShapedLayer shaped, List<DiagnosticInfo> diagnostics)
    {
        LayerDeclaration layer = shaped.Declaration;
        Shape input = shaped.Input;
        long kernel = layer.Kernel, stride = layer.Stride;
        long top, bottom, left, right;
        if (layer.Padding.Mode == PaddingMode.Same)
        {
            (top, bottom) = ConvolutionArithmetic.SamePadding(input.Height, kernel, stride);
            (left, right) = ConvolutionArithmetic.SamePadding(input.Width, kernel, stride);
        }
        else
        {
            top = bottom = left = right = layer.Padding.Mode == PaddingMode.Explicit ? layer.Padding.Pixels : 0;
        }

        long paddedHeight = input.Height + top + bottom, paddedWidth = input.Width + left + right;
        if (kernel > paddedHeight || kernel > paddedWidth)
        {
            string padding = top + bottom + left + right == 0
                ? ""
                : $" padded to {I(paddedHeight)}x{I(paddedWidth)} by padding {layer.Padding}";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KernelLargerThanInput, layer.Location,
                shaped.Name, $"{I(kernel)}x{I(kernel)} kernel", input.ToString(), padding,
                $"use a kernel of at most {I(System.Math.Min(paddedHeight, paddedWidth))}, more padding (e.g. Padding = \"same\"), or fewer pooling layers before it"));
            return null;
        }

        long height = ConvolutionArithmetic.OutputSize(input.Height, top + bottom, kernel, stride);
        long width = ConvolutionArithmetic.OutputSize(input.Width, left + right, kernel, stride);
        long output = layer.Size * height * width;
        long weights = layer.Size * (long)input.Channels * kernel * kernel;
        long columns = input.Channels * kernel * kernel * height * width;
        if (!FitsArray(layer, shaped.Name, "its output", output, diagnostics)
            || !FitsArray(layer, shaped.Name, "its weight", weights, diagnostics)
            || !FitsArray(layer, shaped.Name, "its im2col buffer", columns, diagnostics))
        {
            return null;
        }
        return shaped with
        {
            Output = Shape.Spatial(layer.Size, (int)height, (int)width),
            Stride = layer.Stride,
            PadTop = (int)top,
            PadLeft = (int)left,
            PadBottom = (int)bottom,
            PadRight = (int)right,
        };
    }

    private static ShapedLayer? Pool(ShapedLayer shaped, List<DiagnosticInfo> diagnostics)
    {
        LayerDeclaration layer = shaped.Declaration;
        Shape input = shaped.Input;
        int window = layer.Size;
        int stride = layer.Stride == 0 ? window : layer.Stride;
        if (window > input.Height || window > input.Width)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KernelLargerThanInput, layer.Location,
                shaped.Name, $"{I(window)}x{I(window)} window", input.ToString(), "",
                $"use a window of at most {I(System.Math.Min(input.Height, input.Width))}, or remove the layer or a pooling layer before it"));
            return null;
        }
        int height = (int)ConvolutionArithmetic.OutputSize(input.Height, 0, window, stride);
        int width = (int)ConvolutionArithmetic.OutputSize(input.Width, 0, window, stride);
        return shaped with { Output = Shape.Spatial(input.Channels, height, width), Stride = stride };
    }

    private static bool FitsArray(LayerDeclaration layer, string name, string what, long elements, List<DiagnosticInfo> diagnostics)
    {
        if (elements <= int.MaxValue) return true;
        diagnostics.Add(TooLarge(layer, name, what, elements));
        return false;
    }

    private static DiagnosticInfo TooLarge(LayerDeclaration layer, string name, string what, long elements)
        => DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Location, name, what, I(elements));

    private static StageResult<ShapedNetwork> Failed(List<DiagnosticInfo> diagnostics)
        => StageResult<ShapedNetwork>.Failed(new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}
