using System.Diagnostics;
using System.Threading;

namespace Compiled.Benchmarks;

/// <summary>
/// The time a cache line takes to go from one core to another and back: two threads pass a counter back and forth. On a
/// virtual machine whose host moves its vCPUs between placements this changes by phases (on the 2-vCPU EPYC machines,
/// ~120 ns in some minutes and ~330 ns in others), and whatever synchronizes its threads often (a call on one sample
/// split per layer, a training step's gradient sum) runs slower in the slow phases; the report prints what each run saw.
/// </summary>
public static class CoreRoundTrip
{
    /// <summary>Nanoseconds per round trip, the median of five timings of <paramref name="trips"/> round trips each.</summary>
    public static double Measure(int trips = 20000)
    {
        var times = new double[5];
        for (int r = 0; r < times.Length; r++) times[r] = Once(trips);
        System.Array.Sort(times);
        return times[times.Length / 2];
    }

    private static double Once(int trips)
    {
        long[] line = new long[16];
        var echo = new Thread(() =>
        {
            for (long i = 1; i <= trips; i++)
            {
                while (Volatile.Read(ref line[0]) != 2 * i - 1) { }
                Volatile.Write(ref line[0], 2 * i);
            }
        }) { IsBackground = true };
        echo.Start();
        while (!echo.IsAlive) { }
        var sw = Stopwatch.StartNew();
        for (long i = 1; i <= trips; i++)
        {
            Volatile.Write(ref line[0], 2 * i - 1);
            while (Volatile.Read(ref line[0]) != 2 * i) { }
        }
        double ns = sw.Elapsed.TotalMilliseconds * 1e6 / trips;
        echo.Join();
        return ns;
    }
}
