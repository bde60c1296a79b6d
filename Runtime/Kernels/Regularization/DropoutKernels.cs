using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Kernels;

/// <summary>
/// Inverted dropout (PyTorch <c>nn.Dropout</c>) and channel dropout (<c>nn.Dropout2d</c>) in training; evaluation is the
/// identity and needs no kernel. The mask holds 0 for a dropped element and 1/(1 − p) for a kept one, so y = x·mask and
/// dx = dy·mask. It is drawn from counter-based random bits that depend only on (seed, step, sample, element): a thread
/// computing samples [first, first + n) of a batch draws exactly the rows a single thread would (give each layer its own seed,
/// e.g. <c>SeededRandom.DeriveSeed(seed, layer)</c>, and advance <c>step</c> every training step).
/// </summary>
/// <remarks>Every span of one call is checked; nothing allocates. Forward writes y (y may be x); backward writes dx, or adds to
/// it when <c>accumulate</c> (a fork's gradients meet); dx may be dy when not accumulating.</remarks>
public static class DropoutKernels
{
    // ---- masks ----

    /// <summary>
    /// mask (n, L) for samples <paramref name="firstSample"/> … firstSample + n − 1 of training step <paramref name="step"/>:
    /// each element is 0 with probability p (to within 2⁻²⁴) and 1/(1 − p) otherwise. For <c>nn.Dropout</c>, L is a sample's
    /// whole length (features, or C·H·W).
    /// </summary>
    public static void Mask(ulong seed, long step, long firstSample, int n, int sampleLength, double p, Span<float> mask)
        => Mask(seed, step, firstSample, n, sampleLength, p, mask, Simd.Width);

    /// <inheritdoc cref="Mask(ulong, long, long, int, int, double, Span{float})"/>
    public static void Mask(ulong seed, long step, long firstSample, int n, int sampleLength, double p, Span<float> mask, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.Positive(sampleLength, nameof(sampleLength));
        if (firstSample < 0) throw new ArgumentOutOfRangeException(nameof(firstSample), firstSample, "firstSample must be zero or positive.");
        CheckRate(p);
        KernelArguments.AtLeast(mask.Length, (long)n * sampleLength, nameof(mask));

        uint threshold = DropoutRandom.Threshold(p);
        float scale = (float)(1.0 / (1.0 - p));
        VectorWidth rowWidth = VectorLanes.Narrow(width, sampleLength);
        for (int s = 0; s < n; s++)
        {
            uint key = DropoutRandom.SampleKey(seed, step, firstSample + s);
            ref float row = ref MemoryMarshal.GetReference(mask.Slice(s * sampleLength, sampleLength));
            switch (rowWidth)
            {
                case VectorWidth.V512: MaskRow512(key, threshold, scale, ref row, sampleLength); break;
                case VectorWidth.V256: MaskRow256(key, threshold, scale, ref row, sampleLength); break;
                case VectorWidth.V128: MaskRow128(key, threshold, scale, ref row, sampleLength); break;
                default:
                    for (int i = 0; i < sampleLength; i++)
                        System.Runtime.CompilerServices.Unsafe.Add(ref row, i) = DropoutRandom.Bits(key, (uint)i) >= threshold ? scale : 0f;
                    break;
            }
        }
    }

    /// <summary>The mask of <c>nn.Dropout2d</c>: channelMask (n, C), one value per channel of each sample (a whole H·W plane).</summary>
    public static void ChannelMask(ulong seed, long step, long firstSample, int n, int channels, double p, Span<float> channelMask)
        => Mask(seed, step, firstSample, n, channels, p, channelMask, Simd.Width);

    /// <inheritdoc cref="ChannelMask(ulong, long, long, int, int, double, Span{float})"/>
    public static void ChannelMask(ulong seed, long step, long firstSample, int n, int channels, double p, Span<float> channelMask, VectorWidth width)
        => Mask(seed, step, firstSample, n, channels, p, channelMask, width);

    // ---- element dropout ----

    /// <summary>y = x·mask (written; y may be x). x, mask and y have the same length.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y) => Forward(x, mask, y, Simd.Width);

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(mask.Length, x.Length, nameof(mask));
        KernelArguments.Exactly(y.Length, x.Length, nameof(y));
        ElementwiseDriver.Binary(new MultiplyOperator(), x, mask, y, width);
    }

    /// <summary>dx = dy·mask, or dx += dy·mask when <paramref name="accumulate"/>. dy, mask and dx have the same length.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx, bool accumulate) => Backward(dy, mask, dx, accumulate, Simd.Width);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, bool)"/>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx, bool accumulate, VectorWidth width)
    {
        KernelArguments.Width(width);
        KernelArguments.Exactly(mask.Length, dy.Length, nameof(mask));
        KernelArguments.Exactly(dx.Length, dy.Length, nameof(dx));
        if (accumulate) ElementwiseDriver.Ternary(new MultiplyThenAddOperator(), dy, mask, dx, dx, width);
        else ElementwiseDriver.Binary(new MultiplyOperator(), dy, mask, dx, width);
    }

    // ---- channel dropout ----

    /// <summary>y[s, c, :] = x[s, c, :]·channelMask[s, c] (written; y may be x). x and y are (n, C, S), channelMask (n, C).</summary>
    public static void ChannelForward(ReadOnlySpan<float> x, ReadOnlySpan<float> channelMask, Span<float> y, int n, int channels, int spatial)
        => ChannelForward(x, channelMask, y, n, channels, spatial, Simd.Width);

    /// <inheritdoc cref="ChannelForward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>
    public static void ChannelForward(ReadOnlySpan<float> x, ReadOnlySpan<float> channelMask, Span<float> y, int n, int channels, int spatial, VectorWidth width)
    {
        CheckChannels(x, channelMask, y, n, channels, spatial, width, nameof(x), nameof(y));
        RunChannels(new ChannelMultiplyOperator(false), x, channelMask, y, n, channels, spatial, width);
    }

    /// <summary>dx[s, c, :] = dy[s, c, :]·channelMask[s, c], or added to dx when <paramref name="accumulate"/>.</summary>
    public static void ChannelBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> channelMask, Span<float> dx, int n, int channels, int spatial, bool accumulate)
        => ChannelBackward(dy, channelMask, dx, n, channels, spatial, accumulate, Simd.Width);

    /// <inheritdoc cref="ChannelBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void ChannelBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> channelMask, Span<float> dx, int n, int channels, int spatial, bool accumulate, VectorWidth width)
    {
        CheckChannels(dy, channelMask, dx, n, channels, spatial, width, nameof(dy), nameof(dx));
        RunChannels(new ChannelMultiplyOperator(accumulate), dy, channelMask, dx, n, channels, spatial, width);
    }

    // ---- shared ----

    private static void RunChannels(ChannelMultiplyOperator op, ReadOnlySpan<float> x, ReadOnlySpan<float> channelMask, Span<float> y, int n, int channels, int spatial, VectorWidth width)
    {
        int sample = channels * spatial;
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> m = channelMask.Slice(s * channels, channels);
            ChannelDriver.Run(op, x.Slice(s * sample, sample), x.Slice(s * sample, sample), y.Slice(s * sample, sample), m, m, m, m, 1, channels, spatial, width);
        }
    }

    private static void CheckChannels(ReadOnlySpan<float> x, ReadOnlySpan<float> channelMask, Span<float> y, int n, int channels, int spatial, VectorWidth width, string xName, string yName)
    {
        KernelArguments.Width(width);
        KernelArguments.NonNegative(n, nameof(n));
        KernelArguments.Positive(channels, nameof(channels));
        KernelArguments.Positive(spatial, nameof(spatial));
        long length = (long)n * channels * spatial;
        KernelArguments.AtLeast(x.Length, length, xName);
        KernelArguments.AtLeast(y.Length, length, yName);
        KernelArguments.AtLeast(channelMask.Length, (long)n * channels, nameof(channelMask));
    }

    private static void CheckRate(double p)
    {
        if (!(p >= 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The dropout rate p must be in [0, 1): the probability of zeroing an element (p = 1 would drop everything).");
    }

    // The overlapped tail recomputes lanes the main loop already stored, with the same values: no mask needed.

    private static void MaskRow512(uint key, uint threshold, float scale, ref float row, int length)
    {
        Vector512<uint> step = Vector512.Create((uint)Vector512<float>.Count * DropoutRandom.Golden);
        Vector512<uint> counter = Vector512.Create(key) + Vector512<uint>.Indices * DropoutRandom.Golden;
        Vector512<int> limit = Vector512.Create((int)threshold);
        Vector512<float> kept = Vector512.Create(scale);
        int i = 0;
        for (; i + Vector512<float>.Count <= length; i += Vector512<float>.Count, counter += step)
            Keep512(counter, limit, kept).StoreUnsafe(ref row, (nuint)i);
        if (i < length)
        {
            int last = length - Vector512<float>.Count;
            counter = Vector512.Create(key + (uint)last * DropoutRandom.Golden) + Vector512<uint>.Indices * DropoutRandom.Golden;
            Keep512(counter, limit, kept).StoreUnsafe(ref row, (nuint)last);
        }
    }

    private static Vector512<float> Keep512(Vector512<uint> counter, Vector512<int> limit, Vector512<float> kept)
        => Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual((DropoutRandom.Mix32(counter) >>> 8).AsInt32(), limit).AsSingle(), kept, Vector512<float>.Zero);

    private static void MaskRow256(uint key, uint threshold, float scale, ref float row, int length)
    {
        Vector256<uint> step = Vector256.Create((uint)Vector256<float>.Count * DropoutRandom.Golden);
        Vector256<uint> counter = Vector256.Create(key) + Vector256<uint>.Indices * DropoutRandom.Golden;
        Vector256<int> limit = Vector256.Create((int)threshold);
        Vector256<float> kept = Vector256.Create(scale);
        int i = 0;
        for (; i + Vector256<float>.Count <= length; i += Vector256<float>.Count, counter += step)
            Keep256(counter, limit, kept).StoreUnsafe(ref row, (nuint)i);
        if (i < length)
        {
            int last = length - Vector256<float>.Count;
            counter = Vector256.Create(key + (uint)last * DropoutRandom.Golden) + Vector256<uint>.Indices * DropoutRandom.Golden;
            Keep256(counter, limit, kept).StoreUnsafe(ref row, (nuint)last);
        }
    }

    private static Vector256<float> Keep256(Vector256<uint> counter, Vector256<int> limit, Vector256<float> kept)
        => Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual((DropoutRandom.Mix32(counter) >>> 8).AsInt32(), limit).AsSingle(), kept, Vector256<float>.Zero);

    private static void MaskRow128(uint key, uint threshold, float scale, ref float row, int length)
    {
        Vector128<uint> step = Vector128.Create((uint)Vector128<float>.Count * DropoutRandom.Golden);
        Vector128<uint> counter = Vector128.Create(key) + Vector128<uint>.Indices * DropoutRandom.Golden;
        Vector128<int> limit = Vector128.Create((int)threshold);
        Vector128<float> kept = Vector128.Create(scale);
        int i = 0;
        for (; i + Vector128<float>.Count <= length; i += Vector128<float>.Count, counter += step)
            Keep128(counter, limit, kept).StoreUnsafe(ref row, (nuint)i);
        if (i < length)
        {
            int last = length - Vector128<float>.Count;
            counter = Vector128.Create(key + (uint)last * DropoutRandom.Golden) + Vector128<uint>.Indices * DropoutRandom.Golden;
            Keep128(counter, limit, kept).StoreUnsafe(ref row, (nuint)last);
        }
    }

    private static Vector128<float> Keep128(Vector128<uint> counter, Vector128<int> limit, Vector128<float> kept)
        => Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual((DropoutRandom.Mix32(counter) >>> 8).AsInt32(), limit).AsSingle(), kept, Vector128<float>.Zero);
}

/// <summary>x·y.</summary>
internal readonly struct MultiplyOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x * y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x * y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x * y;
}

/// <summary>x·y + z, rounded twice (a multiply, then an add), as the reference twin computes it.</summary>
internal readonly struct MultiplyThenAddOperator : ITernaryOperator
{
    public float Invoke(float x, float y, float z) => x * y + z;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> z) => x * y + z;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => x * y + z;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => x * y + z;
}

/// <summary>x·p0 (p0 the channel's mask value), written or added to dst.</summary>
internal readonly struct ChannelMultiplyOperator(bool accumulate) : IChannelOperator
{
    public float Invoke(float x, float dy, float dst, float p0, float p1, float p2, float p3) => accumulate ? x * p0 + dst : x * p0;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dst, Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3) => accumulate ? x * p0 + dst : x * p0;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dst, Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3) => accumulate ? x * p0 + dst : x * p0;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dst, Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3) => accumulate ? x * p0 + dst : x * p0;
}
