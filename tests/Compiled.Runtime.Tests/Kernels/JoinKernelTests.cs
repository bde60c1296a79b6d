using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// The join kernels (residual sum, fork accumulation, rows copied or added with strides, strided ReLU) at every width
/// against their twins bit for bit (one rounding per element), aliasing, the elements between strided rows left alone,
/// finite differences in double for a residual block and a concatenation with a fork, and argument errors.
/// </summary>
public class JoinKernelTests
{
    // (n, length, srcStride, dstStride): empty, one row, contiguous, gaps on either side, rows longer than 512 bits.
    private static readonly (int N, int Length, int SrcStride, int DstStride)[] Layouts =
    [
        (0, 5, 5, 9), (3, 0, 0, 4), (1, 7, 7, 7), (4, 12, 12, 12), (3, 5, 5, 13), (2, 9, 20, 9), (5, 16, 17, 48),
        (3, 33, 40, 99), (2, 49, 49, 147), (6, 3, 4, 11), (2, 1, 1, 3),
    ];

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Add_and_AddInto_match_the_twin_exactly_at_every_length(VectorWidth width)
    {
        var random = new TestValues(81);
        for (int length = 0; length <= 256; length++)
        {
            float[] a = random.Floats(length), b = random.Floats(length, -3, 3);
            float[] expected = new float[length], actual = new float[length];
            JoinReference.Add<float>(a, b, expected);
            JoinKernels.Add(a, b, actual, width);
            KernelAssert.Identical(expected, actual, $"Add {width} length {length}");

            JoinReference.AddInto<float>(expected, a);
            JoinKernels.AddInto(actual, a, width);
            KernelAssert.Identical(expected, actual, $"AddInto {width} length {length}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Add_writes_in_place_over_either_input(VectorWidth width)
    {
        var random = new TestValues(82);
        foreach (int length in new[] { 1, 7, 8, 15, 16, 17, 31, 33, 64, 65 })
        {
            float[] a = random.Floats(length), b = random.Floats(length);
            float[] expected = new float[length];
            JoinReference.Add<float>(a, b, expected);
            float[] aliased = (float[])a.Clone();
            JoinKernels.Add(aliased, b, aliased, width);
            KernelAssert.Identical(expected, aliased, $"a = a + b, length {length}");
            aliased = (float[])b.Clone();
            JoinKernels.Add(a, aliased, aliased, width);
            KernelAssert.Identical(expected, aliased, $"b = a + b, length {length}");
            aliased = (float[])a.Clone();
            JoinKernels.AddInto(aliased, aliased, width);
            for (int i = 0; i < length; i++) Assert.Equal(a[i] + a[i], aliased[i]);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Strided_rows_match_the_twin_and_leave_the_gaps_alone(VectorWidth width)
    {
        var random = new TestValues(83);
        foreach ((int n, int length, int srcStride, int dstStride) in Layouts)
        {
            float[] src = random.Floats(Extent(n, length, srcStride) + 3);
            float[] dst = random.Floats(Extent(n, length, dstStride) + 5, 10, 20);   // gaps and the tail keep these
            float[] expected = (float[])dst.Clone(), actual = (float[])dst.Clone();
            string what = $"n={n} length={length} strides {srcStride}/{dstStride} at {width}";

            JoinReference.CopyRows<float>(src, srcStride, expected, dstStride, n, length, accumulate: false);
            StridedRows.Copy(src, srcStride, actual, dstStride, n, length);
            KernelAssert.Identical(expected, actual, "Copy " + what);

            JoinReference.CopyRows<float>(src, srcStride, expected, dstStride, n, length, accumulate: true);
            StridedRows.Add(src, srcStride, actual, dstStride, n, length, width);
            KernelAssert.Identical(expected, actual, "Add " + what);

            // Written rows hold src (then 2·src after the add); every other element is the original.
            for (int i = 0; i < dst.Length; i++)
            {
                int row = dstStride == 0 ? -1 : i / dstStride, column = dstStride == 0 ? -1 : i % dstStride;
                bool written = row >= 0 && row < n && column < length;
                if (!written) Assert.Equal(dst[i], actual[i]);
                else Assert.Equal(src[row * srcStride + column] + src[row * srcStride + column], actual[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Strided_relu_matches_the_twin_and_leaves_the_gaps_alone(VectorWidth width)
    {
        var random = new TestValues(84);
        foreach ((int n, int length, int xStride, int yStride) in Layouts)
        {
            string what = $"n={n} length={length} strides {xStride}/{yStride} at {width}";
            float[] x = random.Floats(Extent(n, length, xStride) + 2);
            if (x.Length > 2) { x[0] = 0f; x[1] = -0f; }   // ReLU's kink: zero gradient at 0, as PyTorch
            float[] y = random.Floats(Extent(n, length, yStride) + 4, 5, 6);
            float[] ey = (float[])y.Clone();
            JoinReference.Relu<float>(x, ey, n, length, xStride, yStride);
            ActivationKernels.Relu(x, y, n, length, xStride, yStride, width);
            KernelAssert.Identical(ey, y, "Relu " + what);

            // Backward: y and dy in the wide (concatenated) layout, dx contiguous rows, written then accumulated.
            float[] dy = random.Floats(y.Length);
            float[] dx = random.Floats(Extent(n, length, length) + 3, 7, 8), edx = (float[])dx.Clone();
            foreach (bool accumulate in new[] { false, true })
            {
                JoinReference.ReluBackward<float>(ey, dy, edx, n, length, yStride, yStride, length, accumulate);
                ActivationKernels.ReluBackward(y, dy, dx, n, length, yStride, yStride, length, accumulate, width);
                KernelAssert.Identical(edx, dx, $"ReluBackward (accumulate {accumulate}) " + what);
            }

            // And the other way round: contiguous y and dy, dx written into a wide buffer.
            float[] dxWide = random.Floats(Extent(n, length, yStride) + 1), edxWide = (float[])dxWide.Clone();
            float[] yRows = new float[Extent(n, length, length)];
            JoinReference.Relu<float>(x, yRows, n, length, xStride, length);
            float[] dyRows = random.Floats(yRows.Length);
            JoinReference.ReluBackward<float>(yRows, dyRows, edxWide, n, length, length, length, yStride, accumulate: true);
            ActivationKernels.ReluBackward(yRows, dyRows, dxWide, n, length, length, length, yStride, accumulate: true, width);
            KernelAssert.Identical(edxWide, dxWide, "ReluBackward into a wide dx " + what);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Strided_relu_with_contiguous_rows_is_the_flat_relu(VectorWidth width)
    {
        var random = new TestValues(85);
        (int n, int length) = (4, 37);
        float[] x = random.Floats(n * length), flat = new float[x.Length], strided = new float[x.Length];
        ActivationKernels.Relu(x, flat, width);
        ActivationKernels.Relu(x, strided, n, length, length, length, width);
        KernelAssert.Identical(flat, strided, "y");
        ActivationKernels.Relu(strided, strided, n, length, length, length, width);   // in place
        KernelAssert.Identical(flat, strided, "y in place");

        float[] dy = random.Floats(x.Length), dxFlat = new float[x.Length], dxStrided = new float[x.Length];
        ActivationKernels.ReluBackward(flat, dy, dxFlat, width);
        ActivationKernels.ReluBackward(flat, dy, dxStrided, n, length, length, length, length, accumulate: false, width);
        KernelAssert.Identical(dxFlat, dxStrided, "dx");
    }

    [Fact]
    public void Residual_block_backward_matches_finite_differences()
    {
        // y = relu(x + relu(x·a + b)): an identity shortcut around one element-wise "layer"; x forks into both paths.
        var random = new TestValues(86);
        int length = 60;
        double[] x = random.DoublesAwayFromZero(length, -2, 2, 0.05), a = random.Doubles(length, 0.5, 1.5), b = random.Doubles(length, -0.01, 0.01);
        double[] w = random.Doubles(length);
        double[] h = new double[length], r = new double[length], s = new double[length], y = new double[length];
        void Forward()
        {
            for (int i = 0; i < length; i++) h[i] = x[i] * a[i] + b[i];
            JoinReference.Relu<double>(h, r, 1, length, length, length);
            JoinReference.Add<double>(x, r, s);
            JoinReference.Relu<double>(s, y, 1, length, length, length);
        }
        double Loss()
        {
            Forward();
            return FiniteDifferences.Dot(w, y);
        }

        Forward();
        double[] ds = new double[length], dx = new double[length], dh = new double[length];
        JoinReference.ReluBackward<double>(y, w, ds, 1, length, length, length, length, accumulate: false);
        ds.CopyTo(dx, 0);                                                       // the shortcut: the sum's gradient, unchanged
        JoinReference.ReluBackward<double>(r, ds, dh, 1, length, length, length, length, accumulate: false);
        for (int i = 0; i < length; i++) dh[i] *= a[i];                         // the "layer" x·a + b
        JoinReference.AddInto<double>(dx, dh);                                  // the fork: both paths' gradients summed
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx");
    }

    [Fact]
    public void Concatenation_backward_matches_finite_differences()
    {
        // Three branches of x [n, C, S] (x·2, relu(x − 0.3), relu(−x)) written into y [n, 3C, S] at channel offsets 0, C, 2C.
        var random = new TestValues(87);
        (int n, int c, int spatial) = (3, 2, 5);
        int row = c * spatial, wide = 3 * row;
        double[] x = random.DoublesAwayFromZero(n * row, -1, 1, 0.05);
        for (int i = 0; i < x.Length; i++) if (Math.Abs(x[i] - 0.3) < 0.05) x[i] += 0.1;
        double[] w = random.Doubles(n * wide), y = new double[n * wide];
        double[] first = new double[n * row], second = new double[n * row], third = new double[n * row];
        void Forward()
        {
            for (int i = 0; i < x.Length; i++) { first[i] = 2 * x[i]; second[i] = x[i] - 0.3; third[i] = -x[i]; }
            JoinReference.CopyRows<double>(first, row, y, wide, n, row, accumulate: false);
            JoinReference.Relu<double>(second, y.AsSpan(row), n, row, row, wide);
            JoinReference.Relu<double>(third, y.AsSpan(2 * row), n, row, row, wide);
        }
        double Loss()
        {
            Forward();
            return FiniteDifferences.Dot(w, y);
        }

        Forward();
        double[] dx = new double[x.Length], d = new double[x.Length];
        JoinReference.CopyRows<double>(w, wide, d, row, n, row, accumulate: false);                 // branch 1's slice of dy
        for (int i = 0; i < d.Length; i++) dx[i] = 2 * d[i];
        JoinReference.ReluBackward<double>(y.AsSpan(row), w.AsSpan(row), dx, n, row, wide, wide, row, accumulate: true);
        JoinReference.ReluBackward<double>(y.AsSpan(2 * row), w.AsSpan(2 * row), d, n, row, wide, wide, row, accumulate: false);
        for (int i = 0; i < d.Length; i++) dx[i] -= d[i];                                           // the fork: summed
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx");
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Join_kernels_allocate_nothing_after_warm_up(VectorWidth width)
    {
        var random = new TestValues(88);
        (int n, int row, int wide) = (3, 50, 130);
        float[] a = random.Floats(n * row), b = random.Floats(n * row), y = new float[n * row], concat = new float[n * wide], dx = new float[n * row];
        void Step()
        {
            JoinKernels.Add(a, b, y, width);
            JoinKernels.AddInto(y, a, width);
            StridedRows.Copy(y, row, concat.AsSpan(20), wide, n, row);
            StridedRows.Add(a, row, concat.AsSpan(70), wide, n, row, width);
            ActivationKernels.Relu(b, concat.AsSpan(10), n, row, row, wide, width);
            ActivationKernels.ReluBackward(concat, concat.AsSpan(5), dx, n, row, wide, wide, row, accumulate: true, width);
            ActivationKernels.ReluBackward(concat, concat.AsSpan(5), dx, n, row, wide, wide, row, accumulate: false, width);
        }

        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_arguments_throw_with_the_argument_named()
    {
        float[] ten = new float[10], four = new float[4];
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => JoinKernels.Add(ten, four, ten)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => JoinKernels.Add(ten, ten, four)).ParamName);
        Assert.Equal("src", Assert.Throws<ArgumentException>(() => JoinKernels.AddInto(ten, four)).ParamName);

        Assert.Equal("srcStride", Assert.Throws<ArgumentOutOfRangeException>(() => StridedRows.Copy(ten, 2, ten, 3, 2, 3)).ParamName);
        Assert.Equal("dstStride", Assert.Throws<ArgumentOutOfRangeException>(() => StridedRows.Add(ten, 3, ten, 2, 2, 3)).ParamName);
        Assert.Equal("dst", Assert.Throws<ArgumentException>(() => StridedRows.Copy(ten, 3, four, 4, 2, 3)).ParamName);   // needs 4 + 3
        Assert.Equal("src", Assert.Throws<ArgumentException>(() => StridedRows.Add(four, 5, ten, 3, 2, 3)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => StridedRows.Copy(ten, 3, ten, 3, -1, 3)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => StridedRows.Add(ten, 3, ten, 3, 1, -3)).ParamName);

        Assert.Equal("yStride", Assert.Throws<ArgumentOutOfRangeException>(() => ActivationKernels.Relu(ten, ten, 2, 4, 4, 3)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => ActivationKernels.Relu(ten, four, 2, 2, 2, 3)).ParamName);
        Assert.Equal("dy", Assert.Throws<ArgumentException>(() => ActivationKernels.ReluBackward(ten, four, ten, 2, 3, 3, 3, 3, false)).ParamName);
        Assert.Equal("dxStride", Assert.Throws<ArgumentOutOfRangeException>(() => ActivationKernels.ReluBackward(ten, ten, ten, 2, 3, 3, 3, 2, true)).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => StridedRows.Add(ten, 3, ten, 3, 1, 3, (VectorWidth)3)).ParamName);
    }

    /// <summary>The elements n rows of <paramref name="length"/>, <paramref name="stride"/> apart, reach.</summary>
    private static int Extent(int n, int length, int stride) => n == 0 ? 0 : (n - 1) * stride + length;
}
