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
/// The description is the generated <see cref="INetwork.Architecture"/> line (input shape, every layer's kind, name,
/// shape-changing arguments and output shape, the loss head), then one line per parameter tensor and per state tensor with
/// its name and shape, in buffer order (so the buffer layout a checkpoint's data follows is part of what must match).
/// </remarks>
public static class NetworkArchitecture
{
    /// <summary>The canonical description of <paramref name="network"/> (lines separated by <c>\n</c>).</summary>
    public static string Describe(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var text = new StringBuilder();
        text.Append(network.Architecture).Append('\n');
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
    /// Where two descriptions first differ, for an error message: the first differing item (a layer of the architecture
    /// line, or a tensor line) of each, or "(nothing)" where one ends first.
    /// </summary>
    public static string FirstDifference(string saved, string current)
    {
        string[] a = saved.Split('\n', ';');
        string[] b = current.Split('\n', ';');
        int n = Math.Max(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            string left = i < a.Length ? a[i] : "(nothing)";
            string right = i < b.Length ? b[i] : "(nothing)";
            if (left != right)
                return $"the checkpoint has '{Show(left)}' where this network has '{Show(right)}'";
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
