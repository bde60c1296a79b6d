using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Compiled.Training;

/// <summary>Finds NaN/Inf entries in the flat buffers and names them through the network's parameter table.</summary>
public static class FiniteCheck
{
    /// <summary>Index of the first NaN or infinite value, or −1 if all are finite. Vectorized: x·0 is 0 for finite x and NaN otherwise.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            Vector<float> acc = Vector<float>.Zero;
            for (int v = 0; v < vectors.Length; v++)
                acc += vectors[v] * Vector<float>.Zero;
            if (Vector.EqualsAll(acc, Vector<float>.Zero))
                i = vectors.Length * Vector<float>.Count;
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>The parameter whose slice holds flat index <paramref name="index"/>, or null.</summary>
    public static ParameterInfo? FindParameter(IReadOnlyList<ParameterInfo> table, int index)
    {
        foreach (ParameterInfo p in table)
            if (index >= p.Offset && index < p.Offset + p.Length) return p;
        return null;
    }

    /// <summary><c>conv2.weight[3, 1, 0, 4]</c> for a flat index inside that parameter.</summary>
    public static string Describe(ParameterInfo parameter, int index)
    {
        int local = index - parameter.Offset;
        int[] shape = parameter.Shape;
        var coordinates = new string[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            coordinates[d] = (local % shape[d]).ToString(CultureInfo.InvariantCulture);
            local /= shape[d];
        }
        return $"{parameter.Name}[{string.Join(", ", coordinates)}]";
    }
}
