using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Compiled.Benchmarks;

/// <summary>
/// The machine's fp32 FMA peak, measured: every thread runs 14 independent chains of fused multiply-adds on the widest
/// accelerated vectors (Vector512, else Vector256), enough chains to cover the FMA latency times the FMA units.
/// </summary>
public static class FmaProbe
{
    private const int Chains = 14;

    /// <summary>GFLOP/s (2 per lane per FMA) over <paramref name="threads"/> threads running for about <paramref name="seconds"/>.</summary>
    public static (double Gflops, int Lanes) Measure(int threads, double seconds)
    {
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
        long iterations = Calibrate(lanes, seconds);
        using var start = new Barrier(threads + 1);
        var workers = new Thread[threads];
        float sink = 0;
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                float r = Run(lanes, iterations);
                lock (workers) sink += r;
            });
            workers[t].Start();
        }
        start.SignalAndWait();
        var sw = Stopwatch.StartNew();
        foreach (Thread w in workers) w.Join();
        double elapsed = sw.Elapsed.TotalSeconds;
        if (float.IsNaN(sink)) Console.Error.WriteLine("probe: NaN");  // keeps the result observable
        return (threads * (double)iterations * Chains * lanes * 2 / elapsed / 1e9, lanes);
    }

    private static long Calibrate(int lanes, double seconds)
    {
        long n = 1 << 16;
        while (true)
        {
            var sw = Stopwatch.StartNew();
            Run(lanes, n);
            double t = sw.Elapsed.TotalSeconds;
            if (t > 0.05) return Math.Max(n, (long)(n * seconds / t));
            n *= 4;
        }
    }

    private static float Run(int lanes, long iterations) =>
        lanes == 16 ? Run512(iterations) : lanes == 8 ? Run256(iterations) : Run128(iterations);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Run512(long n)
    {
        Vector512<float> a = Vector512.Create(0.999f), b = Vector512.Create(1e-4f);
        Vector512<float> c0 = Vector512.Create(0.1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
            c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
            c12 = Vector512.FusedMultiplyAdd(c12, a, b); c13 = Vector512.FusedMultiplyAdd(c13, a, b);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Run256(long n)
    {
        Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(1e-4f);
        Vector256<float> c0 = Vector256.Create(0.1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
            c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
            c12 = Vector256.FusedMultiplyAdd(c12, a, b); c13 = Vector256.FusedMultiplyAdd(c13, a, b);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Run128(long n)
    {
        Vector128<float> a = Vector128.Create(0.999f), b = Vector128.Create(1e-4f);
        Vector128<float> c0 = Vector128.Create(0.1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
            c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(c0, a, b); c1 = Vector128.FusedMultiplyAdd(c1, a, b);
            c2 = Vector128.FusedMultiplyAdd(c2, a, b); c3 = Vector128.FusedMultiplyAdd(c3, a, b);
            c4 = Vector128.FusedMultiplyAdd(c4, a, b); c5 = Vector128.FusedMultiplyAdd(c5, a, b);
            c6 = Vector128.FusedMultiplyAdd(c6, a, b); c7 = Vector128.FusedMultiplyAdd(c7, a, b);
            c8 = Vector128.FusedMultiplyAdd(c8, a, b); c9 = Vector128.FusedMultiplyAdd(c9, a, b);
            c10 = Vector128.FusedMultiplyAdd(c10, a, b); c11 = Vector128.FusedMultiplyAdd(c11, a, b);
            c12 = Vector128.FusedMultiplyAdd(c12, a, b); c13 = Vector128.FusedMultiplyAdd(c13, a, b);
        }
        return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13);
    }
}
