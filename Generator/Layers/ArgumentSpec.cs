using Compiled.Generator.Model;

namespace Compiled.Generator.Layers;

/// <summary>
/// A range an argument must be in, checked with the shapes (CMP0005 names the argument, the layer and the requirement).
/// </summary>
/// <param name="Minimum">Ints: the smallest valid value.</param>
/// <param name="Requirement">How the message states it: "at least 1", "a finite number".</param>
/// <param name="Finite">Floats: must be neither NaN nor infinite.</param>
internal sealed record ArgumentRange(int Minimum, string Requirement, bool Finite = false)
{
    public static readonly ArgumentRange AtLeastOne = new(1, "at least 1");

    public static readonly ArgumentRange FiniteNumber = new(0, "a finite number", Finite: true);

    /// <summary>Doubles: a positive finite number.</summary>
    public static readonly ArgumentRange PositiveNumber = new(0, "a positive finite number", Finite: true) { Positive = true };

    /// <summary>Doubles: a number in [0, 1].</summary>
    public static readonly ArgumentRange Fraction = new(0, "a number from 0 to 1", Finite: true) { UnitInterval = true };

    /// <summary>Doubles: must also be greater than 0.</summary>
    public bool Positive { get; init; }

    /// <summary>Doubles: must also be in [0, 1].</summary>
    public bool UnitInterval { get; init; }

    public bool Contains(ArgumentValue value)
    {
        if (value.Type == ArgumentType.Double)
        {
            double d = value.Double;
            if (double.IsNaN(d) || double.IsInfinity(d)) return false;
            if (Positive && !(d > 0)) return false;
            return !UnitInterval || (d >= 0 && d <= 1);
        }
        return Finite
            ? !float.IsNaN(value.Float) && !float.IsInfinity(value.Float)
            : value.Int >= Minimum && (value.Type != ArgumentType.Pair || value.Second >= Minimum);
    }
}

/// <summary>
/// One argument of a layer attribute, as the attribute class in Runtime/Declarations declares it: a constructor
/// parameter (<see cref="ConstructorIndex"/> ≥ 0) or a named property, its type, default and valid range. The generic
/// reader (Parsing/LayerParser) reads every layer's arguments from these; messages name the argument as
/// <see cref="Display"/> (the parameter's name capitalized: Units, Kernel).
/// </summary>
/// <param name="Name">The constructor parameter's or property's name: <c>units</c>, <c>Kernel</c>.</param>
/// <param name="Type">Its type.</param>
/// <param name="ConstructorIndex">Its position among the constructor's parameters, or -1 for a named property.</param>
/// <param name="Default">The value when it is not given; null for a required constructor argument.</param>
/// <param name="Example">Constructor arguments: how to write it, for messages (<c>[Dense(128)]</c>).</param>
/// <param name="Range">The valid range, or null.</param>
internal sealed record ArgumentSpec(string Name, ArgumentType Type, int ConstructorIndex, ArgumentValue? Default, string Example, ArgumentRange? Range)
{
    public string Display => Name.Length == 0 ? Name : char.ToUpperInvariant(Name[0]) + Name.Substring(1);

    public static ArgumentSpec RequiredInt(string name, int index, string example, ArgumentRange? range = null)
        => new(name, ArgumentType.Int, index, null, example, range);

    /// <summary>A required constructor argument that is an int or, through a second constructor, an <c>int[]</c> pair.</summary>
    public static ArgumentSpec RequiredPair(string name, int index, string example, ArgumentRange? range = null)
        => new(name, ArgumentType.Pair, index, null, example, range);

    public static ArgumentSpec OptionalFloat(string name, int index, float fallback, string example, ArgumentRange? range = null)
        => new(name, ArgumentType.Float, index, ArgumentValue.OfFloat(fallback), example, range);

    public static ArgumentSpec RequiredDouble(string name, int index, string example, ArgumentRange? range = null)
        => new(name, ArgumentType.Double, index, null, example, range);

    public static ArgumentSpec NamedDouble(string name, double fallback, ArgumentRange? range = null)
        => new(name, ArgumentType.Double, -1, ArgumentValue.OfDouble(fallback), "", range);

    public static ArgumentSpec NamedInt(string name, int fallback, ArgumentRange? range = null)
        => new(name, ArgumentType.Int, -1, ArgumentValue.OfInt(fallback), "", range);

    /// <summary>An <c>object</c> property that takes an int (both axes) or <c>new[] { height, width }</c>.</summary>
    public static ArgumentSpec NamedPair(string name, int fallback, ArgumentRange? range = null)
        => new(name, ArgumentType.Pair, -1, ArgumentValue.OfPair(fallback), "", range);

    public static ArgumentSpec NamedFloat(string name, float fallback, ArgumentRange? range = null)
        => new(name, ArgumentType.Float, -1, ArgumentValue.OfFloat(fallback), "", range);

    public static ArgumentSpec NamedBool(string name, bool fallback)
        => new(name, ArgumentType.Bool, -1, ArgumentValue.OfBool(fallback), "", null);

    public static ArgumentSpec NamedPadding(string name)
        => new(name, ArgumentType.Padding, -1, ArgumentValue.OfPadding(Model.Padding.Uniform(0)), "", null);

    public static ArgumentSpec NamedInit(string name)
        => new(name, ArgumentType.Init, -1, ArgumentValue.OfInit(InitKind.Default), "", null);
}
