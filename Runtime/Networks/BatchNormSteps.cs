using System;
using System.ComponentModel;
using Compiled.Kernels;

namespace Compiled.Networks;

/// <summary>
/// Batch normalization's training phases inside a step body (<see cref="StepContext"/>), as generated networks call them:
/// every thread computes its slice's statistics into its partial slot, a barrier, thread 0 merges them in thread order
/// (deterministic for a fixed thread count) and updates the running statistics, a barrier, every thread normalizes its
/// rows. The backward pass does the same with the gradient sums. Tensors are (n, C, S) as in <see cref="BatchNormKernels"/>.
/// </summary>
/// <remarks>
/// <para>
/// The <c>stats</c> arguments are the layer's block of the network's own buffer, 7·C floats: the batch mean, 1/√(var + eps)
/// (saved for the backward), the training scale and shift, and the backward's three coefficient rows. Thread 0 alone writes
/// it, between barriers; the others read it after the barrier. <c>gather</c> is the network's buffer that thread 0
/// grows to 2·threads·C floats to lay the slices' values side by side (it never shrinks, so steps after the first allocate
/// nothing).
/// </para>
/// <para>
/// num_batches_tracked is kept as a float in the state buffer (PyTorch's is int64): exact up to 2²⁴ = 16,777,216 training
/// steps, beyond which it is rounded (it is only read when momentum is null, which the layer does not offer).
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchNormSteps
{
    /// <summary>
    /// The forward of a convolution whose output feeds a training batch norm: y = conv(x, w) + b on this thread's slice, and
    /// the slice's statistics of y (mean and M2 per output channel) written into this thread's partial slot while each output
    /// tile is in registers (<see cref="Conv2DKernels.ForwardWithStatistics(in Conv2DGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int)"/>),
    /// where <see cref="TrainingForward"/> with <c>statisticsGathered</c> reads them: the batch norm does not read y for them.
    /// </summary>
    public static void ConvolutionForward(in StepContext ctx, in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b,
        Span<float> y, Span<float> col)
    {
        int channels = g.OutChannels;
        Span<float> slot = ctx.Partials(ctx.Thread, 2 * channels);
        Conv2DKernels.ForwardWithStatistics(g, x, w, b, y, col, slot[..channels], slot.Slice(channels, channels), ctx.Count);
    }

    /// <summary>
    /// The training forward: y = (x − batch mean)·invStd·γ + β over the whole batch (all threads), and the running statistics
    /// updated (momentum, the unbiased variance, num_batches_tracked + 1) by thread 0. y may be x (in place). With
    /// <paramref name="relu"/>, y = max(that, 0) in the same pass (<see cref="BatchNormKernels.NormalizeRelu(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>).
    /// With <paramref name="statisticsGathered"/>, this thread's slice statistics are already in its partial slot
    /// (<see cref="ConvolutionForward"/> wrote them) and x is not read for them. <paramref name="yStride"/>: floats from one
    /// sample's y to the next (0: contiguous, C·S), as a branch writing its channels into a concatenation's rows does; x is contiguous.
    /// With a <paramref name="residual"/> (a residual block's shortcut, contiguous like x), y = that + residual, then the ReLU
    /// when <paramref name="relu"/>, in the same pass (<see cref="BatchNormKernels.NormalizeResidual(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>):
    /// the batch norm, the sum and the ReLU after it in one pass, y contiguous.
    /// </summary>
    public static void TrainingForward(in StepContext ctx, ReadOnlySpan<float> x, Span<float> y, int channels, int spatial,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> stats, ref float[] gather,
        Span<float> runningMean, Span<float> runningVar, Span<float> numBatchesTracked, float momentum, float eps, bool relu = false,
        bool statisticsGathered = false, int yStride = 0, ReadOnlySpan<float> residual = default)
    {
        int length = channels * spatial;
        if (yStride != 0) KernelArguments.StridedRows(y.Length, ctx.Count, length, yStride, nameof(y), nameof(yStride));
        if (!residual.IsEmpty && yStride != 0 && yStride != length)
            throw new ArgumentException("a residual sum needs contiguous rows of y.", nameof(yStride));
        int n = ctx.Count;
        Span<float> slot = ctx.Partials(ctx.Thread, 2 * channels);
        if (!statisticsGathered) BatchNormKernels.SliceStatistics(x, slot[..channels], slot.Slice(channels, channels), n, channels, spatial);
        ctx.Barrier();
        if (ctx.Thread == 0)
        {
            int threads = ctx.Threads;
            Span<float> all = Gather(in ctx, channels, ref gather);
            Span<float> mean = stats[..channels], invStd = stats.Slice(channels, channels);
            long tracked = (long)numBatchesTracked[0];
            BatchNormKernels.MergeStatistics(all[..(threads * channels)], all.Slice(threads * channels, threads * channels), ctx.SliceSizes,
                channels, spatial, eps, mean, invStd, runningMean, runningVar, momentum, ref tracked);
            numBatchesTracked[0] = tracked;
            BatchNormKernels.TrainingCoefficients(gamma, beta, mean, invStd, stats.Slice(2 * channels, channels), stats.Slice(3 * channels, channels));
        }
        ctx.Barrier();
        ReadOnlySpan<float> scale = stats.Slice(2 * channels, channels), shift = stats.Slice(3 * channels, channels);
        if (!residual.IsEmpty)
        {
            BatchNormKernels.NormalizeResidual(x, scale, shift, residual, y, n, channels, spatial, relu);
            return;
        }
        if (yStride == 0 || yStride == length)
        {
            if (relu) BatchNormKernels.NormalizeRelu(x, scale, shift, y, n, channels, spatial);
            else BatchNormKernels.Normalize(x, scale, shift, y, n, channels, spatial);
            return;
        }
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> xs = x.Slice(s * length, length);
            Span<float> ys = y.Slice(s * yStride, length);
            if (relu) BatchNormKernels.NormalizeRelu(xs, scale, shift, ys, 1, channels, spatial);
            else BatchNormKernels.Normalize(xs, scale, shift, ys, 1, channels, spatial);
        }
    }

    /// <summary>
    /// The backward: adds dγ and dβ over the whole batch into <paramref name="dgamma"/> and <paramref name="dbeta"/> (thread 0's
    /// gradients, the destination; empty while the layer is frozen) and, when <paramref name="dx"/> is not empty, writes the
    /// input gradient of this thread's rows. x is the forward's input, as saved; stats as the forward left them.
    /// </summary>
    public static void Backward(in StepContext ctx, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int channels, int spatial,
        ReadOnlySpan<float> gamma, Span<float> stats, ref float[] gather, Span<float> dgamma, Span<float> dbeta)
        => BackwardCore(in ctx, x, default, dy, dx, channels, spatial, gamma, stats, ref gather, dgamma, dbeta, relu: false);

    /// <summary>
    /// The backward of batch norm followed by ReLU (the forward ran <see cref="TrainingForward"/> with <c>relu</c>): as
    /// <see cref="Backward(in StepContext, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, ReadOnlySpan{float}, Span{float}, ref float[], Span{float}, Span{float})"/>
    /// with dy the gradient of the ReLU's output <paramref name="y"/>, masked (y &gt; 0) inside both passes
    /// (<see cref="BatchNormKernels.SliceGradientSumsRelu(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int)"/>,
    /// <see cref="BatchNormKernels.InputGradientRelu(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>),
    /// so the gradient before the ReLU is never written out.
    /// </summary>
    public static void BackwardRelu(in StepContext ctx, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int channels, int spatial,
        ReadOnlySpan<float> gamma, Span<float> stats, ref float[] gather, Span<float> dgamma, Span<float> dbeta)
        => BackwardCore(in ctx, x, y, dy, dx, channels, spatial, gamma, stats, ref gather, dgamma, dbeta, relu: true);

    private static void BackwardCore(in StepContext ctx, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int channels, int spatial,
        ReadOnlySpan<float> gamma, Span<float> stats, ref float[] gather, Span<float> dgamma, Span<float> dbeta, bool relu)
    {
        int n = ctx.Count;
        ReadOnlySpan<float> mean = stats[..channels], invStd = stats.Slice(channels, channels);
        Span<float> slot = ctx.Partials(ctx.Thread, 2 * channels);
        if (relu) BatchNormKernels.SliceGradientSumsRelu(x, y, dy, mean, slot[..channels], slot.Slice(channels, channels), n, channels, spatial);
        else BatchNormKernels.SliceGradientSums(x, dy, mean, slot[..channels], slot.Slice(channels, channels), n, channels, spatial);
        ctx.Barrier();
        Span<float> coefficients = stats.Slice(4 * channels, 3 * channels);
        if (ctx.Thread == 0)
        {
            int threads = ctx.Threads;
            Span<float> all = Gather(in ctx, channels, ref gather);
            BatchNormKernels.MergeGradientSums(all[..(threads * channels)], all.Slice(threads * channels, threads * channels), channels, ctx.Batch, spatial,
                gamma, invStd, dgamma, dbeta, coefficients);
        }
        ctx.Barrier();
        if (dx.IsEmpty) return;
        if (relu) BatchNormKernels.InputGradientRelu(x, y, dy, mean, coefficients, dx, n, channels, spatial, accumulate: false);
        else BatchNormKernels.InputGradient(x, dy, mean, coefficients, dx, n, channels, spatial, accumulate: false);
    }

    /// <summary>
    /// Evaluation coefficients from the running statistics into <paramref name="scaleShift"/> (2·C: scale, then shift), for a
    /// batch norm that evaluation does not fold.
    /// </summary>
    public static void EvaluationCoefficients(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean,
        ReadOnlySpan<float> runningVar, float eps, Span<float> scaleShift)
    {
        int channels = gamma.Length;
        BatchNormKernels.EvaluationCoefficients(gamma, beta, runningMean, runningVar, eps, scaleShift[..channels], scaleShift.Slice(channels, channels));
    }

    // Thread 0: every thread's [mean | m2] (or [Σdy | Σdy·(x − mean)]) slot, laid out as (2, threads, C).
    private static Span<float> Gather(in StepContext ctx, int channels, ref float[] gather)
    {
        int threads = ctx.Threads;
        int need = 2 * threads * channels;
        if (gather.Length < need) gather = new float[need];
        Span<float> all = gather.AsSpan(0, need);
        for (int t = 0; t < threads; t++)
        {
            Span<float> slot = ctx.Partials(t, 2 * channels);
            slot[..channels].CopyTo(all.Slice(t * channels, channels));
            slot.Slice(channels, channels).CopyTo(all.Slice((threads + t) * channels, channels));
        }
        return all;
    }
}
