using System;
using System.Globalization;
using System.Text;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>Element-wise comparison with PyTorch's values: |actual − expected| ≤ abs + rel·|expected|.</summary>
internal static class Tolerance
{
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double abs, double rel, string what)
    {
        var wide = new double[actual.Length];
        for (int i = 0; i < actual.Length; i++) wide[i] = actual[i];
        AssertClose(expected, wide, abs, rel, what);
    }

    /// <summary>Float32 fixture values against a double computation (the reference twins run in double).</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<double> actual, double abs, double rel, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        int failures = 0;
        int first = -1;
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double error = Math.Abs(a - e);
            double allowed = abs + rel * Math.Abs(e);
            if (!(error <= allowed))
            {
                failures++;
                if (first < 0) first = i;
            }
            double excess = double.IsNaN(error) ? double.PositiveInfinity : error / allowed;
            if (excess > worst) { worst = excess; worstIndex = i; }
        }
        if (failures == 0) return;
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture,
            $"{what}: {failures} of {expected.Length} values outside abs {abs:G3} + rel {rel:G3}. ");
        message.Append(CultureInfo.InvariantCulture,
            $"First at [{first}]: expected {expected[first]:G9}, actual {actual[first]:G9}. ");
        message.Append(CultureInfo.InvariantCulture,
            $"Worst at [{worstIndex}]: expected {expected[worstIndex]:G9}, actual {actual[worstIndex]:G9}.");
        Assert.Fail(message.ToString());
    }

    /// <summary>
    /// |actual − expected| ≤ rel·|expected|, with a floor only at float32's smallest normal number (below it, subnormals
    /// carry absolute precision): for outputs that are tiny yet meaningful, sigmoid's tail (sigmoid(−20) ≈ 2e-9) and
    /// softmax probabilities, where an absolute floor such as 1e-6 would accept any value there, zero included.
    /// </summary>
    public static void AssertRelative(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rel, string what)
        => AssertClose(expected, actual, SmallestNormal, rel, what);

    /// <summary>float32's smallest positive normal number, 2⁻¹²⁶.</summary>
    public const double SmallestNormal = 1.1754943508222875e-38;

    public static void AssertClose(double expected, double actual, double abs, double rel, string what)
    {
        double error = Math.Abs(actual - expected);
        Assert.True(error <= abs + rel * Math.Abs(expected),
            string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:G9}, actual {actual:G9} (abs {abs:G3} + rel {rel:G3})."));
    }
}
