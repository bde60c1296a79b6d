using System;
using System.Numerics;

namespace Compiled.Kernels.Reference;

/// <summary>
/// Plain loops for <see cref="BatchNormKernels"/>, over the whole batch at once (no slices): x (n, C, S), every per-channel
/// vector (C). The textbook formulas: x̂ = (x − mean)/√(var + eps), y = γ·x̂ + β.
/// </summary>
public static class BatchNormReference
{
    /// <summary>
    /// Training forward: batch mean and biased variance per channel (two passes), y (written), mean and invStd (written,
    /// saved for backward), the running statistics updated with the unbiased variance; numBatchesTracked incremented;
    /// a null momentum is PyTorch's cumulative average (1/numBatchesTracked).
    /// </summary>
    public static void TrainingForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> y, Span<T> mean, Span<T> invStd,
        Span<T> runningMean, Span<T> runningVar, int n, int channels, int spatial, double? momentum, double eps, ref long numBatchesTracked)
        where T : IFloatingPointIeee754<T>
    {
        numBatchesTracked++;
        T factor = T.CreateChecked(momentum ?? 1.0 / numBatchesTracked);
        T count = T.CreateChecked(n * spatial);
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int s = 0; s < n; s++)
            for (int i = 0; i < spatial; i++)
                sum += x[(s * channels + c) * spatial + i];
            T m = sum / count;
            T squares = T.Zero;
            for (int s = 0; s < n; s++)
            for (int i = 0; i < spatial; i++)
            {
                T d = x[(s * channels + c) * spatial + i] - m;
                squares += d * d;
            }
            T istd = T.One / T.Sqrt(squares / count + T.CreateChecked(eps));
            for (int s = 0; s < n; s++)
            for (int i = 0; i < spatial; i++)
            {
                int index = (s * channels + c) * spatial + i;
                y[index] = gamma[c] * ((x[index] - m) * istd) + beta[c];
            }
            mean[c] = m;
            invStd[c] = istd;
            runningMean[c] = (T.One - factor) * runningMean[c] + factor * m;
            runningVar[c] = (T.One - factor) * runningVar[c] + factor * (squares / (count - T.One));
        }
    }

    /// <summary>
    /// Training backward, with x̂ = (x − mean)·invStd and M = n·S: dgamma += Σ dy·x̂, dbeta += Σ dy,
    /// dx = γ·invStd/M·(M·dy − Σdy − x̂·Σdy·x̂) (written).
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> gamma, ReadOnlySpan<T> mean, ReadOnlySpan<T> invStd,
        Span<T> dx, Span<T> dgamma, Span<T> dbeta, int n, int channels, int spatial)
        where T : IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(n * spatial);
        for (int c = 0; c < channels; c++)
        {
            T sumDy = T.Zero, sumDyXhat = T.Zero;
            for (int s = 0; s < n; s++)
            for (int i = 0; i < spatial; i++)
            {
                int index = (s * channels + c) * spatial + i;
                sumDy += dy[index];
                sumDyXhat += dy[index] * (x[index] - mean[c]) * invStd[c];
            }
            dgamma[c] += sumDyXhat;
            dbeta[c] += sumDy;
            for (int s = 0; s < n; s++)
            for (int i = 0; i < spatial; i++)
            {
                int index = (s * channels + c) * spatial + i;
                T xhat = (x[index] - mean[c]) * invStd[c];
                dx[index] = gamma[c] * invStd[c] / count * (count * dy[index] - sumDy - xhat * sumDyXhat);
            }
        }
    }

    /// <summary>Evaluation forward: y = γ·(x − running_mean)/√(running_var + eps) + β (written).</summary>
    public static void EvaluationForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVar,
        double eps, Span<T> y, int n, int channels, int spatial)
        where T : IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
        for (int c = 0; c < channels; c++)
        {
            T istd = T.One / T.Sqrt(runningVar[c] + T.CreateChecked(eps));
            for (int i = 0; i < spatial; i++)
            {
                int index = (s * channels + c) * spatial + i;
                y[index] = gamma[c] * ((x[index] - runningMean[c]) * istd) + beta[c];
            }
        }
    }
}
