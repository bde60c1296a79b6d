using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Packing op(B) = Bᵀ into NR-column panels (4×4 blocks transposed in registers where the CPU has SSE, element by
/// element elsewhere and at the edges): every panel element is B's, bit for bit, at the place the micro-kernel reads it
/// ([p·NR + j] of panel q is B[col0 + q·NR + j, pc + p]), with columns past the edge zero, for every NR the widths use,
/// panel widths and k ranges that are and are not multiples of four (and of sixteen, the prefetching loop's step), an
/// offset into k and a padded row stride.
/// </summary>
public sealed class GemmPackingTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(32)]
    public void Transposed_B_panels_hold_B_bit_for_bit(int nr)
    {
        var random = new TestValues(101);
        foreach (int cols in new[] { 1, 3, 4, 7, nr, nr + 5, 2 * nr + 4 })
        foreach (int kc in new[] { 1, 3, 4, 9, 16, 20, 37, 48 })
        {
            const int pc = 2, col0 = 1;
            int ldb = pc + kc + 3;
            float[] b = random.Floats((col0 + cols) * ldb);
            int panels = (cols + nr - 1) / nr;
            float[] packed = random.Floats(panels * kc * nr);   // garbage the packing must overwrite
            GemmPacking.PackTransposedB(b, ldb, pc, kc, col0, cols, nr, packed);
            for (int q = 0; q < panels; q++)
            for (int p = 0; p < kc; p++)
            for (int j = 0; j < nr; j++)
            {
                int column = q * nr + j;
                float expected = column < cols ? b[(col0 + column) * ldb + pc + p] : 0f;
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(packed[(q * kc + p) * nr + j]),
                    $"nr {nr}, cols {cols}, kc {kc}: panel {q}, p {p}, j {j}");
            }
        }
    }
}
