using System;

namespace Compiled.Runtime.Tests.TestSupport;

/// <summary>Central-difference gradient checks in double.</summary>
internal static class FiniteDifferences
{
    /// <summary>(f(v + h) − f(v − h)) / 2h for every element of <paramref name="values"/> (restored afterwards).</summary>
    public static double[] Gradient(double[] values, Func<double> f, double h = 1e-6)
    {
        var gradient = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + h;
            double plus = f();
            values[i] = saved - h;
            double minus = f();
            values[i] = saved;
            gradient[i] = (plus - minus) / (2 * h);
        }
        return gradient;
    }

    /// <summary>|analytic − numeric| ≤ rel·(|analytic| + |numeric|) + abs for every element.</summary>
    public static void AssertMatches(ReadOnlySpan<double> numeric, ReadOnlySpan<double> analytic, string what, double rel = 1e-6, double abs = 1e-8)
    {
        Assert.True(numeric.Length == analytic.Length, $"{what}: length {analytic.Length}, expected {numeric.Length}.");
        for (int i = 0; i < numeric.Length; i++)
        {
            double error = Math.Abs(analytic[i] - numeric[i]);
            double allowed = rel * (Math.Abs(analytic[i]) + Math.Abs(numeric[i])) + abs;
            if (!(error <= allowed))
                Assert.Fail($"{what}: element {i}: analytic {analytic[i]:R}, finite difference {numeric[i]:R} (error {error:E3}, allowed {allowed:E3}).");
        }
    }

    /// <summary>Σ r_i·y_i: a scalar whose gradient with respect to y is r (the dy fed to a backward pass).</summary>
    public static double Dot(ReadOnlySpan<double> r, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int i = 0; i < r.Length; i++) sum += r[i] * y[i];
        return sum;
    }
}
