using System;
using System.Collections.Generic;
using System.Globalization;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Generator.Parsing;

/// <summary>
/// Reads the constant arguments of one attribute. An argument the generator cannot use (a compile error, a wrong type,
/// an undefined enum value) becomes a CMP0007 diagnostic and the caller gets the default back.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly AttributeData _attribute;
    private readonly string _attributeName;
    private readonly DiagnosticSite _site;
    private readonly List<DiagnosticInfo> _diagnostics;

    public ArgumentReader(AttributeData attribute, string attributeName, DiagnosticSite site, List<DiagnosticInfo> diagnostics)
    {
        _attribute = attribute;
        _attributeName = attributeName;
        _site = site;
        _diagnostics = diagnostics;
    }

    /// <summary>Number of constructor arguments bound (optional ones included).</summary>
    public int ConstructorCount => _attribute.ConstructorArguments.Length;

    /// <summary>True once any argument of this attribute was unreadable.</summary>
    public bool Failed { get; private set; }

    /// <summary>
    /// The parameters of the block whose attribute this is, or null in a network: inside a block an int argument may be a
    /// string expression over them (<c>"channels * 4"</c>), read as <see cref="ArgumentType.Expression"/>.
    /// </summary>
    public IReadOnlyCollection<string>? BlockParameters { get; set; }

    /// <summary>
    /// Checks that the arguments bound to a constructor; otherwise reports CMP0023 naming the forms the attribute takes.
    /// </summary>
    public bool RequireConstructor(string example)
    {
        if (_attribute.AttributeConstructor is not null) return true;
        // The compiler could not bind the arguments (too many, too few, a wrong type, an error): it reports why; this
        // says what the layer takes.
        string given = (_attribute.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax)?.ArgumentList?.ToString() ?? "()";
        Failed = true;
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoMatchingConstructor, _site, given, _attributeName, $"write {example}"));
        return false;
    }

    public int ConstructorInt(int index, string parameter, string example)
    {
        if (index >= _attribute.ConstructorArguments.Length)
        {
            Report(parameter, "missing", $"write {example}");
            return 0;
        }
        TypedConstant value = _attribute.ConstructorArguments[index];
        if (value.Kind == TypedConstantKind.Primitive && value.Value is int i) return i;
        if (value.Kind == TypedConstantKind.Primitive && value.Value is string expression)
        {
            ReportExpressionOutsideBlock(parameter, expression, $"write an int constant, e.g. {example}");
            return 0;
        }
        Report(parameter, Describe(value), $"use an int constant, e.g. {example}");
        return 0;
    }

    /// <summary>
    /// A required constructor argument that is an int (both axes) or, through the attribute's <c>int[]</c> constructor, a
    /// pair (height, width): <c>[MaxPool(2)]</c>, <c>[MaxPool(new[] { 1, 3 })]</c>.
    /// </summary>
    public ArgumentValue ConstructorPair(int index, string parameter, string example)
    {
        if (index >= _attribute.ConstructorArguments.Length)
        {
            Report(parameter, "missing", $"write {example}");
            return ArgumentValue.OfPair(0);
        }
        return Pair(_attribute.ConstructorArguments[index], parameter, example) ?? ArgumentValue.OfPair(0);
    }

    /// <summary>An <c>object</c> property holding an int (both axes) or <c>new[] { height, width }</c>.</summary>
    public ArgumentValue NamedPair(string name, ArgumentValue fallback)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return fallback;
        return Pair(value, name, $"{name} = 2 or {name} = new[] {{ 1, 3 }}") ?? fallback;
    }

    /// <summary>An int or an int array of exactly two elements, or null after reporting what it is instead.</summary>
    private ArgumentValue? Pair(TypedConstant value, string name, string example)
    {
        if (value.Kind == TypedConstantKind.Primitive && value.Value is int both) return ArgumentValue.OfPair(both);
        if (value.Kind == TypedConstantKind.Primitive && value.Value is string expression)
        {
            ReportExpressionOutsideBlock(name, expression, $"use an int or a pair (height, width), e.g. {example}");
            return null;
        }
        if (value.Kind == TypedConstantKind.Array && !value.IsNull)
        {
            var elements = value.Values;
            if (elements.Length == 2 && elements[0].Value is int height && elements[1].Value is int width)
                return ArgumentValue.OfPair(height, width);
            string what = elements.Length == 2 ? "an array whose elements are not int constants"
                : $"an array of {Invariant.Int(elements.Length)} element{(elements.Length == 1 ? "" : "s")}";
            Report(name, what, $"use an int for both axes or a pair (height, width), e.g. {example}");
            return null;
        }
        Report(name, Describe(value), $"use an int or a pair (height, width), e.g. {example}");
        return null;
    }

    /// <summary>Reports a block expression (a string where an int goes) on a layer outside a block (CMP0026).</summary>
    public void ReportExpressionOutsideBlock(string argument, string expression, string advice)
    {
        Failed = true;
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ExpressionOutsideBlock, _site, argument, _attributeName, expression, advice));
    }

    public float ConstructorFloat(int index, string parameter, float fallback, string example)
    {
        if (index >= _attribute.ConstructorArguments.Length) return fallback;
        TypedConstant value = _attribute.ConstructorArguments[index];
        if (value.Kind == TypedConstantKind.Primitive && value.Value is float f) return f;
        Report(parameter, Describe(value), $"use a float constant, e.g. {example}");
        return fallback;
    }

    /// <summary>A double constructor argument; <paramref name="fallback"/> null: required (reported when missing).</summary>
    public double ConstructorDouble(int index, string parameter, double? fallback, string example)
    {
        if (index >= _attribute.ConstructorArguments.Length)
        {
            if (fallback is { } value0) return value0;
            Report(parameter, "missing", $"write {example}");
            return 0;
        }
        TypedConstant value = _attribute.ConstructorArguments[index];
        if (value.Kind == TypedConstantKind.Primitive && value.Value is double d) return d;
        Report(parameter, Describe(value), $"use a number, e.g. {example}");
        return fallback ?? 0;
    }

    public double NamedDouble(string name, double fallback)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return fallback;
        if (value.Kind == TypedConstantKind.Primitive && value.Value is double d) return d;
        Report(name, Describe(value), $"use a number, e.g. {name} = 0.1");
        return fallback;
    }

    public int NamedInt(string name, int fallback)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return fallback;
        if (value.Kind == TypedConstantKind.Primitive && value.Value is int i) return i;
        Report(name, Describe(value), $"use an int constant, e.g. {name} = 2");
        return fallback;
    }

    public bool NamedBool(string name, bool fallback)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return fallback;
        if (value.Kind == TypedConstantKind.Primitive && value.Value is bool b) return b;
        Report(name, Describe(value), $"use true or false");
        return fallback;
    }

    public float NamedFloat(string name, float fallback)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return fallback;
        if (value.Kind == TypedConstantKind.Primitive && value.Value is float f) return f;
        Report(name, Describe(value), $"use a float constant, e.g. {name} = 1f");
        return fallback;
    }

    /// <summary>An optional string; null when absent or explicitly null.</summary>
    public string? NamedString(string name)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return null;
        if (value.Kind == TypedConstantKind.Primitive && value.Value is string s) return s;
        if (value.Kind == TypedConstantKind.Primitive && value.Value is null) return null;
        Report(name, Describe(value), "use a string constant");
        return null;
    }

    public InitKind NamedInit(string name)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return InitKind.Default;
        if (value.Kind == TypedConstantKind.Enum && value.Value is int i && i >= (int)InitKind.Default && i <= (int)InitKind.Zeros)
            return (InitKind)i;
        Report(name, Describe(value), "use a member of Compiled.Init, e.g. Init = Init.HeNormal");
        return InitKind.Default;
    }

    /// <summary>
    /// Conv2D padding: an int (pixels on every side), a pair <c>new[] { height, width }</c> (pixels above and below, left
    /// and right) or "same"/"valid" (any case).
    /// </summary>
    public Padding NamedPadding(string name)
    {
        if (!TryGetNamed(name, out TypedConstant value)) return Padding.Uniform(0);
        if (value.Kind == TypedConstantKind.Primitive && value.Value is string text)
        {
            if (string.Equals(text, "same", StringComparison.OrdinalIgnoreCase)) return new Padding(PaddingMode.Same, 0, 0);
            if (string.Equals(text, "valid", StringComparison.OrdinalIgnoreCase)) return new Padding(PaddingMode.Valid, 0, 0);
            return new Padding(PaddingMode.Invalid, 0, 0, text);
        }
        if (value.Kind == TypedConstantKind.Primitive && value.Value is int pixels) return Padding.Uniform(pixels);
        if (value.Kind == TypedConstantKind.Array)
        {
            ArgumentValue? pair = Pair(value, name, "Padding = new[] { 0, 3 }");
            return pair is { } p ? new Padding(PaddingMode.Explicit, p.Height, p.Width) : Padding.Uniform(0);
        }
        Report(name, Describe(value), "use an int number of pixels (Padding = 2), a pair (Padding = new[] { 0, 3 }), \"same\" or \"valid\"");
        return Padding.Uniform(0);
    }

    /// <summary>
    /// Reads one argument as its <see cref="ArgumentSpec"/> declares it: a constructor argument by position (a missing
    /// required one is reported), a named one by name; absent ones get the default.
    /// </summary>
    public ArgumentValue Read(ArgumentSpec spec)
    {
        if ((spec.Type == ArgumentType.Int || spec.Type == ArgumentType.Padding || spec.Type == ArgumentType.Pair) && ExpressionOf(spec) is { } expression) return expression;
        if (spec.ConstructorIndex >= 0)
        {
            return spec.Type switch
            {
                ArgumentType.Float => ArgumentValue.OfFloat(ConstructorFloat(spec.ConstructorIndex, spec.Name, spec.Default?.Float ?? 0f, spec.Example)),
                ArgumentType.Pair => ConstructorPair(spec.ConstructorIndex, spec.Name, spec.Example),
                ArgumentType.Double => ArgumentValue.OfDouble(ConstructorDouble(spec.ConstructorIndex, spec.Name, spec.Default?.Double, spec.Example)),
                _ => ArgumentValue.OfInt(ConstructorInt(spec.ConstructorIndex, spec.Name, spec.Example)),
            };
        }
        ArgumentValue fallback = spec.Default ?? default;
        return spec.Type switch
        {
            ArgumentType.Int => ArgumentValue.OfInt(NamedInt(spec.Name, fallback.Int)),
            ArgumentType.Float => ArgumentValue.OfFloat(NamedFloat(spec.Name, fallback.Float)),
            ArgumentType.Double => ArgumentValue.OfDouble(NamedDouble(spec.Name, fallback.Double)),
            ArgumentType.Bool => ArgumentValue.OfBool(NamedBool(spec.Name, fallback.Bool)),
            ArgumentType.String => ArgumentValue.OfString(NamedString(spec.Name) ?? fallback.Text),
            ArgumentType.Padding => ArgumentValue.OfPadding(NamedPadding(spec.Name)),
            ArgumentType.Pair => NamedPair(spec.Name, fallback),
            _ => ArgumentValue.OfInit(NamedInit(spec.Name)),
        };
    }

    /// <summary>
    /// An int argument (or an int-or-pair, or a padding that is not "same"/"valid") given as a string inside a block: an
    /// expression over the block's parameters (both axes of a pair), checked here (unknown names and syntax are reported, CMP0030). Null when it is not a string.
    /// </summary>
    private ArgumentValue? ExpressionOf(ArgumentSpec spec)
    {
        TypedConstant value;
        if (spec.ConstructorIndex >= 0)
        {
            if (spec.ConstructorIndex >= _attribute.ConstructorArguments.Length) return null;
            value = _attribute.ConstructorArguments[spec.ConstructorIndex];
        }
        else if (!TryGetNamed(spec.Name, out value))
        {
            return null;
        }
        if (value.Kind != TypedConstantKind.Primitive || value.Value is not string text || BlockParameters is null) return null;
        if (spec.Type == ArgumentType.Padding
            && (string.Equals(text, "same", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "valid", StringComparison.OrdinalIgnoreCase)))
            return null;
        return Expression(text, spec.Name);
    }

    /// <summary>An expression over the block's parameters, checked (CMP0030 when it names an unknown parameter or does not parse).</summary>
    private ArgumentValue Expression(string text, string argument)
    {
        if (BlockExpression.Check(text, BlockParameters ?? System.Array.Empty<string>()) is { } problem)
        {
            Failed = true;
            int count = BlockParameters?.Count ?? 0;
            string parameters = count == 0 ? "the block has no parameters" : "the block's parameters are " + string.Join(", ", BlockParameters!);
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockExpression, _site, text, argument, _attributeName, problem, parameters));
            return ArgumentValue.OfInt(0);
        }
        return ArgumentValue.OfExpression(text);
    }

    /// <summary>
    /// An int, or inside a block a string expression over its parameters (a [Use]'s arguments and Stride); anything else
    /// is reported (CMP0007) and read as 0.
    /// </summary>
    public ArgumentValue IntOrExpression(TypedConstant value, string argument, string example)
    {
        if (value.Kind == TypedConstantKind.Primitive && value.Value is int i) return ArgumentValue.OfInt(i);
        if (value.Kind == TypedConstantKind.Primitive && value.Value is string text)
        {
            if (BlockParameters is not null) return Expression(text, argument);
            Report(argument, Describe(value), "a string is an expression over a block's parameters, which only a [Block]'s own attributes may use; write an int here");
            return ArgumentValue.OfInt(0);
        }
        Report(argument, Describe(value), $"use an int constant, e.g. {example}");
        return ArgumentValue.OfInt(0);
    }

    /// <summary>The constructor argument at <paramref name="index"/>, or null when there is none.</summary>
    public TypedConstant? Constructor(int index) => index < _attribute.ConstructorArguments.Length ? _attribute.ConstructorArguments[index] : null;

    /// <summary>The named argument <paramref name="name"/>, or null when it is not given.</summary>
    public TypedConstant? Named(string name) => TryGetNamed(name, out TypedConstant value) ? value : null;

    /// <summary>Reports an unreadable argument.</summary>
    public void Report(string argument, string description, string advice)
    {
        Failed = true;
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableArgument, _site, argument, _attributeName, description, advice));
    }

    private bool TryGetNamed(string name, out TypedConstant value)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                value = argument.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>How a constant reads in a message: <c>2.5 (double)</c>, <c>null</c>, <c>an array</c>, <c>not a valid constant</c>.</summary>
    public static string Describe(TypedConstant value)
    {
        switch (value.Kind)
        {
            case TypedConstantKind.Error:
                return "not a valid constant (see the compiler's error)";
            case TypedConstantKind.Array:
                return "an array";
            case TypedConstantKind.Type:
                return "a type";
            case TypedConstantKind.Enum:
                return $"{Format(value.Value)} ({value.Type?.ToDisplayString() ?? "enum"})";
            default:
                if (value.Value is null) return "null";
                return $"{Format(value.Value)} ({value.Type?.ToDisplayString() ?? value.Value.GetType().Name})";
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
