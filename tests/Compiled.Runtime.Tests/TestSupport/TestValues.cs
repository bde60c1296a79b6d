using System.Collections.Generic;
using System;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.TestSupport;

/// <summary>Deterministic test inputs (SplitMix64: independent of the runtime's own generator) and float/double conversions.</summary>
internal sealed class TestValues(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Every vector width, for [Theory] rows: each runs on every CPU (emulated where not accelerated).</summary>
    public static TheoryData<VectorWidth> Widths => new() { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 };

    public static readonly VectorWidth[] AllWidths = [VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, VectorWidth.V512];

    /// <summary>Theory data (width, bias): every width, each with a bias and without one.</summary>
    public static IEnumerable<object[]> WidthsWithAndWithoutBias()
    {
        foreach (VectorWidth width in AllWidths)
        foreach (bool bias in new[] { true, false })
            yield return [width, bias];
    }

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public int NextInt(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    /// <summary>Uniform floats in [low, high).</summary>
    public float[] Floats(int length, double low = -1, double high = 1)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(low + (high - low) * NextDouble());
        return values;
    }

    /// <summary>Uniform doubles in [low, high).</summary>
    public double[] Doubles(int length, double low = -1, double high = 1)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++) values[i] = low + (high - low) * NextDouble();
        return values;
    }

    /// <summary>Floats in [low, high) at least <paramref name="gap"/> away from zero (kinks of ReLU-like functions).</summary>
    public double[] DoublesAwayFromZero(int length, double low, double high, double gap)
    {
        var values = Doubles(length, low, high);
        for (int i = 0; i < length; i++)
        {
            if (Math.Abs(values[i]) < gap) values[i] = values[i] < 0 ? -gap - NextDouble() * gap : gap + NextDouble() * gap;
        }
        return values;
    }

    public static double[] Wide(ReadOnlySpan<float> values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++) wide[i] = values[i];
        return wide;
    }

    public static float[] Narrow(ReadOnlySpan<double> values)
    {
        var narrow = new float[values.Length];
        for (int i = 0; i < values.Length; i++) narrow[i] = (float)values[i];
        return narrow;
    }

    public static double[] Abs(ReadOnlySpan<float> values)
    {
        var abs = new double[values.Length];
        for (int i = 0; i < values.Length; i++) abs[i] = Math.Abs(values[i]);
        return abs;
    }
}
