using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Batch norm + ReLU fused (BatchNormKernels.NormalizeRelu, SliceGradientSumsRelu, InputGradientRelu) at every width against
/// the unfused sequence of existing kernels (Normalize → Relu; ReluBackward → SliceGradientSums → InputGradient), and the
/// fused training backward against finite differences of the whole-batch reference in double.
/// </summary>
public class BatchNormReluKernelTests
{
    // (n, C, S): rows of C features (S = 1) with vector tails at every width, and planes with tails.
    public static readonly (int N, int C, int S)[] Shapes = [(5, 21, 1), (3, 40, 1), (4, 3, 25), (2, 5, 49), (3, 2, 7)];

    private const float Eps = 1e-5f;

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void NormalizeRelu_equals_normalize_then_relu(VectorWidth width)
    {
        var random = new TestValues(51);
        foreach ((int n, int c, int s) in Shapes)
        {
            float[] x = random.Floats(n * c * s), scale = random.Floats(c), shift = random.Floats(c, -0.5, 0.5);
            float[] fused = new float[x.Length], unfused = new float[x.Length];
            BatchNormKernels.NormalizeRelu(x, scale, shift, fused, n, c, s, width);
            BatchNormKernels.Normalize(x, scale, shift, unfused, n, c, s, width);
            ActivationKernels.Relu(unfused, unfused, width);
            KernelAssert.Identical(unfused, fused, $"{width} ({n}, {c}, {s})");
            Assert.Contains(fused, v => v == 0f);
            Assert.Contains(fused, v => v > 0f);

            float[] inPlace = (float[])x.Clone();
            BatchNormKernels.NormalizeRelu(inPlace, scale, shift, inPlace, n, c, s, width);
            KernelAssert.Identical(fused, inPlace, $"in place {width} ({n}, {c}, {s})");
        }
    }

    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Backward_passes_equal_relu_backward_then_the_batch_norm_passes(VectorWidth width)
    {
        var random = new TestValues(52);
        foreach ((int n, int c, int s) in Shapes)
        {
            float[] x = random.Floats(n * c * s, 1, 3), dy = random.Floats(x.Length), mean = random.Floats(c, 1.5, 2.5);
            // y as out of ReLU: about half zero, a few exactly at the kink's other side.
            float[] y = random.Floats(x.Length);
            for (int i = 0; i < y.Length; i++) y[i] = i % 7 == 3 ? 0f : MathF.Max(y[i], 0f);

            float[] dz = new float[x.Length];
            ActivationKernels.ReluBackward(y, dy, dz, width);
            float[] sumDy = new float[c], sumDyXmu = new float[c], expectedSumDy = new float[c], expectedSumDyXmu = new float[c];
            BatchNormKernels.SliceGradientSumsRelu(x, y, dy, mean, sumDy, sumDyXmu, n, c, s, width);
            BatchNormKernels.SliceGradientSums(x, dz, mean, expectedSumDy, expectedSumDyXmu, n, c, s, width);
            // Sums of n·S terms in another order: within a few ulps of the sum of absolute values.
            double[] magnitude = new double[c], magnitudeXmu = new double[c];
            for (int i = 0; i < x.Length; i++)
            {
                int channel = i / s % c;
                magnitude[channel] += Math.Abs(dz[i]);
                magnitudeXmu[channel] += Math.Abs(dz[i] * (x[i] - mean[channel]));
            }
            KernelAssert.CloseToMagnitude(TestValues.Wide(expectedSumDy), magnitude, sumDy, 1e-6, $"Σdz {width} ({n}, {c}, {s})");
            KernelAssert.CloseToMagnitude(TestValues.Wide(expectedSumDyXmu), magnitudeXmu, sumDyXmu, 1e-6, $"Σdz·(x − mean) {width} ({n}, {c}, {s})");

            float[] coefficients = random.Floats(3 * c);
            foreach (bool accumulate in new[] { false, true })
            {
                float[] start = random.Floats(x.Length);
                float[] fused = (float[])start.Clone(), unfused = (float[])start.Clone();
                BatchNormKernels.InputGradientRelu(x, y, dy, mean, coefficients, fused, n, c, s, accumulate, width);
                BatchNormKernels.InputGradient(x, dz, mean, coefficients, unfused, n, c, s, accumulate, width);
                KernelAssert.Identical(unfused, fused, $"dx accumulate={accumulate} {width} ({n}, {c}, {s})");
            }
            float[] inPlace = (float[])dy.Clone(), expected = new float[x.Length];
            BatchNormKernels.InputGradientRelu(x, y, dy, mean, coefficients, expected, n, c, s, false, width);
            BatchNormKernels.InputGradientRelu(x, y, inPlace, mean, coefficients, inPlace, n, c, s, false, width);
            KernelAssert.Identical(expected, inPlace, $"dx in place {width} ({n}, {c}, {s})");
        }
    }

    /// <summary>
    /// L = Σ r·ReLU(BN(x)) with batch statistics: the fused float backward (two slices) against central differences of the
    /// reference forward in double, for x, γ and β. Tolerance: float rounding (1e-3 relative, 2e-4 absolute).
    /// </summary>
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void Fused_training_backward_matches_finite_differences(VectorWidth width)
    {
        var random = new TestValues(53);
        foreach ((int n, int c, int s) in new[] { (4, 3, 25), (6, 21, 1) })
        {
            int length = n * c * s;
            float[] x = random.Floats(length, 1, 3), gamma = random.Floats(c, 0.5, 1.5), beta = random.Floats(c, -0.3, 0.3), r = random.Floats(length);
            int[] slices = [n / 2, n - n / 2];

            // The fused schedule in float.
            float[] sliceMean = new float[2 * c], sliceM2 = new float[2 * c], mean = new float[c], invStd = new float[c];
            float[] scale = new float[c], shift = new float[c], y = new float[length], dx = new float[length];
            float[] sliceSumDy = new float[2 * c], sliceSumDyXmu = new float[2 * c], dgamma = new float[c], dbeta = new float[c], coefficients = new float[3 * c];
            long tracked = 0;
            for (int k = 0, start = 0; k < 2; start += slices[k] * c * s, k++)
                BatchNormKernels.SliceStatistics(x.AsSpan(start, slices[k] * c * s), sliceMean.AsSpan(k * c, c), sliceM2.AsSpan(k * c, c), slices[k], c, s, width);
            BatchNormKernels.MergeStatistics(sliceMean, sliceM2, slices, c, s, Eps, mean, invStd, new float[c], new float[c], 0.1f, ref tracked);
            BatchNormKernels.TrainingCoefficients(gamma, beta, mean, invStd, scale, shift);
            BatchNormKernels.NormalizeRelu(x, scale, shift, y, n, c, s, width);
            for (int k = 0, start = 0; k < 2; start += slices[k] * c * s, k++)
            {
                int len = slices[k] * c * s;
                BatchNormKernels.SliceGradientSumsRelu(x.AsSpan(start, len), y.AsSpan(start, len), r.AsSpan(start, len), mean,
                    sliceSumDy.AsSpan(k * c, c), sliceSumDyXmu.AsSpan(k * c, c), slices[k], c, s, width);
            }
            BatchNormKernels.MergeGradientSums(sliceSumDy, sliceSumDyXmu, c, n, s, gamma, invStd, dgamma, dbeta, coefficients);
            for (int k = 0, start = 0; k < 2; start += slices[k] * c * s, k++)
            {
                int len = slices[k] * c * s;
                BatchNormKernels.InputGradientRelu(x.AsSpan(start, len), y.AsSpan(start, len), r.AsSpan(start, len), mean, coefficients,
                    dx.AsSpan(start, len), slices[k], c, s, false, width);
            }

            // L in double from the whole-batch reference.
            double[] xd = TestValues.Wide(x), gd = TestValues.Wide(gamma), bd = TestValues.Wide(beta), rd = TestValues.Wide(r);
            double Loss()
            {
                double[] z = new double[length], m = new double[c], istd = new double[c];
                long t = 0;
                BatchNormReference.TrainingForward<double>(xd, gd, bd, z, m, istd, new double[c], new double[c], n, c, s, 0.1, Eps, ref t);
                double sum = 0;
                for (int i = 0; i < length; i++) sum += rd[i] * Math.Max(z[i], 0);
                return sum;
            }
            string what = $"{width} ({n}, {c}, {s})";
            FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(xd, Loss), TestValues.Wide(dx), "dx " + what, rel: 1e-3, abs: 2e-4);
            FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(gd, Loss), TestValues.Wide(dgamma), "dγ " + what, rel: 1e-3, abs: 2e-4);
            FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(bd, Loss), TestValues.Wide(dbeta), "dβ " + what, rel: 1e-3, abs: 2e-4);
            Assert.Contains(y, v => v == 0f);
        }
    }

    [Fact]
    public void Wrong_lengths_are_rejected_by_name()
    {
        float[] four = new float[4], two = new float[2], three = new float[3], six = new float[6];
        Assert.Equal("shift", Assert.Throws<ArgumentException>(() => BatchNormKernels.NormalizeRelu(four, two, three, four, 2, 2, 1)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => BatchNormKernels.SliceGradientSumsRelu(four, three, four, two, two, two, 2, 2, 1)).ParamName);
        Assert.Equal("sumDyXmu", Assert.Throws<ArgumentException>(() => BatchNormKernels.SliceGradientSumsRelu(four, four, four, two, two, three, 2, 2, 1)).ParamName);
        Assert.Equal("coefficients", Assert.Throws<ArgumentException>(() => BatchNormKernels.InputGradientRelu(four, four, four, two, four, four, 2, 2, 1, false)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => BatchNormKernels.InputGradientRelu(four, four, four, two, six, three, 2, 2, 1, false)).ParamName);
    }
}
