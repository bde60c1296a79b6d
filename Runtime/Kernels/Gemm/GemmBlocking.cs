namespace Compiled.Kernels;

/// <summary>Blocking sizes shared by every width.</summary>
internal static class GemmBlocking
{
    /// <summary>
    /// Depth of one pass over k. The same at every width (and in <see cref="GemmScalar"/>), so each element of C
    /// sees the same sequence of roundings whatever the width: results are bit-identical across widths.
    /// KC·NR floats of a B panel (16 KB at NR = 16) stay in L1 while a row panel of A streams past.
    /// </summary>
    public const int KC = 256;

    /// <summary>Column panels per block of packed B (KC × 16·NR floats: 128 KB to 512 KB, sized for L2).</summary>
    public const int PanelsPerBlock = 16;
}
