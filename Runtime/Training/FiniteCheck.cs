using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Compiled.Training;

/// <summary>Finds NaN/Inf entries in the flat buffers and names them through the network's parameter table.</summary>
public static class FiniteCheck
{
    /// <summary>Index of the first NaN or infinite value, or −1 if all are finite.</summary>
    /// <remarks>
    /// A float is NaN or infinite exactly when its exponent bits are all ones. The vector pass ORs that test over the
    /// whole buffer with integer operations (one-cycle latency, two independent accumulators, no floating-point
    /// dependency chain); only when it trips does a scalar pass find the first index.
    /// </remarks>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= 2 * Vector<int>.Count)
        {
            ReadOnlySpan<Vector<int>> bits = MemoryMarshal.Cast<float, Vector<int>>(values);
            var exponent = new Vector<int>(0x7F800000);
            Vector<int> any0 = Vector<int>.Zero, any1 = Vector<int>.Zero;
            int v = 0;
            for (; v + 1 < bits.Length; v += 2)
            {
                any0 |= Vector.Equals(bits[v] & exponent, exponent);
                any1 |= Vector.Equals(bits[v + 1] & exponent, exponent);
            }
            if (v < bits.Length)
                any0 |= Vector.Equals(bits[v] & exponent, exponent);
            if ((any0 | any1) == Vector<int>.Zero)
                i = bits.Length * Vector<int>.Count;
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

    /// <summary>
    /// The exception a training step throws when the loss or a gradient is NaN or infinite: names the first non-finite
    /// parameter when there is one (set by hand, loaded or transferred: the cause), else the first non-finite gradient
    /// (<paramref name="badGradient"/>, or −1 when only the loss overflowed). Epoch 0 means "not inside a trainer's epoch".
    /// </summary>
    internal static NonFiniteException Diverged(float loss, ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients, int badGradient,
        IReadOnlyList<ParameterInfo> table, int epoch, int batch)
    {
        string where = epoch > 0 ? $"at epoch {epoch}, batch {batch}" : "in a training step";
        string lossText = float.IsFinite(loss) ? $"the loss is {loss.ToString("G6", CultureInfo.InvariantCulture)}" : $"the loss is {Show(loss)}";
        string what = "parameter";
        int bad = IndexOfNonFinite(parameters);
        float value = bad >= 0 ? parameters[bad] : 0f;
        if (bad < 0)
        {
            what = "gradient";
            bad = badGradient;
            if (bad >= 0) value = gradients[bad];
        }
        ParameterInfo? parameter = bad < 0 ? null : FindParameter(table, bad);
        string message = parameter is null
            ? $"Training diverged {where}: {lossText}; every gradient and parameter is finite, so the outputs overflowed. Lower the learning rate or check the inputs for NaN/Inf."
            : $"Training diverged {where}: {lossText}; the first non-finite {what} is in layer '{parameter.Layer}', {Describe(parameter, bad)} = {Show(value)}. Lower the learning rate or check the inputs for NaN/Inf.";
        return new NonFiniteException(message, epoch, batch, loss, parameter?.Layer, parameter?.Name, bad);
    }

    private static string Show(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}
