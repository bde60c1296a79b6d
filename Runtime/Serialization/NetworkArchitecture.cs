using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Compiled.Serialization;

/// <summary>
/// The canonical text that identifies a network's architecture in a checkpoint, and its SHA-256.
/// Two networks whose descriptions differ cannot exchange checkpoints.
/// </summary>
/// <remarks>
/// The description lists, one per line: the input shape, the output length, the loss head, then every parameter
/// tensor and every state tensor with its name and shape, in buffer order. Layer kinds without parameters (activations,
/// pooling) do not appear in it yet; they will once generated networks describe themselves.
/// </remarks>
public static class NetworkArchitecture
{
    /// <summary>The canonical description of <paramref name="network"/> (lines separated by <c>\n</c>).</summary>
    public static string Describe(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var text = new StringBuilder();
        text.Append("input ").Append(Shape(network.InputShape)).Append('\n');
        text.Append("output ").Append(network.OutputLength.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("loss ").Append(network.Loss.ToString()).Append('\n');
        foreach (ParameterInfo p in network.ParameterTable)
            text.Append("parameter ").Append(p.Name).Append(' ').Append(Shape(p.Shape)).Append('\n');
        foreach (ParameterInfo s in network.StateTable)
            text.Append("state ").Append(s.Name).Append(' ').Append(Shape(s.Shape)).Append('\n');
        return text.ToString();
    }

    /// <summary>SHA-256 of the UTF-8 bytes of <paramref name="description"/>.</summary>
    public static byte[] Hash(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return SHA256.HashData(Encoding.UTF8.GetBytes(description));
    }

    /// <summary>
    /// Where two descriptions first differ, for an error message: the first differing line of each
    /// (or "(nothing)" where one ends first), with its line number.
    /// </summary>
    public static string FirstDifference(string saved, string current)
    {
        string[] a = saved.Split('\n');
        string[] b = current.Split('\n');
        int n = Math.Max(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            string left = i < a.Length ? a[i] : "(nothing)";
            string right = i < b.Length ? b[i] : "(nothing)";
            if (left != right)
                return $"line {i + 1}: the checkpoint has '{Show(left)}', this network has '{Show(right)}'";
        }
        return "the descriptions are identical";
    }

    private static string Show(string line) => line.Length == 0 ? "(nothing)" : line;

    private static string Shape(IReadOnlyList<int> shape)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Count; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }
}
