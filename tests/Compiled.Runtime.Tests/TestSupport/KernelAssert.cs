using System;

namespace Compiled.Runtime.Tests.TestSupport;

/// <summary>Comparisons of kernel outputs with reference values, reporting the worst element.</summary>
internal static class KernelAssert
{
    /// <summary>|actual − expected| ≤ abs + rel·|expected| for every element.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double abs, double rel, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= abs + rel * Math.Abs(expected[i])))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E3}, allowed {abs + rel * Math.Abs(expected[i]):E3}).");
        }
    }

    /// <summary>
    /// Sums of products: |actual − expected| ≤ rel·magnitude, where magnitude[i] is the same sum taken over absolute values
    /// (Σ|a||b| + |c0|): the scale rounding errors of a dot product are relative to.
    /// </summary>
    public static void CloseToMagnitude(ReadOnlySpan<double> expected, ReadOnlySpan<double> magnitude, ReadOnlySpan<float> actual, double rel, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double allowed = rel * magnitude[i] + 1e-30;
            if (!(error <= allowed))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E3}, allowed {allowed:E3} = {rel:E1}·{magnitude[i]:E3}).");
        }
    }

    /// <summary>The same bits (NaN payloads aside: every NaN equals every NaN).</summary>
    public static void Identical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = float.IsNaN(expected[i]) ? float.IsNaN(actual[i]) : BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]);
            if (!same) Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected exactly {expected[i]:R}.");
        }
    }
}
