using System;
using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// BatchNormKernels against nn.BatchNorm1d / nn.BatchNorm2d (batchnorm.json): one training step (y, dx, dweight, dbias, running
/// statistics) at every width with the batch as one slice (one thread) and as three slices (three threads); three training
/// steps then evaluation (running statistics, num_batches_tracked, eval output); and the double reference twin on the same cases.
/// </summary>
public sealed class BatchNormFixtureTests
{
    private const string File = "batchnorm.json";

    // Float32 kernels against float64 PyTorch: normalization loses a few ulps of |x − mean|/std; dx sums M terms.
    private const double Abs = 2e-5;
    private const double Rel = 2e-5;

    public static TheoryData<string, VectorWidth> TrainCases => Fixtures.CasesAtEveryWidth(File, c => c.TryGetProperty("dx", out _));
    public static TheoryData<string, VectorWidth> StepsCases => Fixtures.CasesAtEveryWidth(File, c => c.TryGetProperty("x_eval", out _));

    [Theory]
    [MemberData(nameof(TrainCases))]
    public void Training_step_matches_pytorch_on_one_and_three_threads(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case(File, name);
        (int n, int ch, int s, float? momentum) = Shape(c);
        float[] x = c.Floats("x"), dy = c.Floats("dy"), gamma = c.Floats("weight"), beta = c.Floats("bias");
        foreach (int[] slices in new[] { new[] { n }, new[] { n / 3, n - n / 3 - 1, 1 } })
        {
            string what = $"{name} at {width}, slices [{string.Join(",", slices)}]";
            float[] rm = new float[ch], rv = Ones(ch), y = new float[x.Length], dx = new float[x.Length], dgamma = new float[ch], dbeta = new float[ch];
            long tracked = 0;
            Step(x, dy, gamma, beta, rm, rv, ref tracked, slices, ch, s, momentum, width, y, dx, dgamma, dbeta);
            Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"y {what}");
            Tolerance.AssertClose(c.Floats("dx"), dx, 1e-4, 1e-4, $"dx {what}");
            Tolerance.AssertClose(c.Floats("dweight"), dgamma, 1e-4, 1e-4, $"dweight {what}");
            Tolerance.AssertClose(c.Floats("dbias"), dbeta, 1e-4, 1e-5, $"dbias {what}");
            Tolerance.AssertClose(c.Floats("running_mean"), rm, 1e-6, 1e-5, $"running_mean {what}");
            Tolerance.AssertClose(c.Floats("running_var"), rv, 1e-6, 1e-5, $"running_var {what}");
            Assert.Equal(c.Int("num_batches_tracked"), tracked);
        }
    }

    [Theory]
    [MemberData(nameof(StepsCases))]
    public void Running_statistics_after_several_steps_and_evaluation_match_pytorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case(File, name);
        (int n, int ch, int s, float? momentum) = Shape(c);
        float[] gamma = c.Floats("weight"), beta = c.Floats("bias"), rm = new float[ch], rv = Ones(ch);
        long tracked = 0;
        int length = n * ch * s;
        float[] y = new float[length], dx = new float[length], dgamma = new float[ch], dbeta = new float[ch], dy = new float[length];
        for (int step = 0; step < c.Int("steps"); step++)
            Step(c.Floats($"x{step}"), dy, gamma, beta, rm, rv, ref tracked, [1, n - 1], ch, s, momentum, width, y, dx, dgamma, dbeta);
        Tolerance.AssertClose(c.Floats("running_mean"), rm, 1e-6, 1e-5, $"running_mean {name} at {width}");
        Tolerance.AssertClose(c.Floats("running_var"), rv, 1e-6, 1e-5, $"running_var {name} at {width}");
        Assert.Equal(c.Int("num_batches_tracked"), tracked);

        float[] scale = new float[ch], shift = new float[ch], eval = new float[length];
        BatchNormKernels.EvaluationCoefficients(gamma, beta, rm, rv, 1e-5f, scale, shift);
        BatchNormKernels.Normalize(c.Floats("x_eval"), scale, shift, eval, n, ch, s, width);
        Tolerance.AssertClose(c.Floats("y_eval"), eval, Abs, Rel, $"y_eval {name} at {width}");
    }

    [Theory]
    [MemberData(nameof(TrainCases))]
    public void Reference_twin_matches_pytorch_in_double(string name, VectorWidth width)
    {
        if (width != VectorWidth.Scalar) return;   // the twin has no width: run it once per case
        JsonElement c = Fixtures.Case(File, name);
        (int n, int ch, int s, float? momentum) = Shape(c);
        int length = n * ch * s;
        double[] x = TestValues.Wide(c.Floats("x")), gamma = TestValues.Wide(c.Floats("weight")), beta = TestValues.Wide(c.Floats("bias"));
        double[] y = new double[length], mean = new double[ch], inv = new double[ch], rm = new double[ch], rv = new double[ch];
        Array.Fill(rv, 1.0);
        long tracked = 0;
        BatchNormReference.TrainingForward<double>(x, gamma, beta, y, mean, inv, rm, rv, n, ch, s, momentum, 1e-5, ref tracked);
        double[] dx = new double[length], dgamma = new double[ch], dbeta = new double[ch];
        BatchNormReference.Backward<double>(x, TestValues.Wide(c.Floats("dy")), gamma, mean, inv, dx, dgamma, dbeta, n, ch, s);
        // Double against float64 PyTorch rounded to float32: within float32 rounding of the stored values.
        Tolerance.AssertClose(c.Floats("y"), y, 1e-6, 1e-6, $"y {name}");
        Tolerance.AssertClose(c.Floats("dx"), dx, 1e-6, 1e-6, $"dx {name}");
        Tolerance.AssertClose(c.Floats("dweight"), dgamma, 1e-6, 1e-6, $"dweight {name}");
        Tolerance.AssertClose(c.Floats("dbias"), dbeta, 1e-6, 1e-6, $"dbias {name}");
        Tolerance.AssertClose(c.Floats("running_mean"), rm, 1e-7, 1e-6, $"running_mean {name}");
        Tolerance.AssertClose(c.Floats("running_var"), rv, 1e-7, 1e-6, $"running_var {name}");
    }

    /// <summary>One training step the way a network with one thread per slice runs it.</summary>
    private static void Step(float[] x, float[] dy, float[] gamma, float[] beta, float[] rm, float[] rv, ref long tracked, int[] slices,
        int ch, int s, float? momentum, VectorWidth width, float[] y, float[] dx, float[] dgamma, float[] dbeta)
    {
        int k = slices.Length, n = 0;
        float[] sliceMean = new float[k * ch], sliceM2 = new float[k * ch], sumDy = new float[k * ch], sumDyXmu = new float[k * ch];
        float[] mean = new float[ch], inv = new float[ch], scale = new float[ch], shift = new float[ch], coefficients = new float[3 * ch];
        int[] offsets = new int[k];
        for (int i = 0; i < k; i++)
        {
            offsets[i] = n * ch * s;
            BatchNormKernels.SliceStatistics(x.AsSpan(offsets[i], slices[i] * ch * s), sliceMean.AsSpan(i * ch, ch), sliceM2.AsSpan(i * ch, ch), slices[i], ch, s, width);
            n += slices[i];
        }
        BatchNormKernels.MergeStatistics(sliceMean, sliceM2, slices, ch, s, 1e-5f, mean, inv, rm, rv, momentum, ref tracked);
        BatchNormKernels.TrainingCoefficients(gamma, beta, mean, inv, scale, shift);
        for (int i = 0; i < k; i++)
        {
            int len = slices[i] * ch * s;
            BatchNormKernels.Normalize(x.AsSpan(offsets[i], len), scale, shift, y.AsSpan(offsets[i], len), slices[i], ch, s, width);
            BatchNormKernels.SliceGradientSums(x.AsSpan(offsets[i], len), dy.AsSpan(offsets[i], len), mean, sumDy.AsSpan(i * ch, ch), sumDyXmu.AsSpan(i * ch, ch), slices[i], ch, s, width);
        }
        BatchNormKernels.MergeGradientSums(sumDy, sumDyXmu, ch, n, s, gamma, inv, dgamma, dbeta, coefficients);
        for (int i = 0; i < k; i++)
        {
            int len = slices[i] * ch * s;
            BatchNormKernels.InputGradient(x.AsSpan(offsets[i], len), dy.AsSpan(offsets[i], len), mean, coefficients, dx.AsSpan(offsets[i], len), slices[i], ch, s, false, width);
        }
    }

    private static (int N, int C, int S, float? Momentum) Shape(JsonElement c)
    {
        JsonElement k = c.Config();
        JsonElement m = k.GetProperty("momentum");
        return (k.Int("batch"), k.Int("channels"), k.Int("spatial"), m.ValueKind == JsonValueKind.Null ? null : m.GetSingle());
    }

    private static float[] Ones(int length)
    {
        var values = new float[length];
        Array.Fill(values, 1f);
        return values;
    }
}
