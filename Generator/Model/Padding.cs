namespace Compiled.Generator.Model;

internal enum PaddingMode
{
    /// <summary><see cref="Padding.Pixels"/> zeros on every side.</summary>
    Explicit,
    /// <summary>"same": output = ceil(input / stride), padding split as Keras/TensorFlow do (extra pixel bottom/right).</summary>
    Same,
    /// <summary>"valid": no padding.</summary>
    Valid,
    /// <summary>A string that is neither "same" nor "valid" (<see cref="Padding.Text"/>); reported by the checks.</summary>
    Invalid,
}

/// <summary>A Conv2D padding argument as declared.</summary>
internal readonly record struct Padding(PaddingMode Mode, int Pixels, string? Text = null)
{
    public override string ToString() => Mode switch
    {
        PaddingMode.Same => "\"same\"",
        PaddingMode.Valid => "\"valid\"",
        PaddingMode.Invalid => "\"" + Text + "\"",
        _ => Pixels.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
