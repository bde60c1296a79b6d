using System;
using System.Collections.Generic;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// DenseKernels at every width against the double reference. Tolerance 1e-5 of the same sum over absolute values
/// (Σ|x||w| + |b| for y, Σ|dy||x| + |dw0| for dw, and so on).
/// </summary>
public class DenseKernelTests
{
    private const double Tolerance = 1e-5;

    // n ≤ DenseGemv.MaxSamples runs the matrix-vector path (row blocks of eight and leftover rows, whole vectors and leftover
    // columns at each width), larger n the GEMM; with fewer samples than outputs it computes yᵀ and transposes it in 4×4
    // blocks with the bias added, leaving edges of samples and outputs (6 → 23) to the element loop.
    private static readonly (int N, int In, int Out)[] Shapes =
        [(1, 1, 1), (3, 7, 5), (8, 33, 17), (13, 64, 10), (7, 300, 6), (1, 784, 128), (2, 120, 84), (4, 37, 11), (1, 400, 120), (3, 19, 15), (2, 48, 9), (1, 32, 8), (5, 16, 3), (6, 20, 23), (32, 784, 128)];

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Forward_matches_reference(VectorWidth width, bool bias)
    {
        var random = new TestValues(21);
        foreach (var (n, inFeatures, outFeatures) in Shapes)
        {
            float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), b = bias ? random.Floats(outFeatures) : [];
            float[] y = random.Floats(n * outFeatures);     // overwritten
            DenseKernels.Forward(x, w, b, y, n, inFeatures, outFeatures, width);

            double[] expected = new double[y.Length], magnitude = new double[y.Length];
            DenseReference.Forward<double>(TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, n, inFeatures, outFeatures);
            DenseReference.Forward<double>(TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, n, inFeatures, outFeatures);
            KernelAssert.CloseToMagnitude(expected, magnitude, y, Tolerance, $"y {width} {n}×{inFeatures}→{outFeatures}");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Backward_matches_reference(VectorWidth width, bool bias)
    {
        var random = new TestValues(22);
        foreach (var (n, inFeatures, outFeatures) in Shapes)
        {
            float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), dy = random.Floats(n * outFeatures);
            float[] dx = random.Floats(n * inFeatures), dw = random.Floats(w.Length), db = bias ? random.Floats(outFeatures) : [];
            double[] dw0 = TestValues.Wide(dw), db0 = TestValues.Wide(db);
            DenseKernels.Backward(x, w, dy, dx, dw, db, n, inFeatures, outFeatures, width);

            // Expected: the reference from the same starting gradients (dw, db accumulate; dx is overwritten).
            double[] edx = new double[dx.Length], edw = (double[])dw0.Clone(), edb = (double[])db0.Clone();
            DenseReference.Backward<double>(TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(dy), edx, edw, edb, n, inFeatures, outFeatures);
            double[] mdx = new double[dx.Length], mdw = Abs(dw0), mdb = Abs(db0);
            DenseReference.Backward<double>(TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(dy), mdx, mdw, mdb, n, inFeatures, outFeatures);

            string what = $"{width} {n}×{inFeatures}→{outFeatures}";
            KernelAssert.CloseToMagnitude(edx, mdx, dx, Tolerance, "dx " + what);
            KernelAssert.CloseToMagnitude(edw, mdw, dw, Tolerance, "dw " + what);
            KernelAssert.CloseToMagnitude(edb, mdb, db, Tolerance, "db " + what);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Backward_without_dx_still_accumulates_weight_gradients(VectorWidth width)
    {
        var random = new TestValues(23);
        int n = 4, inFeatures = 9, outFeatures = 3;
        float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), dy = random.Floats(n * outFeatures);
        float[] dwWith = new float[w.Length], dbWith = new float[outFeatures], dwWithout = new float[w.Length], dbWithout = new float[outFeatures];
        DenseKernels.Backward(x, w, dy, new float[n * inFeatures], dwWith, dbWith, n, inFeatures, outFeatures, width);
        DenseKernels.Backward(x, w, dy, Span<float>.Empty, dwWithout, dbWithout, n, inFeatures, outFeatures, width);
        KernelAssert.Identical(dwWith, dwWithout, "dw");
        KernelAssert.Identical(dbWith, dbWithout, "db");
        // Twice accumulates twice.
        DenseKernels.Backward(x, w, dy, Span<float>.Empty, dwWithout, dbWithout, n, inFeatures, outFeatures, width);
        for (int i = 0; i < dwWith.Length; i++) Assert.Equal(2 * dwWith[i], dwWithout[i], 5);
    }

    /// <summary>
    /// A few samples' products are the same bits wherever the weights lie: rows of whole vectors are read from the next
    /// vector boundary on (a rotated head and tail around them) unless they start at one, so the weights copied to each of a
    /// vector's float offsets in one pinned array, one of them a boundary, give one answer.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Few_samples_give_the_same_bits_at_every_offset_of_the_weights(VectorWidth width, bool bias)
    {
        var random = new TestValues(26);
        int lanes = width switch { VectorWidth.V512 => 16, VectorWidth.V256 => 8, VectorWidth.V128 => 4, _ => 1 };
        foreach (var (n, inVectors, outFeatures) in new[] { (1, 1, 1), (1, 49, 128), (2, 3, 5), (4, 2, 9), (3, 8, 4) })
        {
            int inFeatures = inVectors * lanes;
            float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), b = bias ? random.Floats(outFeatures) : [];
            float[] placed = GC.AllocateArray<float>(w.Length + 16, pinned: true);
            float[]? first = null;
            for (int offset = 0; offset < 16; offset++)
            {
                Array.Clear(placed);
                w.CopyTo(placed, offset);
                float[] y = new float[n * outFeatures];
                DenseKernels.Forward(x, placed.AsSpan(offset, w.Length), b, y, n, inFeatures, outFeatures, width);
                if (first is null) first = y;
                else KernelAssert.Identical(first, y, $"{width} {n}×{inFeatures}→{outFeatures} weights at float {offset}");
            }
            double[] expected = new double[first!.Length], magnitude = new double[first.Length];
            DenseReference.Forward<double>(TestValues.Wide(x), TestValues.Wide(w), TestValues.Wide(b), expected, n, inFeatures, outFeatures);
            DenseReference.Forward<double>(TestValues.Abs(x), TestValues.Abs(w), TestValues.Abs(b), magnitude, n, inFeatures, outFeatures);
            KernelAssert.CloseToMagnitude(expected, magnitude, first, Tolerance, $"y {width} {n}×{inFeatures}→{outFeatures}");
        }
    }

    /// <summary>
    /// On a few samples a row of whole 256-bit vectors that is not whole 512-bit ones (LeNet-5's fc2: 120 inputs) runs at 256
    /// bits when 512 are asked for, rather than leaving its last eight columns to the scalar tail: the 256-bit bits.
    /// </summary>
    [Theory]
    [InlineData(1, 120, 84)]
    [InlineData(2, 24, 9)]
    [InlineData(4, 56, 5)]
    public void A_row_of_whole_256_bit_vectors_runs_at_256_bits_when_512_are_asked(int n, int inFeatures, int outFeatures)
    {
        Assert.Equal(VectorWidth.V256, DenseGemv.RowWidth(VectorWidth.V512, inFeatures));
        Assert.Equal(VectorWidth.V512, DenseGemv.RowWidth(VectorWidth.V512, inFeatures + 8));
        Assert.Equal(VectorWidth.V512, DenseGemv.RowWidth(VectorWidth.V512, inFeatures + 1));
        var random = new TestValues(26);
        float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), b = random.Floats(outFeatures);
        float[] y512 = new float[n * outFeatures], y256 = new float[n * outFeatures];
        DenseKernels.Forward(x, w, b, y512, n, inFeatures, outFeatures, VectorWidth.V512);
        DenseKernels.Forward(x, w, b, y256, n, inFeatures, outFeatures, VectorWidth.V256);
        KernelAssert.Identical(y256, y512, $"{n}×{inFeatures}→{outFeatures}");
    }

    /// <summary>
    /// ForwardRows writes only its columns of y, and the columns of every range together are Forward's outputs: the same bits
    /// above DenseGemv's few samples (the same dot products in the same order), to rounding at or below them.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Forward_rows_of_every_range_make_up_forward(VectorWidth width, bool bias)
    {
        var random = new TestValues(25);
        foreach (var (n, inFeatures, outFeatures) in Shapes)
        foreach (int parts in new[] { 1, 2, 3 })
        {
            float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), b = bias ? random.Floats(outFeatures) : [];
            float[] expected = new float[n * outFeatures], y = random.Floats(n * outFeatures + 2);
            float[] after = y[^2..];
            DenseKernels.Forward(x, w, b, expected, n, inFeatures, outFeatures, width);
            string what = $"{width} {n}×{inFeatures}→{outFeatures} in {parts}";
            for (int part = 0; part < parts; part++)
            {
                int first = outFeatures * part / parts, count = outFeatures * (part + 1) / parts - first;
                float[] before = (float[])y.Clone();
                DenseKernels.ForwardRows(x, w, b, y, n, inFeatures, outFeatures, first, count, width);
                for (int i = 0; i < n; i++)
                for (int o = 0; o < outFeatures; o++)
                {
                    if (o < first || o >= first + count) Assert.Equal(before[i * outFeatures + o], y[i * outFeatures + o]);
                }
            }
            KernelAssert.Identical(after, y[^2..], "past y " + what);
            if (n > DenseGemv.MaxSamples) KernelAssert.Identical(expected, y.AsSpan(0, expected.Length), what);
            else KernelAssert.Close(TestValues.Wide(expected), y.AsSpan(0, expected.Length), 1e-5, 1e-5, what);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Weight_gradient_rows_match_reference_and_touch_only_their_rows(VectorWidth width, bool bias)
    {
        var random = new TestValues(24);
        foreach (var (n, inFeatures, outFeatures) in Shapes)
        foreach ((int first, int count) in new[] { (0, outFeatures), (0, outFeatures / 2), (outFeatures / 3, outFeatures - outFeatures / 3), (outFeatures - 1, 1), (outFeatures / 2, 0) })
        {
            float[] x = random.Floats(n * inFeatures), dy = random.Floats(n * outFeatures);
            float[] dw = random.Floats(outFeatures * inFeatures), db = bias ? random.Floats(outFeatures) : [];
            float[] dwBefore = (float[])dw.Clone(), dbBefore = (float[])db.Clone();
            double[] dw0 = TestValues.Wide(dw), db0 = TestValues.Wide(db);
            DenseKernels.WeightGradientRows(x, dy, dw, db, n, inFeatures, outFeatures, first, count, width);

            double[] edw = (double[])dw0.Clone(), edb = (double[])db0.Clone(), mdw = Abs(dw0), mdb = Abs(db0);
            DenseReference.WeightGradientRows<double>(TestValues.Wide(x), TestValues.Wide(dy), edw, edb, n, inFeatures, outFeatures, first, count);
            DenseReference.WeightGradientRows<double>(TestValues.Abs(x), TestValues.Abs(dy), mdw, mdb, n, inFeatures, outFeatures, first, count);
            string what = $"{width} {n}×{inFeatures}→{outFeatures} rows [{first}, {first + count})";
            KernelAssert.CloseToMagnitude(edw, mdw, dw, Tolerance, "dw " + what);
            KernelAssert.CloseToMagnitude(edb, mdb, db, Tolerance, "db " + what);
            // Rows outside the range keep their bits (another thread may own them).
            for (int o = 0; o < outFeatures; o++)
            {
                if (o >= first && o < first + count) continue;
                for (int p = 0; p < inFeatures; p++) Assert.Equal(dwBefore[o * inFeatures + p], dw[o * inFeatures + p]);
                if (bias) Assert.Equal(dbBefore[o], db[o]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Weight_gradient_rows_of_every_range_add_up_to_backward(VectorWidth width)
    {
        var random = new TestValues(25);
        int n = 9, inFeatures = 37, outFeatures = 11;
        float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), dy = random.Floats(n * outFeatures);
        float[] dw = new float[w.Length], db = new float[outFeatures], rows = new float[w.Length], rowBias = new float[outFeatures];
        DenseKernels.Backward(x, w, dy, Span<float>.Empty, dw, db, n, inFeatures, outFeatures, width);
        // Three owners of [0, 3), [3, 7), [7, 11), as StepContext.OwnedRange splits 11 features over 3 threads.
        foreach ((int first, int count) in new[] { (0, 3), (3, 4), (7, 4) })
            DenseKernels.WeightGradientRows(x, dy, rows, rowBias, n, inFeatures, outFeatures, first, count, width);
        for (int i = 0; i < dw.Length; i++) Assert.Equal(dw[i], rows[i], 5);
        for (int i = 0; i < db.Length; i++) Assert.Equal(db[i], rowBias[i], 5);
    }

    [Fact]
    public void Weight_gradient_rows_outside_the_layer_throw()
    {
        float[] x = new float[6], dy = new float[8], dw = new float[12], db = new float[4];   // n = 2, in = 3, out = 4
        DenseKernels.WeightGradientRows(x, dy, dw, db, 2, 3, 4, 1, 3);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => DenseKernels.WeightGradientRows(x, dy, dw, db, 2, 3, 4, 2, 3)).ParamName);
        Assert.Equal("first", Assert.Throws<ArgumentOutOfRangeException>(() => DenseKernels.WeightGradientRows(x, dy, dw, db, 2, 3, 4, -1, 1)).ParamName);
        Assert.Equal("dy", Assert.Throws<ArgumentException>(() => DenseKernels.WeightGradientRows(x, new float[7], dw, db, 2, 3, 4, 0, 4)).ParamName);
        Assert.Equal("dw", Assert.Throws<ArgumentException>(() => DenseKernels.WeightGradientRows(x, dy, new float[11], db, 2, 3, 4, 0, 4)).ParamName);
    }

    // Batches past the matrix-vector path in both orientations (fewer samples than outputs and not), outputs on and off the
    // panels of every width (3, 10, 17, 23, 33, 128), depths below, at and past the GEMM's passes over k (16, 256, 513, 784).
    private static readonly (int N, int In, int Out)[] PackedShapes =
        [(5, 16, 3), (6, 20, 23), (8, 33, 17), (13, 64, 10), (7, 300, 6), (32, 784, 128), (64, 784, 128), (64, 128, 64), (70, 256, 40), (9, 513, 33)];

    private static long s_stamp = 1L << 50;

    private static long NewStamp() => System.Threading.Interlocked.Increment(ref s_stamp);

    [Theory]
    [MemberData(nameof(TestValues.WidthsWithAndWithoutBias), MemberType = typeof(TestValues))]
    public void Weights_packed_once_under_a_stamp_over_every_weight_give_the_scalar_bits(VectorWidth width, bool bias)
    {
        var random = new TestValues(24);
        foreach (var (n, inFeatures, outFeatures) in PackedShapes)
        {
            float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), b = bias ? random.Floats(outFeatures) : [];
            float[] expected = random.Floats(n * outFeatures), packed = random.Floats(n * outFeatures), again = random.Floats(n * outFeatures);
            DenseKernels.Forward(x, w, b, expected, n, inFeatures, outFeatures, VectorWidth.Scalar);
            using (PackedWeightCache.Trust(NewStamp(), everyWeight: true))
            {
                DenseKernels.Forward(x, w, b, packed, n, inFeatures, outFeatures, width);   // packs
                DenseKernels.Forward(x, w, b, again, n, inFeatures, outFeatures, width);    // the kept packing
            }
            string what = $"{width} {n}×{inFeatures}→{outFeatures}";
            KernelAssert.Identical(expected, packed, "packed " + what);
            KernelAssert.Identical(expected, again, "kept " + what);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Packed_weights_follow_a_change_under_a_new_stamp_and_are_not_kept_under_a_stamp_over_watched_weights_only(VectorWidth width)
    {
        var random = new TestValues(25);
        int n = 12, inFeatures = 40, outFeatures = 24;
        float[] x = random.Floats(n * inFeatures), w = random.Floats(outFeatures * inFeatures), b = random.Floats(outFeatures);
        float[] before = new float[n * outFeatures], after = new float[n * outFeatures], actual = new float[n * outFeatures];
        DenseKernels.Forward(x, w, b, before, n, inFeatures, outFeatures, VectorWidth.Scalar);
        using (PackedWeightCache.Trust(NewStamp(), everyWeight: true)) DenseKernels.Forward(x, w, b, actual, n, inFeatures, outFeatures, width);
        KernelAssert.Identical(before, actual, "first stamp");

        // The weights change in place (an optimizer step): a new stamp repacks them.
        for (int i = 0; i < w.Length; i += 3) w[i] = -2 * w[i] + 0.5f;
        DenseKernels.Forward(x, w, b, after, n, inFeatures, outFeatures, VectorWidth.Scalar);
        Assert.NotEqual(before, after);
        using (PackedWeightCache.Trust(NewStamp(), everyWeight: true)) DenseKernels.Forward(x, w, b, actual, n, inFeatures, outFeatures, width);
        KernelAssert.Identical(after, actual, "new stamp");

        // Under a stamp that covers only a network's watched weights (its convolutions'), a dense layer's weights may change
        // between calls with the same stamp: nothing is kept, each call reads the weights as they are.
        long watchedOnly = NewStamp();
        using (PackedWeightCache.Trust(watchedOnly)) DenseKernels.Forward(x, w, b, actual, n, inFeatures, outFeatures, width);
        KernelAssert.Identical(after, actual, "watched-only stamp");
        for (int i = 1; i < w.Length; i += 3) w[i] = 0.25f - w[i];
        DenseKernels.Forward(x, w, b, after, n, inFeatures, outFeatures, VectorWidth.Scalar);
        using (PackedWeightCache.Trust(watchedOnly)) DenseKernels.Forward(x, w, b, actual, n, inFeatures, outFeatures, width);
        KernelAssert.Identical(after, actual, "watched-only stamp, weights changed");
    }

    [Fact]
    public void Hand_computed_layer()
    {
        // x = [1 2], w = [[1 0], [0.5 −1], [2 3]], b = [0.1 0.2 0.3] → y = [1.1, −1.3, 8.3]
        float[] y = new float[3];
        DenseKernels.Forward([1, 2], [1, 0, 0.5f, -1, 2, 3], [0.1f, 0.2f, 0.3f], y, 1, 2, 3);
        Assert.Equal(1.1f, y[0], 6);
        Assert.Equal(-1.3f, y[1], 6);
        Assert.Equal(8.3f, y[2], 6);
    }

    [Fact]
    public void Wrong_lengths_throw_naming_the_span()
    {
        float[] x = new float[6], w = new float[12], b = new float[4], y = new float[8];   // n = 2, in = 3, out = 4
        DenseKernels.Forward(x, w, b, y, 2, 3, 4);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => DenseKernels.Forward(new float[5], w, b, y, 2, 3, 4)).ParamName);
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, new float[11], b, y, 2, 3, 4)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, w, new float[3], y, 2, 3, 4)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => DenseKernels.Forward(x, w, b, new float[7], 2, 3, 4)).ParamName);
        Assert.Equal("dy", Assert.Throws<ArgumentException>(() => DenseKernels.Backward(x, w, new float[7], x, w.AsSpan().ToArray(), b, 2, 3, 4)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => DenseKernels.Backward(x, w, y, new float[5], new float[12], b, 2, 3, 4)).ParamName);
        Assert.Equal("dw", Assert.Throws<ArgumentException>(() => DenseKernels.Backward(x, w, y, x, new float[13], b, 2, 3, 4)).ParamName);
        Assert.Equal("db", Assert.Throws<ArgumentException>(() => DenseKernels.Backward(x, w, y, x, new float[12], new float[5], 2, 3, 4)).ParamName);
        Assert.Equal("inFeatures", Assert.Throws<ArgumentOutOfRangeException>(() => DenseKernels.Forward(x, w, b, y, 2, 0, 4)).ParamName);
    }

    private static double[] Abs(double[] values) => Array.ConvertAll(values, Math.Abs);
}
