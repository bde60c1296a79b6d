using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Kernels;

/// <summary>
/// Copies of op(B) into the layout the micro-kernel streams: element (p, j) of a panel at [p·NR + j], padding columns
/// zero (op(A) is read in place).
/// </summary>
internal static class GemmPacking
{
    /// <summary>
    /// op(B) = Bᵀ (B is [n, k], row stride ldb): k [pc, pc + kc) × columns [col0, col0 + cols) into ⌈cols / NR⌉ panels of
    /// kc·NR floats each, columns past <paramref name="cols"/> zero.
    /// </summary>
    public static void PackTransposedB(ReadOnlySpan<float> b, int ldb, int pc, int kc, int col0, int cols, int nr, Span<float> panels)
    {
        ref float bStart = ref MemoryMarshal.GetReference(b);
        int panelCount = (cols + nr - 1) / nr;
        for (int q = 0; q < panelCount; q++)
        {
            Span<float> panel = panels.Slice(q * kc * nr, kc * nr);
            int width = Math.Min(nr, cols - q * nr);
            if (width < nr) panel.Clear();
            // Row j of the panel is row (col0 + q·NR + j) of B: write the panel contiguously, reading the NR rows of B
            // side by side (their cache lines stay in L1 across consecutive p).
            ref float rows = ref Unsafe.Add(ref bStart, (nint)(col0 + q * nr) * ldb + pc);
            ref float dst = ref MemoryMarshal.GetReference(panel);
            int j = Transpose4x4.IsSupported ? TransposeRowsBy4(ref rows, ldb, kc, width, ref dst, nr) : 0;
            for (int p = 0; p < kc; p++)
            {
                ref float source = ref Unsafe.Add(ref rows, p);
                ref float target = ref Unsafe.Add(ref dst, p * nr);
                for (int jj = j; jj < width; jj++) Unsafe.Add(ref target, jj) = Unsafe.Add(ref source, (nint)jj * ldb);
            }
        }
    }

    // Rows [0, 4·⌊width/4⌋) of a transposed-B panel, four rows of B at a time in 4×4 blocks transposed in registers;
    // returns the rows done. While it reads four rows it prefetches the same columns of the next four (the rows of B are
    // read once, and when B is a batch of inputs fresh from memory, four side-by-side streams are more than the hardware
    // prefetcher keeps ahead of: the MLP on batches of 64 inputs read from memory ran 1.04x faster on one thread).
    private static unsafe int TransposeRowsBy4(ref float rows, int ldb, int kc, int width, ref float dst, int nr)
    {
        int j = 0;
        for (; j + 4 <= width; j += 4)
        {
            ref float r0 = ref Unsafe.Add(ref rows, (nint)j * ldb);
            ref float r1 = ref Unsafe.Add(ref r0, ldb);
            ref float r2 = ref Unsafe.Add(ref r1, ldb);
            ref float r3 = ref Unsafe.Add(ref r2, ldb);
            ref float target = ref Unsafe.Add(ref dst, j);
            int p = 0;
            if (Sse.IsSupported)
            {
                // A prefetch never faults, so the rows past the panel (or past B) may be named.
                nint stride = (nint)ldb * sizeof(float);
                byte* next = (byte*)Unsafe.AsPointer(ref r3) + stride;
                for (; p + 16 <= kc; p += 16)
                {
                    byte* line = next + p * sizeof(float);
                    Sse.Prefetch0(line);
                    Sse.Prefetch0(line + stride);
                    Sse.Prefetch0(line + 2 * stride);
                    Sse.Prefetch0(line + 3 * stride);
                    for (int q = p; q < p + 16; q += 4) Transpose4x4.Block(ref Unsafe.Add(ref r0, q), ldb, ref Unsafe.Add(ref target, q * nr), nr);
                }
            }
            for (; p + 4 <= kc; p += 4) Transpose4x4.Block(ref Unsafe.Add(ref r0, p), ldb, ref Unsafe.Add(ref target, p * nr), nr);
            for (; p < kc; p++)
            {
                ref float t = ref Unsafe.Add(ref target, p * nr);
                t = Unsafe.Add(ref r0, p);
                Unsafe.Add(ref t, 1) = Unsafe.Add(ref r1, p);
                Unsafe.Add(ref t, 2) = Unsafe.Add(ref r2, p);
                Unsafe.Add(ref t, 3) = Unsafe.Add(ref r3, p);
            }
        }
        return j;
    }

    /// <summary>
    /// op(B) = B (B is [k, n], row stride ldb): k [pc, pc + kc) × columns [col0, col0 + cols), cols &lt; NR, into one panel
    /// zero-padded to NR columns (the partial panel at the right edge; full panels are read from B in place).
    /// </summary>
    public static void PackEdgeB(ReadOnlySpan<float> b, int ldb, int pc, int kc, int col0, int cols, int nr, Span<float> panel)
    {
        panel[..(kc * nr)].Clear();
        for (int p = 0; p < kc; p++) b.Slice((pc + p) * ldb + col0, cols).CopyTo(panel.Slice(p * nr, cols));
    }
}
