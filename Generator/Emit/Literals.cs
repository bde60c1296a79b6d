using System.Text;
using Compiled.Generator.Model;

namespace Compiled.Generator.Emit;

/// <summary>C# literals: invariant, round-trip floats with the f suffix; escaped strings; offset expressions.</summary>
internal static class Literals
{
    /// <summary>0.01 → <c>0.01f</c>, 1 → <c>1f</c>, 1E-05 → <c>1E-05f</c>.</summary>
    public static string Float(float value) => Invariant.Float(value) + "f";

    public static string Int(long value) => Invariant.Int(value);

    public static string String(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default: text.Append(c); break;
            }
        }
        return text.Append('"').ToString();
    }

    /// <summary>A per-sample count scaled by the chunk's samples: <c>4704 * n</c>; 0 stays <c>0</c>.</summary>
    public static string PerSample(int value) => value == 0 ? "0" : Int(value) + " * n";

    /// <summary>Escapes text for an XML doc comment.</summary>
    public static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
