using System;

namespace Compiled.Kernels;

/// <summary>
/// The scalar width: plain loops with the vector kernels' arithmetic (per element of C, one fused multiply-add per
/// term in order of k, summed in passes of <see cref="GemmBlocking.KC"/>, each pass added to C), so it gives the
/// same bits as every vector width.
/// </summary>
internal static class GemmScalar
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        Span<float> sums = GemmWorkspace.Current.Tile(n);
        for (int pc = 0; pc < k; pc += GemmBlocking.KC)
        {
            int kc = Math.Min(GemmBlocking.KC, k - pc);
            bool overwrite = !accumulate && pc == 0;
            for (int i = 0; i < m; i++)
            {
                Span<float> row = sums[..n];
                if (transB)
                {
                    // Columns of op(B) are rows of B: dot products.
                    for (int j = 0; j < n; j++)
                    {
                        float s = 0f;
                        for (int p = pc; p < pc + kc; p++) s = MultiplyAdd.Of(ElementA(transA, a, lda, i, p), b[j * ldb + p], s);
                        row[j] = s;
                    }
                }
                else
                {
                    // Rows of op(B) are contiguous: accumulate a row of sums, each still in order of p.
                    row.Clear();
                    for (int p = pc; p < pc + kc; p++)
                    {
                        float aip = ElementA(transA, a, lda, i, p);
                        ReadOnlySpan<float> bRow = b.Slice(p * ldb, n);
                        for (int j = 0; j < n; j++) row[j] = MultiplyAdd.Of(aip, bRow[j], row[j]);
                    }
                }

                Span<float> cRow = c.Slice(i * ldc, n);
                for (int j = 0; j < n; j++) cRow[j] = overwrite ? row[j] : cRow[j] + row[j];
            }
        }
    }

    private static float ElementA(bool transA, ReadOnlySpan<float> a, int lda, int i, int p) => transA ? a[p * lda + i] : a[i * lda + p];
}
