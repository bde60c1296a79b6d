namespace Compiled.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel: one <see cref="MR"/> × <see cref="NR"/> tile of C held in
/// 2·MR vector registers (NR = two vectors), updated by one fused multiply-add per register per step of k.
/// One implementation per vector width; <see cref="GemmDriver{TKernel}"/> is generic over it.
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>Columns of the tile: two vectors.</summary>
    static abstract int NR { get; }

    /// <summary>Rows of the tile: 8 at 512 bits (32 registers), 6 at the narrower widths (16).</summary>
    static abstract int MR { get; }

    /// <summary>
    /// c[i, j] (row stride <paramref name="ldc"/>, i &lt; <paramref name="rows"/>, j &lt; NR) = (overwrite ? 0 : c[i, j]) +
    /// Σ_{p &lt; kc} a(i, p)·b(p, j), where a(i, p) = a[i·aRow + p·aCol] and b(p, j) = b[p·bRow + j]. The sum over p runs in
    /// order, one fused multiply-add per term, and is added to c at the end: the same arithmetic as <see cref="GemmScalar"/>.
    /// Only the first <paramref name="rows"/> (1 to MR) rows of a are read and of c read and written: at a bottom edge the
    /// kernel computes the missing rows from a's last row again and drops them, so a need not be padded (nothing past its
    /// last row is read) and each stored row's sums are those of a full tile.
    /// </summary>
    static abstract void Run(nint kc, ref float a, nint aRow, nint aCol, ref float b, nint bRow, ref float c, nint ldc, bool overwrite, int rows);
}
