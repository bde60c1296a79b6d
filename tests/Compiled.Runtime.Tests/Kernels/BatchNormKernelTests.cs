using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// BatchNormKernels' split schedule (slice statistics → merge → normalize; slice gradient sums → merge → input gradient) at every
/// width and several slicings against the whole-batch reference in double; the reference backward against finite differences;
/// folding; accumulation; argument errors; no allocation.
/// </summary>
public class BatchNormKernelTests
{
    // (n, C, S): dense layouts (S = 1) with rows narrower and wider than a 512-bit vector and odd; conv layouts with planes
    // of 3, 49 and 99 (> 64: several 512-bit vectors and a tail).
    public static readonly (int N, int C, int S)[] Shapes =
    [
        (5, 33, 1), (4, 70, 1), (7, 3, 1), (3, 3, 49), (2, 4, 99), (3, 5, 3), (6, 1, 17),
    ];

    /// <summary>Slicings of a batch of n samples: one slice (one thread), then as many as three uneven ones (with an empty one).</summary>
    private static int[][] Slicings(int n) => n switch
    {
        >= 5 => [[n], [1, n - 3, 0, 2], [2, 2, n - 4]],
        >= 3 => [[n], [1, 0, n - 1], [n - 2, 1, 1]],
        _ => [[n], [1, n - 1]],
    };

    private const double Eps = 1e-5;

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Training_forward_and_backward_match_the_reference_for_any_slicing(VectorWidth width)
    {
        var random = new TestValues(17);
        foreach ((int n, int c, int s) in Shapes)
        {
            int length = n * c * s;
            // Offset inputs (mean 2, spread 0.5) so that a one-pass or cancelling variance would show.
            float[] x = random.Floats(length, 1.5, 2.5), dy = random.Floats(length), gamma = random.Floats(c, 0.5, 1.5), beta = random.Floats(c);
            float[] runningMean0 = random.Floats(c), runningVar0 = random.Floats(c, 0.5, 2);

            double[] ey = new double[length], emean = new double[c], einv = new double[c];
            double[] erm = TestValues.Wide(runningMean0), erv = TestValues.Wide(runningVar0);
            long eTracked = 4;
            BatchNormReference.TrainingForward<double>(TestValues.Wide(x), TestValues.Wide(gamma), TestValues.Wide(beta), ey, emean, einv, erm, erv, n, c, s, 0.1, Eps, ref eTracked);
            double[] edx = new double[length], edgamma = new double[c], edbeta = new double[c];
            BatchNormReference.Backward<double>(TestValues.Wide(x), TestValues.Wide(dy), TestValues.Wide(gamma), emean, einv, edx, edgamma, edbeta, n, c, s);

            foreach (int[] slices in Slicings(n))
            {
                string what = $"{width} n={n} C={c} S={s} slices=[{string.Join(",", slices)}]";
                Pipeline p = Pipeline.Run(x, dy, gamma, beta, runningMean0, runningVar0, slices, n, c, s, width, tracked: 4, momentum: 0.1f);
                Assert.Equal(5, p.Tracked);
                KernelAssert.Close(emean, p.Mean, 1e-6, 1e-6, $"mean {what}");
                KernelAssert.Close(einv, p.InvStd, 0, 1e-5, $"invStd {what}");
                KernelAssert.Close(erm, p.RunningMean, 1e-6, 1e-6, $"running_mean {what}");
                KernelAssert.Close(erv, p.RunningVar, 1e-6, 1e-5, $"running_var {what}");
                KernelAssert.Close(ey, p.Y, 2e-5, 2e-5, $"y {what}");
                KernelAssert.Close(edgamma, p.DGamma, 1e-4, 1e-4, $"dgamma {what}");
                KernelAssert.Close(edbeta, p.DBeta, 1e-5, 1e-5, $"dbeta {what}");
                KernelAssert.Close(edx, p.Dx, 2e-4, 1e-4, $"dx {what}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void A_constant_channel_has_its_value_as_the_exact_mean_and_no_spread(VectorWidth width)
    {
        // A zero-initialized convolution gives a batch norm one value (its bias) over the whole batch: the variance is 0, so
        // 1/√eps ≈ 316 magnifies whatever x − mean keeps; the mean must be that value to the bit, so x̂, dγ and Σdy·x̂ are 0.
        float[] values = [0.0975f, 0.1f, 1f / 3, -0.7f, 1234.567f, 3e-5f, -2.5e6f];
        var random = new TestValues(21);
        foreach ((int n, int c, int s) in Shapes)
        {
            int length = n * c * s;
            float[] x = new float[length], dy = random.Floats(length), gamma = random.Floats(c, 0.5, 1.5), beta = random.Floats(c);
            for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++) x.AsSpan((i * c + ch) * s, s).Fill(values[(ch + n) % values.Length]);
            float[] rm = new float[c], rv = new float[c];
            foreach (int[] slices in Slicings(n))
            {
                string what = $"{width} n={n} C={c} S={s} slices=[{string.Join(",", slices)}]";
                Pipeline p = Pipeline.Run(x, dy, gamma, beta, rm, rv, slices, n, c, s, width, 0, 1f);
                for (int ch = 0; ch < c; ch++)
                {
                    float value = values[(ch + n) % values.Length];
                    Assert.True(p.Mean[ch] == value, $"mean[{ch}] {p.Mean[ch]:R} of a channel of {value:R} {what}");
                    Assert.True(p.InvStd[ch] == (float)(1 / Math.Sqrt((float)Eps)), $"invStd[{ch}] {p.InvStd[ch]:R} {what}");
                    Assert.True(p.RunningVar[ch] == 0f, $"running_var[{ch}] {p.RunningVar[ch]:R} {what}");
                    Assert.True(p.DGamma[ch] == 0f, $"dgamma[{ch}] {p.DGamma[ch]:R} {what}");
                    float bound = 1e-6f * Math.Abs(value * p.Scale[ch]) + 1e-7f;
                    for (int i = 0; i < n; i++)
                    for (int e = 0; e < s; e++)
                        Assert.True(Math.Abs(p.Y[(i * c + ch) * s + e] - beta[ch]) <= bound, $"y of channel {ch} {p.Y[(i * c + ch) * s + e]:R}, beta {beta[ch]:R} {what}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void The_same_slicing_gives_the_same_bits_every_time(VectorWidth width)
    {
        var random = new TestValues(18);
        (int n, int c, int s) = (6, 4, 37);
        float[] x = random.Floats(n * c * s), dy = random.Floats(n * c * s), gamma = random.Floats(c), beta = random.Floats(c);
        float[] rm = new float[c], rv = new float[c];
        Array.Fill(rv, 1f);
        Pipeline a = Pipeline.Run(x, dy, gamma, beta, rm, rv, [2, 1, 3], n, c, s, width, 0, 0.1f);
        Pipeline b = Pipeline.Run(x, dy, gamma, beta, rm, rv, [2, 1, 3], n, c, s, width, 0, 0.1f);
        KernelAssert.Identical(a.Y, b.Y, "y");
        KernelAssert.Identical(a.Dx, b.Dx, "dx");
        KernelAssert.Identical(a.RunningVar, b.RunningVar, "running_var");
    }

    [Theory]
    [InlineData(4, 3, 1)]
    [InlineData(3, 2, 5)]
    [InlineData(2, 3, 4)]
    public void Reference_backward_matches_finite_differences(int n, int c, int s)
    {
        var random = new TestValues(19);
        int length = n * c * s;
        double[] x = random.Doubles(length, -1, 2), gamma = random.Doubles(c, 0.5, 1.5), beta = random.Doubles(c), r = random.Doubles(length);

        double Loss()
        {
            double[] y = new double[length], mean = new double[c], inv = new double[c], rm = new double[c], rv = new double[c];
            long tracked = 0;
            BatchNormReference.TrainingForward<double>(x, gamma, beta, y, mean, inv, rm, rv, n, c, s, 0.1, Eps, ref tracked);
            return FiniteDifferences.Dot(r, y);
        }

        double[] y0 = new double[length], mean0 = new double[c], inv0 = new double[c], rm0 = new double[c], rv0 = new double[c];
        long t0 = 0;
        BatchNormReference.TrainingForward<double>(x, gamma, beta, y0, mean0, inv0, rm0, rv0, n, c, s, 0.1, Eps, ref t0);
        double[] dx = new double[length], dgamma = new double[c], dbeta = new double[c];
        BatchNormReference.Backward<double>(x, r, gamma, mean0, inv0, dx, dgamma, dbeta, n, c, s);

        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx", rel: 1e-5, abs: 1e-7);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(gamma, Loss), dgamma, "dgamma", rel: 1e-5, abs: 1e-7);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(beta, Loss), dbeta, "dbeta", rel: 1e-5, abs: 1e-7);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Evaluation_matches_the_reference_and_folding_into_dense_and_conv_gives_the_same_outputs(VectorWidth width)
    {
        var random = new TestValues(20);

        // Dense 13 → 33, then batch norm per feature.
        (int n, int inF, int outF) = (5, 13, 33);
        float[] x = random.Floats(n * inF), w = random.Floats(outF * inF), b = random.Floats(outF);
        float[] gamma = random.Floats(outF, 0.5, 1.5), beta = random.Floats(outF), rm = random.Floats(outF), rv = random.Floats(outF, 0.2, 3);
        float[] dense = new float[n * outF], bn = new float[n * outF], scale = new float[outF], shift = new float[outF];
        DenseKernels.Forward(x, w, b, dense, n, inF, outF, width);
        BatchNormKernels.EvaluationCoefficients(gamma, beta, rm, rv, (float)Eps, scale, shift);
        BatchNormKernels.Normalize(dense, scale, shift, bn, n, outF, 1, width);
        double[] expected = new double[bn.Length];
        BatchNormReference.EvaluationForward<double>(TestValues.Wide(dense), TestValues.Wide(gamma), TestValues.Wide(beta), TestValues.Wide(rm), TestValues.Wide(rv), Eps, expected, n, outF, 1);
        KernelAssert.Close(expected, bn, 1e-5, 1e-5, $"dense eval {width}");

        float[] fw = new float[w.Length], fb = new float[outF], folded = new float[bn.Length];
        BatchNormKernels.Fold(w, b, gamma, beta, rm, rv, (float)Eps, fw, fb);
        DenseKernels.Forward(x, fw, fb, folded, n, inF, outF, width);
        KernelAssert.Close(TestValues.Wide(bn), folded, 2e-5, 2e-5, $"dense folded {width}");

        // Conv 3×3 (no bias, as before a batch norm), 2 → 5 channels on 9×11, then batch norm per channel; folded in place.
        var g = new Conv2DGeometry(2, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] cx = random.Floats(2 * g.InputLength), cw = random.Floats(g.WeightLength);
        float[] cg = random.Floats(5, 0.5, 1.5), cb = random.Floats(5), crm = random.Floats(5), crv = random.Floats(5, 0.2, 3);
        float[] cy = new float[2 * g.OutputLength], cscale = new float[5], cshift = new float[5], col = new float[g.ColumnLength];
        Conv2DKernels.Forward(g, cx, cw, [], cy, col, 2, width);
        BatchNormKernels.EvaluationCoefficients(cg, cb, crm, crv, (float)Eps, cscale, cshift);
        BatchNormKernels.Normalize(cy, cscale, cshift, cy, 2, 5, g.OutPixels, width);   // in place
        float[] foldedBias = new float[5], convFolded = new float[cy.Length];
        BatchNormKernels.Fold(cw, [], cg, cb, crm, crv, (float)Eps, cw, foldedBias);   // in place
        Conv2DKernels.Forward(g, cx, cw, foldedBias, convFolded, col, 2, width);
        KernelAssert.Close(TestValues.Wide(cy), convFolded, 3e-5, 3e-5, $"conv folded {width}");
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Fold_gives_the_scalar_twins_bits_at_every_width_and_in_place(VectorWidth width)
    {
        // Rows of 1 to 37 weights: whole vectors of every width, tails, and rows shorter than a vector.
        var random = new TestValues(23);
        foreach (int k in new[] { 1, 7, 16, 37 })
        {
            const int channels = 5;
            float[] w = random.Floats(channels * k), b = random.Floats(channels), gamma = random.Floats(channels, -1.5, 1.5), beta = random.Floats(channels);
            float[] rm = random.Floats(channels), rv = random.Floats(channels, 0.01, 3);
            float[] scalarW = new float[w.Length], scalarB = new float[channels], vectorW = new float[w.Length], vectorB = new float[channels];
            BatchNormKernels.Fold(w, b, gamma, beta, rm, rv, 1e-5f, scalarW, scalarB, VectorWidth.Scalar);
            BatchNormKernels.Fold(w, b, gamma, beta, rm, rv, 1e-5f, vectorW, vectorB, width);
            for (int o = 0; o < channels; o++)
            {
                double scale = gamma[o] / Math.Sqrt((double)rv[o] + 1e-5f);
                for (int i = 0; i < k; i++) Assert.Equal((float)(w[o * k + i] * scale), scalarW[o * k + i]);
            }
            Assert.Equal(scalarW, vectorW);
            Assert.Equal(scalarB, vectorB);
            BatchNormKernels.Fold(w, b, gamma, beta, rm, rv, 1e-5f, w, b, width);   // in place
            Assert.Equal(scalarW, w);
            Assert.Equal(scalarB, b);
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Input_gradient_accumulates_when_asked_and_dgamma_dbeta_always_add(VectorWidth width)
    {
        var random = new TestValues(21);
        foreach ((int n, int c, int s) in new[] { (5, 33, 1), (3, 3, 49) })
        {
            int length = n * c * s;
            float[] x = random.Floats(length), dy = random.Floats(length), gamma = random.Floats(c), beta = random.Floats(c);
            float[] rm = new float[c], rv = new float[c];
            Pipeline p = Pipeline.Run(x, dy, gamma, beta, rm, rv, [n], n, c, s, width, 0, 0.1f);

            float[] earlier = random.Floats(length), dx = (float[])earlier.Clone();
            BatchNormKernels.InputGradient(x, dy, p.Mean, p.Coefficients, dx, n, c, s, accumulate: true, width);
            for (int i = 0; i < length; i++) Assert.Equal(earlier[i] + p.Dx[i], dx[i]);

            float[] dgamma = random.Floats(c), dbeta = random.Floats(c), g0 = (float[])dgamma.Clone(), b0 = (float[])dbeta.Clone(), coefficients = new float[3 * c];
            BatchNormKernels.MergeGradientSums(p.SliceSumDy, p.SliceSumDyXmu, c, n, s, gamma, p.InvStd, dgamma, dbeta, coefficients);
            for (int i = 0; i < c; i++)
            {
                Assert.Equal(g0[i] + p.DGamma[i], dgamma[i], 1e-6f);
                Assert.Equal(b0[i] + p.DBeta[i], dbeta[i], 1e-6f);
            }
            Assert.Equal(p.Coefficients, coefficients);
            // A frozen layer passes empty parameter gradients and still gets its coefficients.
            BatchNormKernels.MergeGradientSums(p.SliceSumDy, p.SliceSumDyXmu, c, n, s, gamma, p.InvStd, [], [], coefficients);
            Assert.Equal(p.Coefficients, coefficients);
        }
    }

    [Fact]
    public void Momentum_none_is_a_cumulative_average_and_counts_batches()
    {
        float[] mean = [0f], inv = new float[1], rm = [0f], rv = [1f];
        long tracked = 0;
        // Two batches with means 2 and 4 and unbiased variances 2 and 8 (slice stats of 2 values each: M2 = 1 and 4... per slice n = 2).
        BatchNormKernels.MergeStatistics([2f], [2f], [3], 1, 1, 1e-5f, mean, inv, rm, rv, null, ref tracked);
        Assert.Equal(1, tracked);
        Assert.Equal(2f, rm[0]);
        Assert.Equal(1f, rv[0]);           // M2 2 over 3 values: unbiased variance 1
        BatchNormKernels.MergeStatistics([4f], [8f], [3], 1, 1, 1e-5f, mean, inv, rm, rv, null, ref tracked);
        Assert.Equal(2, tracked);
        Assert.Equal(3f, rm[0]);           // (2 + 4) / 2
        Assert.Equal(2.5f, rv[0]);         // (1 + 4) / 2
        Assert.Equal(4f, mean[0]);
        Assert.Equal((float)(1 / Math.Sqrt(8.0 / 3 + 1e-5)), inv[0]);
    }

    [Fact]
    public void Bad_arguments_throw_with_the_argument_named()
    {
        float[] four = new float[4], one = new float[1], three = new float[3];
        long tracked = 0;
        var single = Assert.Throws<ArgumentException>(() => BatchNormKernels.MergeStatistics(one, one, [1], 1, 1, 1e-5f, one, one, one, one, 0.1f, ref tracked));
        Assert.Contains("more than 1 value per channel", single.Message);
        Assert.Equal(0, tracked);
        Assert.Equal("sliceM2", Assert.Throws<ArgumentException>(() => BatchNormKernels.MergeStatistics(four, three, [2, 2], 2, 1, 1e-5f, new float[2], new float[2], new float[2], new float[2], 0.1f, ref tracked)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormKernels.MergeStatistics(one, one, [2], 1, 1, 1e-5f, one, one, one, one, 1.5f, ref tracked)).ParamName);
        Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormKernels.MergeStatistics(one, one, [2], 1, 1, 0f, one, one, one, one, 0.1f, ref tracked)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => BatchNormKernels.SliceStatistics(three, one, one, 2, 1, 2)).ParamName);
        Assert.Equal("m2", Assert.Throws<ArgumentException>(() => BatchNormKernels.SliceStatistics(four, new float[2], one, 2, 2, 1)).ParamName);
        Assert.Equal("shift", Assert.Throws<ArgumentException>(() => BatchNormKernels.Normalize(four, new float[2], one, four, 2, 2, 1)).ParamName);
        Assert.Equal("coefficients", Assert.Throws<ArgumentException>(() => BatchNormKernels.InputGradient(four, four, new float[2], four, four, 2, 2, 1, false)).ParamName);
        Assert.Equal("dgamma", Assert.Throws<ArgumentException>(() => BatchNormKernels.MergeGradientSums(four, four, 2, 2, 1, new float[2], new float[2], one, new float[2], new float[6])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => BatchNormKernels.Fold(three, [], new float[2], new float[2], new float[2], new float[2], 1e-5f, three, new float[2])).ParamName);
        Assert.Equal("runningVar", Assert.Throws<ArgumentException>(() => BatchNormKernels.EvaluationCoefficients(one, one, one, four, 1e-5f, one, one)).ParamName);
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void A_training_step_allocates_nothing_after_warm_up(VectorWidth width)
    {
        var random = new TestValues(22);
        (int n, int c, int s) = (4, 6, 25);
        float[] x = random.Floats(n * c * s), dy = random.Floats(x.Length), gamma = random.Floats(c), beta = random.Floats(c);
        float[] rm = new float[c], rv = new float[c];
        Pipeline.Run(x, dy, gamma, beta, rm, rv, [2, 2], n, c, s, width, 0, 0.1f);
        var buffers = new Pipeline(x.Length, c, 2);
        int[] slices = [2, 2];
        buffers.Step(x, dy, gamma, beta, rm, rv, slices, n, c, s, width, 0.1f);
        long before = GC.GetAllocatedBytesForCurrentThread();
        buffers.Step(x, dy, gamma, beta, rm, rv, slices, n, c, s, width, 0.1f);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The whole schedule as a multi-threaded network would run it, one slice after another on this thread.</summary>
    private sealed class Pipeline(int length, int channels, int slices)
    {
        public float[] Y = new float[length], Dx = new float[length];
        public float[] Mean = new float[channels], InvStd = new float[channels], RunningMean = new float[channels], RunningVar = new float[channels];
        public float[] Scale = new float[channels], Shift = new float[channels], DGamma = new float[channels], DBeta = new float[channels];
        public float[] Coefficients = new float[3 * channels];
        public float[] SliceMean = new float[slices * channels], SliceM2 = new float[slices * channels];
        public float[] SliceSumDy = new float[slices * channels], SliceSumDyXmu = new float[slices * channels];
        public long Tracked;

        public static Pipeline Run(float[] x, float[] dy, float[] gamma, float[] beta, float[] runningMean, float[] runningVar, int[] slices,
            int n, int c, int s, VectorWidth width, long tracked, float? momentum)
        {
            var p = new Pipeline(x.Length, c, slices.Length) { Tracked = tracked };
            runningMean.CopyTo(p.RunningMean, 0);
            runningVar.CopyTo(p.RunningVar, 0);
            p.Step(x, dy, gamma, beta, p.RunningMean, p.RunningVar, slices, n, c, s, width, momentum);
            return p;
        }

        public void Step(float[] x, float[] dy, float[] gamma, float[] beta, float[] runningMean, float[] runningVar, int[] slices,
            int n, int c, int s, VectorWidth width, float? momentum)
        {
            int start = 0;
            for (int k = 0; k < slices.Length; k++)
            {
                int len = slices[k] * c * s;
                BatchNormKernels.SliceStatistics(x.AsSpan(start, len), SliceMean.AsSpan(k * c, c), SliceM2.AsSpan(k * c, c), slices[k], c, s, width);
                start += len;
            }
            if (start != n * c * s) throw new InvalidOperationException("The slices do not add up to the batch.");
            BatchNormKernels.MergeStatistics(SliceMean, SliceM2, slices, c, s, (float)Eps, Mean, InvStd, runningMean, runningVar, momentum, ref Tracked);
            BatchNormKernels.TrainingCoefficients(gamma, beta, Mean, InvStd, Scale, Shift);
            start = 0;
            for (int k = 0; k < slices.Length; k++)
            {
                int len = slices[k] * c * s;
                BatchNormKernels.Normalize(x.AsSpan(start, len), Scale, Shift, Y.AsSpan(start, len), slices[k], c, s, width);
                BatchNormKernels.SliceGradientSums(x.AsSpan(start, len), dy.AsSpan(start, len), Mean, SliceSumDy.AsSpan(k * c, c), SliceSumDyXmu.AsSpan(k * c, c), slices[k], c, s, width);
                start += len;
            }
            Array.Clear(DGamma);
            Array.Clear(DBeta);
            BatchNormKernels.MergeGradientSums(SliceSumDy, SliceSumDyXmu, c, n, s, gamma, InvStd, DGamma, DBeta, Coefficients);
            start = 0;
            for (int k = 0; k < slices.Length; k++)
            {
                int len = slices[k] * c * s;
                BatchNormKernels.InputGradient(x.AsSpan(start, len), dy.AsSpan(start, len), Mean, Coefficients, Dx.AsSpan(start, len), slices[k], c, s, false, width);
                start += len;
            }
        }
    }
}
