using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>
/// Range checks of each layer's own arguments, independent of shapes: every argument against its schema's range
/// (<see cref="ArgumentSpec.Range"/>, CMP0005), then the descriptor's own checks (a Conv2D padding, CMP0006).
/// </summary>
internal static class ArgumentChecks
{
    public static void Check(LayerDeclaration layer, string name, List<DiagnosticInfo> diagnostics)
    {
        IReadOnlyList<ArgumentSpec> schema = layer.Descriptor.Arguments;
        for (int i = 0; i < schema.Count; i++)
        {
            ArgumentSpec spec = schema[i];
            ArgumentValue value = layer.Arguments[i];
            if (spec.Range is { } range && !range.Contains(value))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveArgument, layer.Site, spec.Display, name, value.ToString(), range.Requirement, layer.AttributeName));
        }
        layer.Descriptor.Check(layer, name, diagnostics);
    }
}
