using System.Globalization;

namespace Compiled.Generator.Shapes;

/// <summary>The shape of one sample: channels × height × width (spatial) or a flat vector of <see cref="Channels"/> features.</summary>
internal readonly record struct Shape(int Channels, int Height, int Width, bool IsSpatial)
{
    public static Shape Flat(int length) => new(length, 1, 1, false);

    public static Shape Spatial(int channels, int height, int width) => new(channels, height, width, true);

    /// <summary>Floats per sample (checked to fit an int by the shape inference).</summary>
    public int Length => Channels * Height * Width;

    public Shape Flattened => Flat(Length);

    /// <summary>PyTorch order, one sample: <c>[6, 28, 28]</c> or <c>[120]</c>.</summary>
    public override string ToString() => IsSpatial ? $"[{I(Channels)}, {I(Height)}, {I(Width)}]" : $"[{I(Channels)}]";

    /// <summary>With the batch dimension, as shape comments write it: <c>[n, 6, 28, 28]</c>.</summary>
    public string Batched => IsSpatial ? $"[n, {I(Channels)}, {I(Height)}, {I(Width)}]" : $"[n, {I(Channels)}]";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
