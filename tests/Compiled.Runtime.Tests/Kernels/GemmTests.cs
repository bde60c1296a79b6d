using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Gemm.Multiply at every width against the double reference, for all transpose combinations, odd shapes around the
/// tile sizes (MR = 6 at 128 and 256 bits, 8 at 512; NR = 8, 16, 32), k beyond the K block (256), accumulate on and off, padded leading dimensions.
/// Tolerance: 1e-5 of Σ|a||b| + |c0| per element (float rounding of a dot product of a few hundred terms is about
/// 1e-6 of that; a missing or doubled term is about 1/k of it).
/// </summary>
public class GemmTests
{
    private const double Tolerance = 1e-5;

    // (m, n, k): zeros, ones, MR ± 1, NR ± 1 for each width, more than one K block, tall and wide.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (0, 5, 3), (4, 0, 3), (4, 5, 0), (0, 0, 0),
        (1, 1, 1), (1, 7, 3), (5, 1, 4), (6, 8, 1),
        (5, 7, 9), (6, 16, 11), (7, 17, 13), (12, 15, 16), (13, 31, 7), (6, 32, 5), (11, 33, 17),
        (8, 32, 9), (9, 33, 12), (15, 32, 7), (16, 31, 5), (17, 64, 20),
        (18, 64, 33), (19, 65, 31), (25, 9, 40), (3, 100, 20),
        (7, 19, 257), (13, 40, 300), (6, 33, 600),
    ];

    public static IEnumerable<object[]> Cases()
    {
        foreach (VectorWidth width in TestValues.AllWidths)
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
            yield return [width, transA, transB];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference_for_every_shape(VectorWidth width, bool transA, bool transB)
    {
        var random = new TestValues(17);
        foreach (var (m, n, k) in Shapes)
        {
            foreach (bool accumulate in new[] { false, true })
            {
                // Leading dimensions 0 or 3 wider than the row: the padding must stay untouched.
                int pad = (m + n + k) % 2 == 0 ? 0 : 3;
                RunAndCompare(random, width, transA, transB, m, n, k, pad, accumulate);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public unsafe void A_bottom_edge_reads_nothing_past_the_last_row_of_op_A(VectorWidth width)
    {
        // op(A) is read in place, also at a bottom edge (m not a multiple of MR): A ends exactly where an unreadable page begins, so a
        // kernel that read the missing rows of its last panel (or packed them from past the end) would fault here. Every
        // row's sums are still the scalar twin's bits.
        if (!OperatingSystem.IsLinux()) return;
        using var guarded = new GuardedFloats(64 * 1024);
        var random = new TestValues(23);
        foreach (bool transA in new[] { false, true })
        foreach (var (m, n, k) in new[] { (1, 17, 9), (5, 16, 300), (7, 40, 13), (10, 33, 257), (11, 8, 31) })
        {
            int lda = transA ? m : k;
            int length = (transA ? k : m) * lda;
            Span<float> a = guarded.Last(length);
            random.Floats(length).CopyTo(a);
            float[] b = random.Floats(k * n), c0 = random.Floats(m * n);
            float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
            Gemm.Multiply(transA, false, m, n, k, a.ToArray(), lda, b, n, expected, n, true, VectorWidth.Scalar);
            Gemm.Multiply(transA, false, m, n, k, a, lda, b, n, actual, n, true, width);
            KernelAssert.Identical(expected, actual, $"{width} transA={transA} m={m} n={n} k={k}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Results_are_bit_identical_across_widths(VectorWidth width)
    {
        // The K blocking and the order of every fused multiply-add do not depend on the width.
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        {
            var random = new TestValues(5);
            int m = 14, n = 37, k = 530;
            float[] a = random.Floats(m * k), b = random.Floats(k * n), c0 = random.Floats(m * n);
            float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
            Gemm.Multiply(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, expected, n, true, VectorWidth.Scalar);
            Gemm.Multiply(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, actual, n, true, width);
            KernelAssert.Identical(expected, actual, $"{width} transA={transA} transB={transB}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Zero_k_clears_or_keeps_c(VectorWidth width)
    {
        float[] c = [1, 2, 3, 99, 4, 5, 6];     // 2 × 3 with ldc = 4: c[3] is padding
        Gemm.Multiply(false, false, 2, 3, 0, [], 1, [], 3, c, 4, accumulate: true, width);
        Assert.Equal([1, 2, 3, 99, 4, 5, 6], c);
        Gemm.Multiply(false, false, 2, 3, 0, [], 1, [], 3, c, 4, accumulate: false, width);
        Assert.Equal([0, 0, 0, 99, 0, 0, 0], c);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Hand_computed_product(VectorWidth width)
    {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]; accumulate adds.
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8], c = [1, 1, 1, 1];
        Gemm.Multiply(false, false, 2, 2, 2, a, 2, b, 2, c, 2, accumulate: true, width);
        Assert.Equal([20, 23, 44, 51], c);
        Gemm.Multiply(true, true, 2, 2, 2, a, 2, b, 2, c, 2, accumulate: false, width);    // Aᵀ·Bᵀ = (B·A)ᵀ = [23 31; 34 46]
        Assert.Equal([23, 31, 34, 46], c);
    }

    [Fact]
    public void Wrong_lengths_and_strides_throw_naming_the_argument()
    {
        float[] a = new float[6], b = new float[12], c = new float[8];
        // m = 2, n = 4, k = 3: a needs 6, b needs 12, c needs 8.
        Gemm.Multiply(false, false, 2, 4, 3, a, 3, b, 4, c, 4, false, VectorWidth.V256);

        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 4, 3, new float[5], 3, b, 4, c, 4, false, VectorWidth.V256));
        Assert.Equal("a", ex.ParamName);
        Assert.Contains("6", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 4, 3, a, 3, new float[11], 4, c, 4, false, VectorWidth.V256));
        Assert.Equal("b", ex.ParamName);
        Assert.Contains("12", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 4, 3, a, 3, b, 4, new float[7], 4, false, VectorWidth.V256));
        Assert.Equal("c", ex.ParamName);
        // Transposed A [k, m] with lda = 2 needs (3 − 1)·2 + 2 = 6.
        ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(true, false, 2, 4, 3, new float[5], 2, b, 4, c, 4, false, VectorWidth.V256));
        Assert.Equal("a", ex.ParamName);

        Assert.Equal("lda", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 4, 3, a, 2, b, 4, c, 4, false)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, true, 2, 4, 3, a, 3, b, 2, c, 4, false)).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 4, 3, a, 3, b, 4, c, 3, false)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, 4, 3, a, 3, b, 4, c, 4, false)).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 4, 3, a, 3, b, 4, c, 4, false, (VectorWidth)64)).ParamName);
    }

    [Fact]
    public void Empty_products_ignore_a_and_b()
    {
        float[] c = [7, 7, 7];
        Gemm.Multiply(false, false, 0, 3, 5, [], 5, [], 3, c, 3, false);
        Gemm.Multiply(false, false, 1, 0, 5, [], 5, [], 1, c, 1, false);
        Assert.Equal([7, 7, 7], c);
    }

    [Fact]
    public void Reference_matches_hand_computed_product()
    {
        double[] c = new double[4];
        GemmReference.Multiply<double>(false, true, 2, 2, 2, [1, 2, 3, 4], 2, [5, 6, 7, 8], 2, c, 2, false);   // A·Bᵀ
        Assert.Equal([17.0, 23, 39, 53], c);
    }

    private static void RunAndCompare(TestValues random, VectorWidth width, bool transA, bool transB, int m, int n, int k, int pad, bool accumulate)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        // c has six guard rows (a micro-tile's height) past its m: a bottom edge tile stores only its rows.
        float[] a = random.Floats(Math.Max(0, aRows * lda)), b = random.Floats(Math.Max(0, bRows * ldb)), c = random.Floats((m + 6) * ldc);
        float[] c0 = (float[])c.Clone();

        Gemm.Multiply(transA, transB, m, n, k, a, Math.Max(lda, 1), b, Math.Max(ldb, 1), c, Math.Max(ldc, 1), accumulate, width);

        double[] expected = TestValues.Wide(c0), magnitude = TestValues.Abs(c0);
        GemmReference.Multiply(transA, transB, m, n, k, TestValues.Wide(a), Math.Max(lda, 1), TestValues.Wide(b), Math.Max(ldb, 1), expected, Math.Max(ldc, 1), accumulate);
        GemmReference.Multiply(transA, transB, m, n, k, TestValues.Abs(a), Math.Max(lda, 1), TestValues.Abs(b), Math.Max(ldb, 1), magnitude, Math.Max(ldc, 1), accumulate);
        if (!accumulate)
        {
            // |c0| only counts when it is kept; padding columns keep c0 either way.
            for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++)
                { expected[i * ldc + j] = c0[i * ldc + j]; magnitude[i * ldc + j] = Math.Abs(c0[i * ldc + j]); }
        }
        KernelAssert.CloseToMagnitude(expected, magnitude, c, Tolerance, $"{width} transA={transA} transB={transB} m={m} n={n} k={k} pad={pad} accumulate={accumulate}");
        for (int i = 0; i < m; i++)
        for (int j = n; j < ldc; j++)
            Assert.True(c[i * ldc + j] == c0[i * ldc + j], $"padding c[{i}, {j}] changed (m={m} n={n} k={k}).");
        for (int i = m * ldc; i < c.Length; i++)
            Assert.True(c[i] == c0[i], $"c[{i}] past its {m} rows changed ({width} m={m} n={n} k={k}).");
    }
}
