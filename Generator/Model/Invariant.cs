using System.Globalization;

namespace Compiled.Generator.Model;

/// <summary>Culture-independent number formatting for messages, comments and code.</summary>
internal static class Invariant
{
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Thousands separated: 61,706.</summary>
    public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Shortest round-trip form: 0.01, 1, 1E-05.</summary>
    public static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Shortest round-trip form of a double, a valid C# double literal: 0.5, 1E-05 (an integral value gets ".0").</summary>
    public static string Double(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
    }
}
