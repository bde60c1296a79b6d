using Compiled.Generator.Model;

namespace Compiled.Generator.Parsing;

/// <summary>Reads one layer attribute's arguments into a <see cref="LayerDeclaration"/> (defaults as in NetworkAttributes.cs).</summary>
internal static class LayerParser
{
    /// <summary>The declaration, or null when its arguments could not be read (the reader has reported why).</summary>
    public static LayerDeclaration? Parse(LayerKind kind, string attributeName, ArgumentReader args, LocationInfo? location)
    {
        string? name = args.NamedString("Name");
        var layer = new LayerDeclaration(kind, attributeName, name, Size: 0, Kernel: 0, Stride: 0,
            new Padding(PaddingMode.Explicit, 0), Bias: false, InitKind.Default, Value: 0f, location);

        switch (kind)
        {
            case LayerKind.Dense:
                if (!args.RequireConstructor("[Dense(units)], e.g. [Dense(128)]")) return null;
                layer = layer with
                {
                    Size = args.ConstructorInt(0, "units", "[Dense(128)]"),
                    Bias = args.NamedBool("Bias", true),
                    Init = args.NamedInit("Init"),
                };
                break;

            case LayerKind.Conv2D:
                if (!args.RequireConstructor("[Conv2D(filters, Kernel = k)], e.g. [Conv2D(32, Kernel = 3)]")) return null;
                layer = layer with
                {
                    Size = args.ConstructorInt(0, "filters", "[Conv2D(32)]"),
                    Kernel = args.NamedInt("Kernel", 3),
                    Stride = args.NamedInt("Stride", 1),
                    Padding = args.NamedPadding("Padding"),
                    Bias = args.NamedBool("Bias", true),
                    Init = args.NamedInit("Init"),
                };
                break;

            case LayerKind.MaxPool:
            case LayerKind.AvgPool:
                if (!args.RequireConstructor($"[{attributeName}(window)], e.g. [{attributeName}(2)]")) return null;
                layer = layer with
                {
                    Size = args.ConstructorInt(0, "window", $"[{attributeName}(2)]"),
                    Stride = args.NamedInt("Stride", 0),
                };
                break;

            case LayerKind.LeakyReLU:
                if (!args.RequireConstructor("[LeakyReLU] or [LeakyReLU(0.01f)]")) return null;
                layer = layer with { Value = args.ConstructorFloat(0, "slope", 0.01f, "[LeakyReLU(0.01f)]") };
                break;

            case LayerKind.ELU:
                if (!args.RequireConstructor("[ELU] or [ELU(1f)]")) return null;
                layer = layer with { Value = args.ConstructorFloat(0, "alpha", 1f, "[ELU(1f)]") };
                break;

            case LayerKind.MultiClassHinge:
                if (!args.RequireConstructor("[MultiClassHinge] or [MultiClassHinge(Margin = 1f)]")) return null;
                layer = layer with { Value = args.NamedFloat("Margin", 1f) };
                break;

            default:
                if (!args.RequireConstructor($"[{attributeName}]")) return null;
                break;
        }

        return args.Failed ? null : layer;
    }
}
