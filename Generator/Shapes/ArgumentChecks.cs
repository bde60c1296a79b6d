using System.Collections.Generic;
using System.Globalization;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>Range checks of each layer's own arguments (sizes, kernel, stride, padding, slopes), independent of shapes.</summary>
internal static class ArgumentChecks
{
    private const string AtLeastOne = "at least 1";

    public static void Check(LayerDeclaration layer, string name, List<DiagnosticInfo> diagnostics)
    {
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                AtLeast1("Units", layer.Size);
                break;
            case LayerKind.Conv2D:
                AtLeast1("Filters", layer.Size);
                AtLeast1("Kernel", layer.Kernel);
                AtLeast1("Stride", layer.Stride);
                if (layer.Padding.Mode == PaddingMode.Invalid || (layer.Padding.Mode == PaddingMode.Explicit && layer.Padding.Pixels < 0))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPadding, layer.Location, layer.Padding.ToString(), name));
                break;
            case LayerKind.MaxPool:
            case LayerKind.AvgPool:
                AtLeast1("Window", layer.Size);
                if (layer.Stride < 0) Report("Stride", I(layer.Stride), "at least 1 (or 0, the default, for the window size)");
                break;
            case LayerKind.LeakyReLU:
                Finite("Slope");
                break;
            case LayerKind.ELU:
                Finite("Alpha");
                break;
            case LayerKind.MultiClassHinge:
                Finite("Margin");
                break;
        }

        void AtLeast1(string argument, int value)
        {
            if (value < 1) Report(argument, I(value), AtLeastOne);
        }

        void Finite(string argument)
        {
            if (float.IsNaN(layer.Value) || float.IsInfinity(layer.Value))
                Report(argument, layer.Value.ToString("R", CultureInfo.InvariantCulture), "a finite number");
        }

        void Report(string argument, string value, string requirement)
            => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveArgument, layer.Location, argument, name, value, requirement, layer.AttributeName));
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
