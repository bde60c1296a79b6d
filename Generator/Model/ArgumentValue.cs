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
    /// Inside a block: an int written as an expression over the block's parameters (<c>"channels * 4"</c>), in
    /// <see cref="ArgumentValue.Text"/>; the block's expansion replaces it with the value (Blocks/BlockExpression).
    /// </summary>
    Expression,
}

/// <summary>One layer argument's value, read (or defaulted) by the generic argument reader: plain equatable data.</summary>
/// <remarks>A <see cref="ArgumentType.Double"/> value is in <see cref="Double"/>, and rounded to float in <see cref="Float"/> (what the kernels take).</remarks>
internal readonly record struct ArgumentValue(ArgumentType Type, int Int, float Float, string? Text, Padding Padding, double Double = 0)
{
    public static ArgumentValue OfInt(int value) => new(ArgumentType.Int, value, 0f, null, default);

    public static ArgumentValue OfFloat(float value) => new(ArgumentType.Float, 0, value, null, default);

    public static ArgumentValue OfDouble(double value) => new(ArgumentType.Double, 0, (float)value, null, default, value);

    public static ArgumentValue OfBool(bool value) => new(ArgumentType.Bool, value ? 1 : 0, 0f, null, default);

    public static ArgumentValue OfString(string? value) => new(ArgumentType.String, 0, 0f, value, default);

    public static ArgumentValue OfPadding(Padding value) => new(ArgumentType.Padding, 0, 0f, null, value);

    public static ArgumentValue OfInit(InitKind value) => new(ArgumentType.Init, (int)value, 0f, null, default);

    /// <summary>An expression over a block's parameters, bound when the block is used.</summary>
    public static ArgumentValue OfExpression(string text) => new(ArgumentType.Expression, 0, 0f, text, default);

    public bool Bool => Int != 0;

    public InitKind Init => (InitKind)Int;

    /// <summary>As messages show it: <c>0</c>, <c>NaN</c>, <c>"same"</c>.</summary>
    public override string ToString() => Type switch
    {
        ArgumentType.Float => Float.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ArgumentType.Double => Double.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ArgumentType.Bool => Bool ? "true" : "false",
        ArgumentType.String => Text ?? "null",
        ArgumentType.Padding => Padding.ToString(),
        ArgumentType.Init => Init.ToString(),
        ArgumentType.Expression => "\"" + Text + "\"",
        _ => Invariant.Int(Int),
    };
}
