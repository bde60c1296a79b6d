using System;

namespace Compiled.Runtime.Tests.TestSupport;

internal static class Allocations
{
    /// <summary>
    /// Bytes the calling thread allocates over <paramref name="steps"/> calls, the fewest of three consecutive windows.
    /// An allocation made by every step shows in every window; a one-off (the runtime promoting a method to its
    /// optimized tier under load, seen once in a full run) shows in at most one, so it cannot fail a test spuriously.
    /// </summary>
    public static long FewestBytesOverWindows(Action step, int steps)
    {
        long fewest = long.MaxValue;
        for (int window = 0; window < 3 && fewest != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < steps; i++) step();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
