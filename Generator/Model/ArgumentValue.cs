namespace Compiled.Generator.Model;

/// <summary>The type of a layer argument, as the attribute declares it.</summary>
internal enum ArgumentType
{
    Int,
    Float,
    /// <summary>A double (dropout rates, batch-norm and LRN constants: <c>[Dropout(0.5)]</c> needs no suffix); an int constant is taken too.</summary>
    Double,
    Bool,
    String,
    /// <summary>An int number of pixels or "same"/"valid" (<see cref="Model.Padding"/>).</summary>
    Padding,
    /// <summary>A member of <c>Compiled.Init</c> (<see cref="InitKind"/>).</summary>
    Init,
    /// <summary>
    /// An int (both axes) or a pair <c>new[] { height, width }</c>, as PyTorch's <c>kernel_size=3</c> / <c>(1, 7)</c>:
    /// <see cref="ArgumentValue.Height"/> and <see cref="ArgumentValue.Width"/>.
    /// </summary>
    Pair,
    /// <summary>
    /// Inside a block: an int written as an expression over the block's parameters (<c>"channels * 4"</c>), in
    /// <see cref="ArgumentValue.Text"/>; the block's expansion replaces it with the value (Blocks/BlockExpression).
    /// </summary>
    Expression,
}

/// <summary>One layer argument's value, read (or defaulted) by the generic argument reader: plain equatable data.</summary>
/// <param name="Double">A <see cref="ArgumentType.Double"/> value, also rounded to float in <paramref name="Float"/> (what the kernels take).</param>
/// <param name="Second">A pair's width (its height is <paramref name="Int"/>); 0 otherwise.</param>
internal readonly record struct ArgumentValue(ArgumentType Type, int Int, float Float, string? Text, Padding Padding, double Double = 0, int Second = 0)
{
    public static ArgumentValue OfInt(int value) => new(ArgumentType.Int, value, 0f, null, default);

    public static ArgumentValue OfFloat(float value) => new(ArgumentType.Float, 0, value, null, default);

    public static ArgumentValue OfDouble(double value) => new(ArgumentType.Double, 0, (float)value, null, default, value);

    public static ArgumentValue OfBool(bool value) => new(ArgumentType.Bool, value ? 1 : 0, 0f, null, default);

    public static ArgumentValue OfString(string? value) => new(ArgumentType.String, 0, 0f, value, default);

    public static ArgumentValue OfPadding(Padding value) => new(ArgumentType.Padding, 0, 0f, null, value);

    public static ArgumentValue OfInit(InitKind value) => new(ArgumentType.Init, (int)value, 0f, null, default);

    /// <summary>An int-or-pair value: both axes <paramref name="value"/>.</summary>
    public static ArgumentValue OfPair(int value) => OfPair(value, value);

    /// <summary>An int-or-pair value: (height, width).</summary>
    public static ArgumentValue OfPair(int height, int width) => new(ArgumentType.Pair, height, 0f, null, default, Second: width);

    /// <summary>A pair's height (its first element).</summary>
    public int Height => Int;

    /// <summary>A pair's width (its second element).</summary>
    public int Width => Second;

    /// <summary>An expression over a block's parameters, bound when the block is used.</summary>
    public static ArgumentValue OfExpression(string text) => new(ArgumentType.Expression, 0, 0f, text, default);

    public bool Bool => Int != 0;

    public InitKind Init => (InitKind)Int;

    /// <summary>As messages show it: <c>0</c>, <c>NaN</c>, <c>"same"</c>, <c>(1, 7)</c>.</summary>
    public override string ToString() => Type switch
    {
        ArgumentType.Float => Float.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ArgumentType.Double => Double.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ArgumentType.Bool => Bool ? "true" : "false",
        ArgumentType.String => Text ?? "null",
        ArgumentType.Padding => Padding.ToString(),
        ArgumentType.Init => Init.ToString(),
        ArgumentType.Pair => Int == Second ? Invariant.Int(Int) : $"({Invariant.Int(Int)}, {Invariant.Int(Second)})",
        ArgumentType.Expression => "\"" + Text + "\"",
        _ => Invariant.Int(Int),
    };
}
