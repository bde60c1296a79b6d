using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Compiled.Kernels;

/// <summary>
/// The blocked GEMM for one vector width, C = (accumulate ? C : 0) + op(A)·op(B), arguments already validated and m, n, k &gt; 0.
/// <code>
/// for pc in k, step KC                 one pass over k: every tile of C gets the sum of these KC terms added
///   for jc in n, step NC = 16·NR       block of columns
///     op(B) = Bᵀ: pack the whole block into NR-wide panels (columns of op(B) are strided in memory)
///     op(B) = B:  read full panels in place (rows are contiguous), pack only the partial right panel
///     for ir in m, step MR             row panel of op(A), read in place (row or column stride); at the bottom edge the
///                                      micro-kernel reads its last row again for the missing ones, so op(A) is never packed
///       for jr in nc, step NR          the A panel (MR × KC) stays in L1 while the B panels stream from L2
///         micro-kernel MR × NR → C directly (its first rows at the bottom edge), or into a scratch tile merged into C
///         at the right edge
/// </code>
/// The packing buffers come from <see cref="GemmWorkspace"/>: nothing is allocated after the first call on a thread.
/// </summary>
internal static class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        const int KC = GemmBlocking.KC;
        int MR = TKernel.MR;
        int nr = TKernel.NR;
        int nc = nr * GemmBlocking.PanelsPerBlock;
        GemmWorkspace workspace = GemmWorkspace.Current;
        Span<float> tile = workspace.Tile(MR * nr);
        Span<float> packedB = transB ? workspace.PackedB(KC * nc) : default;
        Span<float> edgeB = !transB && n % nr != 0 ? workspace.EdgeB(KC * nr) : default;

        ref float aStart = ref MemoryMarshal.GetReference(a);
        ref float bStart = ref MemoryMarshal.GetReference(b);
        ref float cStart = ref MemoryMarshal.GetReference(c);
        nint aRow = transA ? 1 : lda, aCol = transA ? lda : 1;

        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool overwrite = !accumulate && pc == 0;

            for (int jc = 0; jc < n; jc += nc)
            {
                int cols = Math.Min(nc, n - jc);
                int colsFull = cols - cols % nr;
                if (transB) GemmPacking.PackTransposedB(b, ldb, pc, kc, jc, cols, nr, packedB);
                else if (colsFull < cols) GemmPacking.PackEdgeB(b, ldb, pc, kc, jc + colsFull, cols - colsFull, nr, edgeB);

                for (int ir = 0; ir < m; ir += MR)
                {
                    int rows = Math.Min(MR, m - ir);
                    ref float aPanel = ref Unsafe.Add(ref aStart, transA ? (nint)pc * lda + ir : (nint)ir * lda + pc);

                    for (int jr = 0; jr < cols; jr += nr)
                    {
                        int width = Math.Min(nr, cols - jr);
                        ref float bPanel = ref MemoryMarshal.GetReference(edgeB);
                        nint bRow = nr;
                        if (transB) bPanel = ref packedB[jr * kc];
                        else if (width == nr)
                        {
                            bPanel = ref Unsafe.Add(ref bStart, (nint)pc * ldb + jc + jr);
                            bRow = ldb;
                        }

                        ref float cTile = ref Unsafe.Add(ref cStart, (nint)ir * ldc + jc + jr);
                        if (width == nr)
                        {
                            // A bottom edge (rows < MR) stores only its rows, straight into C.
                            TKernel.Run(kc, ref aPanel, aRow, aCol, ref bPanel, bRow, ref cTile, ldc, overwrite, rows);
                        }
                        else
                        {
                            TKernel.Run(kc, ref aPanel, aRow, aCol, ref bPanel, bRow, ref MemoryMarshal.GetReference(tile), nr, overwrite: true, rows);
                            MergeTile(tile, nr, ref cTile, ldc, rows, width, overwrite);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// C = (accumulate ? C : 0) + A·B with B already packed whole (<see cref="GemmPacking.PackTransposedB"/> over all of k:
    /// panel q, columns [q·NR, q·NR + NR), at q·k·NR, element (p, j) at p·NR + j, padding columns zero) and A [m, k] read
    /// in place: a layer's fixed weights packed once (<see cref="DenseKernels"/> under a trusted stamp). Each element of C
    /// sees the same terms in the same order as <see cref="Multiply"/> gives it (the same KC passes, each summed from zero
    /// and then added to C), so the results are its bits. Per pass over k, a panel of B (KC × NR) stays in L1 while every
    /// row panel of A streams past it.
    /// </summary>
    public static void MultiplyPackedB(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> packedB, Span<float> c, int ldc, bool accumulate)
    {
        const int KC = GemmBlocking.KC;
        int MR = TKernel.MR;
        int nr = TKernel.NR;
        Span<float> tile = GemmWorkspace.Current.Tile(MR * nr);
        ref float aStart = ref MemoryMarshal.GetReference(a);
        ref float bStart = ref MemoryMarshal.GetReference(packedB);
        ref float cStart = ref MemoryMarshal.GetReference(c);

        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool overwrite = !accumulate && pc == 0;
            for (int jr = 0; jr < n; jr += nr)
            {
                int width = Math.Min(nr, n - jr);
                ref float bPanel = ref Unsafe.Add(ref bStart, (nint)jr * k + (nint)pc * nr);
                for (int ir = 0; ir < m; ir += MR)
                {
                    int rows = Math.Min(MR, m - ir);
                    ref float aPanel = ref Unsafe.Add(ref aStart, (nint)ir * lda + pc);
                    ref float cTile = ref Unsafe.Add(ref cStart, (nint)ir * ldc + jr);
                    if (width == nr)
                    {
                        TKernel.Run(kc, ref aPanel, lda, 1, ref bPanel, nr, ref cTile, ldc, overwrite, rows);
                    }
                    else
                    {
                        TKernel.Run(kc, ref aPanel, lda, 1, ref bPanel, nr, ref MemoryMarshal.GetReference(tile), nr, overwrite: true, rows);
                        MergeTile(tile, nr, ref cTile, ldc, rows, width, overwrite);
                    }
                }
            }
        }
    }

    /// <summary>The valid rows × cols of a scratch tile into C: C = tile, or C += tile.</summary>
    private static void MergeTile(Span<float> tile, int nr, ref float c, nint ldc, int rows, int cols, bool overwrite)
    {
        for (int i = 0; i < rows; i++)
        {
            ref float cRow = ref Unsafe.Add(ref c, i * ldc);
            Span<float> tileRow = tile.Slice(i * nr, cols);
            for (int j = 0; j < cols; j++)
            {
                ref float cij = ref Unsafe.Add(ref cRow, j);
                cij = overwrite ? tileRow[j] : cij + tileRow[j];
            }
        }
    }
}
