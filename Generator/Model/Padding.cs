namespace Compiled.Generator.Model;

internal enum PaddingMode
{
    /// <summary><see cref="Padding.Height"/> zeros above and below, <see cref="Padding.Width"/> left and right.</summary>
    Explicit,
    /// <summary>"same": output = ceil(input / stride), padding split as Keras/TensorFlow do (extra pixel bottom/right).</summary>
    Same,
    /// <summary>"valid": no padding.</summary>
    Valid,
    /// <summary>A string that is neither "same" nor "valid" (<see cref="Padding.Text"/>); reported by the checks.</summary>
    Invalid,
}

/// <summary>
/// A Conv2D padding argument as declared: pixels per axis (an int is both, <c>new[] { 0, 3 }</c> is height 0, width 3),
/// "same", "valid", or an unknown string.
/// </summary>
internal readonly record struct Padding(PaddingMode Mode, int Height, int Width, string? Text = null)
{
    /// <summary><paramref name="pixels"/> on every side.</summary>
    public static Padding Uniform(int pixels) => new(PaddingMode.Explicit, pixels, pixels);

    public override string ToString() => Mode switch
    {
        PaddingMode.Same => "\"same\"",
        PaddingMode.Valid => "\"valid\"",
        PaddingMode.Invalid => "\"" + Text + "\"",
        _ => Height == Width ? Invariant.Int(Height) : $"({Invariant.Int(Height)}, {Invariant.Int(Width)})",
    };
}
