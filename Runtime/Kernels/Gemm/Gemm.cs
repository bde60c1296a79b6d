using System;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Single-precision matrix product, row-major: C[m, n] = (accumulate ? C : 0) + op(A)[m, k]·op(B)[k, n], where
/// op(A) = A [m, k] or, with <c>transA</c>, Aᵀ of A [k, m] (likewise B). Leading dimensions are row strides.
/// Sizes may be 0: with m or n = 0 nothing happens, with k = 0 C becomes (accumulate ? C : 0).
/// Results are bit-identical at every <see cref="VectorWidth"/> (see <see cref="GemmBlocking.KC"/>).
/// </summary>
public static class Gemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, Simd.Width);

    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate, VectorWidth width)
    {
        KernelArguments.Width(width);
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            }
            return;
        }

        switch (KernelWidth(width, n))
        {
            case VectorWidth.V512: GemmDriver<GemmMicroKernel512>.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); break;
            case VectorWidth.V256: GemmDriver<GemmMicroKernel256>.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); break;
            case VectorWidth.V128: GemmDriver<GemmMicroKernel128>.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); break;
            default: GemmScalar.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); break;
        }
    }

    /// <summary>
    /// The micro-kernel width <see cref="MultiplyPackedB"/> runs for n columns at <paramref name="width"/> (the one
    /// <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool, VectorWidth)"/>
    /// would run), and the columns of its panels: B must be packed for that width. Scalar has no panels (0).
    /// </summary>
    internal static (VectorWidth Kernel, int PanelColumns) PackedLayout(VectorWidth width, int n)
    {
        VectorWidth kernel = KernelWidth(width, n);
        return (kernel, kernel switch
        {
            VectorWidth.V512 => GemmMicroKernel512.NR,
            VectorWidth.V256 => GemmMicroKernel256.NR,
            VectorWidth.V128 => GemmMicroKernel128.NR,
            _ => 0,
        });
    }

    /// <summary>
    /// B [n, k] (row stride ldb) as the panels <see cref="MultiplyPackedB"/> reads for op(B) = Bᵀ: ⌈n / NR⌉ panels of k·NR
    /// floats, padding columns zero. <paramref name="packed"/> holds at least that many floats.
    /// </summary>
    internal static void PackTransposedB(ReadOnlySpan<float> b, int ldb, int n, int k, int panelColumns, Span<float> packed)
        => GemmPacking.PackTransposedB(b, ldb, 0, k, 0, n, panelColumns, packed);

    /// <summary>
    /// C[m, n] = (accumulate ? C : 0) + A[m, k]·Bᵀ with B packed by <see cref="PackTransposedB"/> for
    /// <paramref name="kernel"/> (a width <see cref="PackedLayout"/> returned, not scalar): the bits of
    /// <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool, VectorWidth)"/>
    /// with transB, without packing B per call. Arguments are the caller's to validate.
    /// </summary>
    internal static void MultiplyPackedB(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> packedB, Span<float> c, int ldc,
        bool accumulate, VectorWidth kernel)
    {
        switch (kernel)
        {
            case VectorWidth.V512: GemmDriver<GemmMicroKernel512>.MultiplyPackedB(m, n, k, a, lda, packedB, c, ldc, accumulate); break;
            case VectorWidth.V256: GemmDriver<GemmMicroKernel256>.MultiplyPackedB(m, n, k, a, lda, packedB, c, ldc, accumulate); break;
            case VectorWidth.V128: GemmDriver<GemmMicroKernel128>.MultiplyPackedB(m, n, k, a, lda, packedB, c, ldc, accumulate); break;
            default: throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Packed panels need a vector width.");
        }
    }

    /// <summary>
    /// The micro-kernel for a width: a narrower one when n fits in its tile (n ≤ 16 at V512 runs 6 × 16 tiles, n ≤ 8 at
    /// V256 runs 6 × 8), so narrow products (conv weight gradients, small heads) do not compute padding. The arithmetic of
    /// every micro-kernel is the same, so this changes no result.
    /// </summary>
    private static VectorWidth KernelWidth(VectorWidth width, int n)
    {
        if (width == VectorWidth.V512 && n <= 2 * Vector256<float>.Count) width = VectorWidth.V256;
        if (width == VectorWidth.V256 && n <= 2 * Vector128<float>.Count) width = VectorWidth.V128;
        return width;
    }

    /// <summary>Sizes non-negative; when the product is not empty, each leading dimension covers its row and each span its matrix.</summary>
    internal static void Validate(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        KernelArguments.NonNegative(m, nameof(m));
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.NonNegative(k, nameof(k));
        if (m == 0 || n == 0) return;
        KernelArguments.LeadingDimension(ldc, n, nameof(ldc));
        KernelArguments.AtLeast(cLength, (long)(m - 1) * ldc + n, "c");
        if (k == 0) return;

        // A is stored [m, k] (or [k, m] when transposed); B is stored [k, n] (or [n, k]).
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        KernelArguments.LeadingDimension(lda, aCols, nameof(lda));
        KernelArguments.LeadingDimension(ldb, bCols, nameof(ldb));
        KernelArguments.AtLeast(aLength, (long)(aRows - 1) * lda + aCols, "a");
        KernelArguments.AtLeast(bLength, (long)(bRows - 1) * ldb + bCols, "b");
    }
}
