using System;
using System.Collections.Generic;

namespace Compiled.Data;

/// <summary>
/// Per-channel standardization <c>x' = (x − mean[c]) / std[c]</c>, fitted on the training split only and applied to every split.
/// Samples shaped <c>[C, H, W]</c> get one mean and standard deviation per channel; other shapes one over all features.
/// </summary>
public sealed class Standardization
{
    private readonly float[] _mean;
    private readonly float[] _std;

    public Standardization(ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        if (mean.IsEmpty || mean.Length != std.Length)
            throw new ArgumentException($"Need one mean and one standard deviation per channel; got {mean.Length} and {std.Length}.");
        foreach (float s in std)
            if (!(s > 0f) || !float.IsFinite(s))
                throw new ArgumentException($"Standard deviations must be finite and > 0; got {s}.", nameof(std));
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>Per-channel means.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>Per-channel (population) standard deviations; a constant channel gets 1.</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>
    /// What a constant raw value becomes after <see cref="Apply"/>, per channel: <c>(raw − mean[c]) / std[c]</c>, computed
    /// exactly as <see cref="Apply"/> does (e.g. the pad value of <see cref="ImageAugmentation"/>: a black pixel, raw 0).
    /// </summary>
    public float[] ValueOf(float raw)
    {
        var values = new float[_mean.Length];
        for (int c = 0; c < values.Length; c++)
            values[c] = (raw - _mean[c]) * (1f / _std[c]);
        return values;
    }

    /// <summary>Mean and population standard deviation of <paramref name="train"/>, per channel, accumulated in double.</summary>
    public static Standardization Fit(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        int channels = Channels(train);
        int plane = train.SampleLength / channels;
        var sum = new double[channels];
        var sumSq = new double[channels];
        float[] x = train.Features;
        for (int s = 0; s < train.Count; s++)
        {
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<float> values = x.AsSpan(s * train.SampleLength + c * plane, plane);
                double a = 0, b = 0;
                foreach (float v in values)
                {
                    a += v;
                    b += (double)v * v;
                }
                sum[c] += a;
                sumSq[c] += b;
            }
        }
        var mean = new float[channels];
        var std = new float[channels];
        double n = (double)train.Count * plane;
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / n;
            double variance = Math.Max(0, sumSq[c] / n - m * m);
            double sd = Math.Sqrt(variance);
            mean[c] = (float)m;
            std[c] = sd > 1e-12 ? (float)sd : 1f;
        }
        return new Standardization(mean, std);
    }

    /// <summary>Standardizes <paramref name="data"/> in place. Its sample shape must have as many channels as the fit.</summary>
    public void Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int channels = _mean.Length == 1 ? 1 : Channels(data);
        if (channels != _mean.Length)
            throw new ArgumentException($"This standardization has {_mean.Length} channel(s); the dataset's samples [{string.Join(", ", data.SampleShape)}] have {Channels(data)}.", nameof(data));
        int plane = data.SampleLength / channels;
        float[] x = data.Features;
        for (int s = 0; s < data.Count; s++)
        {
            for (int c = 0; c < channels; c++)
            {
                Span<float> values = x.AsSpan(s * data.SampleLength + c * plane, plane);
                float m = _mean[c];
                float inv = 1f / _std[c];
                for (int i = 0; i < values.Length; i++)
                    values[i] = (values[i] - m) * inv;
            }
        }
    }

    // [C, H, W] samples standardize per channel; anything else as one channel.
    private static int Channels(Dataset data) => data.SampleShape.Count == 3 ? data.SampleShape[0] : 1;
}
