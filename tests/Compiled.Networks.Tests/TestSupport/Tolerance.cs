using System;
using System.Globalization;

namespace Compiled.Networks.Tests.TestSupport;

/// <summary>Element-wise closeness, |actual − expected| ≤ abs + rel·|expected|, with a message naming the worst element.</summary>
internal static class Tolerance
{
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double abs, double rel, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        int failures = 0;
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            double allowed = abs + rel * Math.Abs(expected[i]);
            if (!(error <= allowed)) failures++;
            double excess = double.IsNaN(error) ? double.PositiveInfinity : error / allowed;
            if (excess > worst) { worst = excess; worstIndex = i; }
        }
        if (failures == 0) return;
        Assert.Fail(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {failures} of {expected.Length} values outside abs {abs:G3} + rel {rel:G3}; worst at [{worstIndex}]: expected {expected[worstIndex]:G9}, actual {actual[worstIndex]:G9}."));
    }

    /// <summary>
    /// |actual − expected| ≤ rel·|expected| with no absolute floor: for outputs that can be tiny but are meaningful there
    /// (sigmoid's tail, e.g. sigmoid(−20) ≈ 2e-9, and softmax probabilities), where any floor would accept garbage.
    /// </summary>
    public static void AssertRelative(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rel, string what)
        => AssertClose(expected, actual, 0, rel, what);

    public static void AssertClose(double expected, double actual, double abs, double rel, string what) =>
        Assert.True(Math.Abs(actual - expected) <= abs + rel * Math.Abs(expected),
            string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:G9}, actual {actual:G9} (abs {abs:G3} + rel {rel:G3})."));

    /// <summary>‖actual − expected‖₂ / ‖expected‖₂ ≤ <paramref name="relative"/>: one number for a whole tensor.</summary>
    public static void AssertRelativeNorm(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            diff += d * d;
            norm += (double)expected[i] * expected[i];
        }
        double ratio = Math.Sqrt(diff) / Math.Sqrt(norm);
        Assert.True(ratio <= relative,
            string.Create(CultureInfo.InvariantCulture, $"{what}: relative L2 error {ratio:G3} > {relative:G3} (‖expected‖ = {Math.Sqrt(norm):G6})."));
    }

    /// <summary>Bitwise equality of two float buffers (NaN payloads included), naming the first difference.</summary>
    public static void AssertBitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: first difference at [{i}]: {expected[i]:G9} vs {actual[i]:G9}."));
        }
    }
}
