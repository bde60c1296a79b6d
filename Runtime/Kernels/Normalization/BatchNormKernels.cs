using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Batch normalization (PyTorch <c>nn.BatchNorm1d</c> on [N, F] and <c>nn.BatchNorm2d</c> on [N, C, H, W]) as the steps of a
/// multi-threaded schedule. Every tensor is viewed as x (n, C, S): S = 1 after a dense layer (C = F features), S = H·W after a
/// convolution. gamma (PyTorch <c>weight</c>), beta (<c>bias</c>), the running statistics and every coefficient are (C).
/// </summary>
/// <remarks>
/// <para>Training forward, with statistics over the whole batch however it is split among threads:</para>
/// <list type="number">
/// <item><c>SliceStatistics</c>, each thread on its samples: the slice's mean and M2 = Σ(x − mean)² per channel
/// (two passes over the slice, the first summing deviations from the channel's first value, so no cancellation).</item>
/// <item><see cref="MergeStatistics"/>, one thread after a barrier: Chan's parallel algorithm merges the slices in slice
/// order, in double, so the result depends on the split but never on timing; writes the batch mean and 1/√(var + eps)
/// (biased variance, saved for backward) and updates the running statistics (PyTorch: unbiased variance, momentum).</item>
/// <item><see cref="TrainingCoefficients"/> (one thread) then <c>Normalize</c> (each thread): y = x·scale + shift,
/// scale = γ·invStd, shift = β − mean·scale, as PyTorch's CPU kernel computes it.</item>
/// </list>
/// <para>Backward: <c>SliceGradientSums</c> (each thread: Σdy and Σdy·(x − mean) per channel), <see cref="MergeGradientSums"/>
/// (one thread: dγ += Σdy·x̂, dβ += Σdy, and the input-gradient coefficients), <c>InputGradient</c> (each thread:
/// dx = (dy − mean(dy) − x̂·mean(dy·x̂))·γ·invStd, written or accumulated).</para>
/// <para>Evaluation: <see cref="EvaluationCoefficients"/> from the running statistics, then <c>Normalize</c>; or
/// <c>Fold</c> the same map into the preceding layer's weights and bias.</para>
/// Kernels taking a <see cref="VectorWidth"/> run at that width (the overload without one uses <see cref="Simd.Width"/>);
/// the others are O(C) loops. None allocates.
/// </remarks>
public static partial class BatchNormKernels
{
    // ---- training forward ----

    /// <summary>
    /// Step 1 of the training forward, for one slice of n samples: mean (C) and m2 (C) = Σ (x − mean)² over the slice's n·S
    /// values of each channel (written; zeros when n = 0). x is (n, C, S).
    /// </summary>
    public static void SliceStatistics(ReadOnlySpan<float> x, Span<float> mean, Span<float> m2, int n, int channels, int spatial)
        => SliceStatistics(x, mean, m2, n, channels, spatial, Simd.Width);

    /// <inheritdoc cref="SliceStatistics(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int)"/>
    public static void SliceStatistics(ReadOnlySpan<float> x, Span<float> mean, Span<float> m2, int n, int channels, int spatial, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        KernelArguments.AtLeast(x.Length, (long)n * channels * spatial, nameof(x));
        KernelArguments.Exactly(mean.Length, channels, nameof(mean));
        KernelArguments.Exactly(m2.Length, channels, nameof(m2));

        mean.Clear();
        m2.Clear();
        if (n == 0) return;
        float inverseCount = 1f / ((float)n * spatial);
        // The mean is the channel's first value plus the mean deviation from it: a constant channel (a zero-initialized
        // convolution's bias) gets its value exactly, so x − mean is exactly 0 where 1/√eps would magnify any rounding, and
        // a channel far from 0 with a small spread loses no digits to the size of its sum.
        if (spatial == 1)
        {
            ReadOnlySpan<float> first = x[..channels];
            ChannelDriver.Run(new SumDeviationOperator(), x, x, mean, first, first, first, first, n, channels, 1, width, intoOneRow: true);
            for (int c = 0; c < channels; c++) mean[c] = first[c] + mean[c] * inverseCount;
            ChannelDriver.Run(new SumSquaredDeviationOperator(), x, x, m2, mean, mean, mean, mean, n, channels, 1, width, intoOneRow: true);
            return;
        }
        for (int c = 0; c < channels; c++)
        {
            float shift = x[c * spatial], sum = 0f;
            for (int s = 0; s < n; s++)
                sum += ElementwiseDriver.Aggregate(new DeviationOperator(shift), new SumAggregation(), Plane(x, s, c, channels, spatial), width);
            float m = shift + sum * inverseCount;
            float squares = 0f;
            for (int s = 0; s < n; s++)
                squares += ElementwiseDriver.Aggregate(new SquaredDeviationOperator(m), new SumAggregation(), Plane(x, s, c, channels, spatial), width);
            mean[c] = m;
            m2[c] = squares;
        }
    }

    /// <summary>
    /// Step 2 of the training forward: merges the slices' statistics (Chan et al.'s pairwise update, in double, in slice order)
    /// into the batch mean (C) and invStd (C) = 1/√(var + eps) with the biased variance (both written, saved for backward),
    /// and updates the running statistics in place: r = (1 − m)·r + m·statistic, the running variance with the unbiased
    /// variance (PyTorch). <paramref name="numBatchesTracked"/> is incremented; a null <paramref name="momentum"/> uses
    /// 1 / numBatchesTracked (PyTorch's momentum=None: a cumulative average).
    /// </summary>
    /// <remarks>sliceMean and sliceM2 are (slices, C), as <c>SliceStatistics</c> wrote them; sliceSamples (slices) holds each slice's
    /// number of samples n (empty slices are skipped).</remarks>
    /// <exception cref="ArgumentException">When the batch has at most one value per channel (PyTorch refuses too).</exception>
    public static void MergeStatistics(ReadOnlySpan<float> sliceMean, ReadOnlySpan<float> sliceM2, ReadOnlySpan<int> sliceSamples,
        int channels, int spatial, float eps, Span<float> mean, Span<float> invStd,
        Span<float> runningMean, Span<float> runningVar, float? momentum, ref long numBatchesTracked)
    {
        KernelArguments.Positive(channels, nameof(channels));
        KernelArguments.Positive(spatial, nameof(spatial));
        int slices = sliceSamples.Length;
        KernelArguments.Exactly(sliceMean.Length, (long)slices * channels, nameof(sliceMean));
        KernelArguments.Exactly(sliceM2.Length, (long)slices * channels, nameof(sliceM2));
        KernelArguments.Exactly(mean.Length, channels, nameof(mean));
        KernelArguments.Exactly(invStd.Length, channels, nameof(invStd));
        KernelArguments.Exactly(runningMean.Length, channels, nameof(runningMean));
        KernelArguments.Exactly(runningVar.Length, channels, nameof(runningVar));
        if (!(eps > 0f)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive (PyTorch's default is 1e-5).");
        if (momentum is { } mo && !(mo >= 0f && mo <= 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1] (PyTorch's default is 0.1), or null for a cumulative average.");
        long total = 0;
        for (int k = 0; k < slices; k++)
        {
            KernelArguments.NonNegative(sliceSamples[k], nameof(sliceSamples));
            total += sliceSamples[k];
        }
        total *= spatial;
        if (total <= 1)
            throw new ArgumentException($"Batch norm in training needs more than 1 value per channel; this batch has {total} (n·H·W). Use a larger batch, or evaluation mode.", nameof(sliceSamples));

        numBatchesTracked++;
        double factor = momentum ?? 1.0 / numBatchesTracked;
        for (int c = 0; c < channels; c++)
        {
            double count = 0, m = 0, squares = 0;
            for (int k = 0; k < slices; k++)
            {
                double nk = (double)sliceSamples[k] * spatial;
                if (nk == 0) continue;
                double mk = sliceMean[k * channels + c];
                double delta = mk - m, merged = count + nk;
                m += delta * (nk / merged);
                squares += sliceM2[k * channels + c] + delta * delta * (count * nk / merged);
                count = merged;
            }
            double variance = squares / count;
            mean[c] = (float)m;
            invStd[c] = (float)(1.0 / Math.Sqrt(variance + eps));
            runningMean[c] = (float)((1 - factor) * runningMean[c] + factor * m);
            runningVar[c] = (float)((1 - factor) * runningVar[c] + factor * (squares / (count - 1)));
        }
    }

    /// <summary>Step 3a of the training forward: scale = γ·invStd, shift = β − mean·scale (all (C), scale and shift written).</summary>
    public static void TrainingCoefficients(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd,
        Span<float> scale, Span<float> shift)
    {
        int channels = gamma.Length;
        KernelArguments.Positive(channels, nameof(gamma));
        KernelArguments.Exactly(beta.Length, channels, nameof(beta));
        KernelArguments.Exactly(mean.Length, channels, nameof(mean));
        KernelArguments.Exactly(invStd.Length, channels, nameof(invStd));
        KernelArguments.Exactly(scale.Length, channels, nameof(scale));
        KernelArguments.Exactly(shift.Length, channels, nameof(shift));
        for (int c = 0; c < channels; c++)
        {
            float a = gamma[c] * invStd[c];
            scale[c] = a;
            shift[c] = beta[c] - mean[c] * a;
        }
    }

    /// <summary>Evaluation: scale = γ/√(running_var + eps), shift = β − running_mean·scale (all (C), scale and shift written).</summary>
    public static void EvaluationCoefficients(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar,
        float eps, Span<float> scale, Span<float> shift)
    {
        int channels = gamma.Length;
        KernelArguments.Positive(channels, nameof(gamma));
        KernelArguments.Exactly(beta.Length, channels, nameof(beta));
        KernelArguments.Exactly(runningMean.Length, channels, nameof(runningMean));
        KernelArguments.Exactly(runningVar.Length, channels, nameof(runningVar));
        KernelArguments.Exactly(scale.Length, channels, nameof(scale));
        KernelArguments.Exactly(shift.Length, channels, nameof(shift));
        if (!(eps > 0f)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive (PyTorch's default is 1e-5).");
        for (int c = 0; c < channels; c++)
        {
            float a = (float)(gamma[c] / Math.Sqrt((double)runningVar[c] + eps));
            scale[c] = a;
            shift[c] = beta[c] - runningMean[c] * a;
        }
    }

    /// <summary>
    /// Step 3b of the training forward, and the evaluation forward: y = x·scale[c] + shift[c] (written) for the slice's n samples.
    /// x and y are (n, C, S); y may be x (in place).
    /// </summary>
    public static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, int n, int channels, int spatial)
        => Normalize(x, scale, shift, y, n, channels, spatial, Simd.Width);

    /// <inheritdoc cref="Normalize(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>
    public static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, int n, int channels, int spatial, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(y.Length, length, nameof(y));
        KernelArguments.Exactly(scale.Length, channels, nameof(scale));
        KernelArguments.Exactly(shift.Length, channels, nameof(shift));
        ChannelDriver.Run(new ScaleShiftOperator(), x, x, y, scale, shift, scale, scale, n, channels, spatial, width);
    }

    // ---- backward ----

    /// <summary>
    /// Step 1 of the backward, for one slice of n samples: sumDy (C) = Σ dy and sumDyXmu (C) = Σ dy·(x − mean) over the slice
    /// (both written). x and dy are (n, C, S); mean is the batch mean <see cref="MergeStatistics"/> wrote.
    /// </summary>
    public static void SliceGradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, Span<float> sumDy, Span<float> sumDyXmu,
        int n, int channels, int spatial)
        => SliceGradientSums(x, dy, mean, sumDy, sumDyXmu, n, channels, spatial, Simd.Width);

    /// <inheritdoc cref="SliceGradientSums(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int)"/>
    public static void SliceGradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, Span<float> sumDy, Span<float> sumDyXmu,
        int n, int channels, int spatial, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(dy.Length, length, nameof(dy));
        KernelArguments.Exactly(mean.Length, channels, nameof(mean));
        KernelArguments.Exactly(sumDy.Length, channels, nameof(sumDy));
        KernelArguments.Exactly(sumDyXmu.Length, channels, nameof(sumDyXmu));

        // Both sums in one pass over x and dy (the batch norm + ReLU backward's, without the mask).
        switch (width)
        {
            case VectorWidth.V512: GradientSums<Vector512<float>, Lane512, NothingAfter>(x, default, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
            case VectorWidth.V256: GradientSums<Vector256<float>, Lane256, NothingAfter>(x, default, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
            case VectorWidth.V128: GradientSums<Vector128<float>, Lane128, NothingAfter>(x, default, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
            default: GradientSums<float, ScalarLane, NothingAfter>(x, default, dy, mean, sumDy, sumDyXmu, n, channels, spatial); break;
        }
    }

    /// <summary>
    /// Step 2 of the backward: sums the slices' sums in slice order (in double), adds the parameter gradients
    /// dgamma (C) += Σ dy·x̂ and dbeta (C) += Σ dy (either may be empty: a frozen layer), and writes
    /// <paramref name="coefficients"/> (3, C) for <c>InputGradient</c>: rows γ·invStd, Σdy·(x − mean)·invStd²/M and Σdy/M,
    /// where M = <paramref name="batch"/>·S is the number of values per channel in the whole batch.
    /// </summary>
    /// <remarks>sliceSumDy and sliceSumDyXmu are (slices, C), as <c>SliceGradientSums</c> wrote them; batch is the number of
    /// samples in the whole batch (the sum of the slices' n).</remarks>
    public static void MergeGradientSums(ReadOnlySpan<float> sliceSumDy, ReadOnlySpan<float> sliceSumDyXmu, int channels, int batch, int spatial,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> invStd, Span<float> dgamma, Span<float> dbeta, Span<float> coefficients)
    {
        KernelArguments.Positive(channels, nameof(channels));
        KernelArguments.Positive(batch, nameof(batch));
        KernelArguments.Positive(spatial, nameof(spatial));
        if (sliceSumDy.Length % channels != 0 || sliceSumDy.Length == 0)
            throw new ArgumentException($"sliceSumDy has {sliceSumDy.Length} elements: it needs a positive multiple of {channels} (slices × channels).", nameof(sliceSumDy));
        KernelArguments.Exactly(sliceSumDyXmu.Length, sliceSumDy.Length, nameof(sliceSumDyXmu));
        KernelArguments.Exactly(gamma.Length, channels, nameof(gamma));
        KernelArguments.Exactly(invStd.Length, channels, nameof(invStd));
        if (!dgamma.IsEmpty) KernelArguments.Exactly(dgamma.Length, channels, nameof(dgamma));
        if (!dbeta.IsEmpty) KernelArguments.Exactly(dbeta.Length, channels, nameof(dbeta));
        KernelArguments.Exactly(coefficients.Length, 3L * channels, nameof(coefficients));

        int slices = sliceSumDy.Length / channels;
        double count = (double)batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double a = 0, b = 0;
            for (int k = 0; k < slices; k++)
            {
                a += sliceSumDy[k * channels + c];
                b += sliceSumDyXmu[k * channels + c];
            }
            double istd = invStd[c];
            if (!dgamma.IsEmpty) dgamma[c] += (float)(b * istd);
            if (!dbeta.IsEmpty) dbeta[c] += (float)a;
            coefficients[c] = gamma[c] * invStd[c];
            coefficients[channels + c] = (float)(b * istd * istd / count);
            coefficients[2 * channels + c] = (float)(a / count);
        }
    }

    /// <summary>
    /// Step 3 of the backward, for one slice: dx = (dy − Σdy/M − (x − mean)·Σdy·(x − mean)·invStd²/M)·γ·invStd, written, or added
    /// to dx when <paramref name="accumulate"/> (a fork's gradients meet). x, dy and dx are (n, C, S); dx may be dy (in place,
    /// when not accumulating); coefficients (3, C) as <see cref="MergeGradientSums"/> wrote them.
    /// </summary>
    public static void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> coefficients,
        Span<float> dx, int n, int channels, int spatial, bool accumulate)
        => InputGradient(x, dy, mean, coefficients, dx, n, channels, spatial, accumulate, Simd.Width);

    /// <inheritdoc cref="InputGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> coefficients,
        Span<float> dx, int n, int channels, int spatial, bool accumulate, VectorWidth width)
    {
        ValidateShape(n, channels, spatial, width);
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, nameof(x));
        KernelArguments.AtLeast(dy.Length, length, nameof(dy));
        KernelArguments.AtLeast(dx.Length, length, nameof(dx));
        KernelArguments.Exactly(mean.Length, channels, nameof(mean));
        KernelArguments.Exactly(coefficients.Length, 3L * channels, nameof(coefficients));
        ChannelDriver.Run(new BatchNormInputGradientOperator(accumulate), x, dy, dx,
            mean, coefficients[..channels], coefficients.Slice(channels, channels), coefficients.Slice(2 * channels, channels),
            n, channels, spatial, width);
    }

    // ---- folding ----

    /// <summary>
    /// Folds an evaluation-mode batch norm into the layer before it: with s = γ/√(running_var + eps),
    /// foldedWeights[o, :] = weights[o, :]·s[o] and foldedBias[o] = (bias[o] − running_mean[o])·s[o] + β[o]
    /// (bias may be empty: no bias, taken as 0). weights are (C, K), rows by output channel (a dense [out, in] or a convolution
    /// [out, in, kh, kw] weight, K = in·kh·kw); the folded outputs are written and may be the inputs (in place).
    /// </summary>
    public static void Fold(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float eps, Span<float> foldedWeights, Span<float> foldedBias)
        => Fold(weights, bias, gamma, beta, runningMean, runningVar, eps, foldedWeights, foldedBias, Simd.Width);

    /// <inheritdoc cref="Fold(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float, Span{float}, Span{float})"/>
    /// <remarks>
    /// Each weight is multiplied by s in double and rounded once to float, at every width (the vector widths widen, multiply
    /// and narrow), so all widths give the same bits. Generated networks refold at every Forward and Predict, which is why
    /// this is vectorized: on a batch of one the fold is a visible share of the call.
    /// </remarks>
    public static void Fold(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float eps, Span<float> foldedWeights, Span<float> foldedBias, VectorWidth width)
    {
        KernelArguments.Width(width);
        int channels = gamma.Length;
        KernelArguments.Positive(channels, nameof(gamma));
        if (weights.Length % channels != 0 || weights.Length == 0)
            throw new ArgumentException($"weights has {weights.Length} elements: it needs a positive multiple of {channels} (output channels × inputs per output).", nameof(weights));
        if (!bias.IsEmpty) KernelArguments.Exactly(bias.Length, channels, nameof(bias));
        KernelArguments.Exactly(beta.Length, channels, nameof(beta));
        KernelArguments.Exactly(runningMean.Length, channels, nameof(runningMean));
        KernelArguments.Exactly(runningVar.Length, channels, nameof(runningVar));
        KernelArguments.Exactly(foldedWeights.Length, weights.Length, nameof(foldedWeights));
        KernelArguments.Exactly(foldedBias.Length, channels, nameof(foldedBias));
        if (!(eps > 0f)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive (PyTorch's default is 1e-5).");

        int k = weights.Length / channels;
        for (int o = 0; o < channels; o++)
        {
            double s = gamma[o] / Math.Sqrt((double)runningVar[o] + eps);
            Scale(weights.Slice(o * k, k), s, foldedWeights.Slice(o * k, k), width);
            double b = bias.IsEmpty ? 0 : bias[o];
            foldedBias[o] = (float)((b - runningMean[o]) * s + beta[o]);
        }
    }

    // dst[i] = (float)(src[i]·s), the product in double; src and dst may be the same span.
    private static void Scale(ReadOnlySpan<float> src, double s, Span<float> dst, VectorWidth width)
    {
        ref float x = ref MemoryMarshal.GetReference(src);
        ref float y = ref MemoryMarshal.GetReference(dst);
        int i = 0, length = src.Length;
        switch (width)
        {
            case VectorWidth.V512:
                for (Vector512<double> v = Vector512.Create(s); i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
                {
                    (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
                    Vector512.Narrow(lower * v, upper * v).StoreUnsafe(ref y, (nuint)i);
                }
                break;
            case VectorWidth.V256:
                for (Vector256<double> v = Vector256.Create(s); i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                    Vector256.Narrow(lower * v, upper * v).StoreUnsafe(ref y, (nuint)i);
                }
                break;
            case VectorWidth.V128:
                for (Vector128<double> v = Vector128.Create(s); i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
                {
                    (Vector128<double> lower, Vector128<double> upper) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i));
                    Vector128.Narrow(lower * v, upper * v).StoreUnsafe(ref y, (nuint)i);
                }
                break;
        }
        for (; i < length; i++) Unsafe.Add(ref y, i) = (float)(Unsafe.Add(ref x, i) * s);
    }

    // ---- shared ----

    private static ReadOnlySpan<float> Plane(ReadOnlySpan<float> x, int sample, int channel, int channels, int spatial)
        => x.Slice(((sample * channels) + channel) * spatial, spatial);

    private static void ValidateShape(int n, int channels, int spatial, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.Positive(channels, nameof(channels));
        KernelArguments.Positive(spatial, nameof(spatial));
    }
}
