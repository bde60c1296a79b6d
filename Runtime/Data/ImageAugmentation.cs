using System;
using System.Collections.Generic;

namespace Compiled.Data;

/// <summary>
/// Random augmentation of <c>[C, H, W]</c> training images, torchvision's <c>RandomCrop(H, padding=p)</c> followed by
/// <c>RandomHorizontalFlip(p)</c>: the image is padded by <see cref="Padding"/> pixels of <see cref="PadValue"/> on every
/// side, an <c>H × W</c> window is cut at offsets drawn uniformly from <c>[0, 2·padding]</c> per axis, and the window is
/// mirrored left-right with probability <see cref="FlipProbability"/>.
/// </summary>
/// <remarks>
/// <para>
/// torchvision pads the raw image (black: 0) before <c>Normalize</c>; the datasets here are standardized once up front, so
/// the pad value must be what a raw 0 becomes after standardization: <c>(0 − mean[c]) / std[c]</c>.
/// <see cref="ForStandardized"/> takes it from the <see cref="Standardization"/> the data went through
/// (<see cref="Standardization.ValueOf"/>); pass 0 for data that was not standardized.
/// </para>
/// <para>
/// The draws are stateless: each sample's offsets and flip come from a hash of (seed, epoch, the sample's index in the
/// dataset), like the dropout masks, so they depend neither on the batch order, the thread count nor on where a run was
/// resumed. <see cref="BatchIterator"/> applies it to the training batches it gathers (the trainer's
/// <see cref="Training.TrainerOptions.Augmentation"/>); evaluation never sees it.
/// </para>
/// </remarks>
public sealed class ImageAugmentation
{
    // Separates the augmentation's stream from the shuffles' (DeriveSeed(seed, epoch)) drawn from the same seed.
    private const ulong Stream = 0x41_75_67_6D_65_6E_74UL; // "Augment"

    private readonly float[] _padValue;

    /// <param name="padding">Zero-padding (in pixels, ≥ 0) on every side before the random crop; 0: no crop.</param>
    /// <param name="flipProbability">Probability in [0, 1] of a horizontal flip; 0: no flip.</param>
    /// <param name="padValue">The padding's value: one per channel, or one for all channels.</param>
    public ImageAugmentation(int padding, double flipProbability, ReadOnlySpan<float> padValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (!(flipProbability >= 0 && flipProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(flipProbability), flipProbability, "The flip probability must be in [0, 1].");
        if (padValue.IsEmpty) throw new ArgumentException("Need a pad value (one per channel, or one for all).", nameof(padValue));
        foreach (float v in padValue)
            if (!float.IsFinite(v)) throw new ArgumentException($"Pad values must be finite; got {v}.", nameof(padValue));
        Padding = padding;
        FlipProbability = flipProbability;
        _padValue = padValue.ToArray();
    }

    /// <summary>
    /// The augmentation for data standardized with <paramref name="standardization"/>: the padding is a black (raw 0) pixel
    /// after standardization, per channel.
    /// </summary>
    public static ImageAugmentation ForStandardized(Standardization standardization, int padding, double flipProbability)
    {
        ArgumentNullException.ThrowIfNull(standardization);
        return new ImageAugmentation(padding, flipProbability, standardization.ValueOf(0f));
    }

    /// <summary>Pixels of padding on every side before the crop (torchvision's <c>padding</c>).</summary>
    public int Padding { get; }

    /// <summary>Probability of a horizontal flip (torchvision's <c>RandomHorizontalFlip(p)</c>).</summary>
    public double FlipProbability { get; }

    /// <summary>The padding's value, per channel (or one for all channels).</summary>
    public IReadOnlyList<float> PadValue => _padValue;

    /// <summary>
    /// The draws for sample <paramref name="sample"/> (its index in the dataset) in epoch <paramref name="epoch"/>:
    /// the crop's top and left offsets in the padded image, each in <c>[0, 2·Padding]</c>, and whether it is flipped.
    /// </summary>
    public (int Top, int Left, bool Flip) Draw(ulong seed, int epoch, int sample)
    {
        ulong h = SeededRandom.DeriveSeed(SeededRandom.DeriveSeed(SeededRandom.DeriveSeed(seed, Stream), (ulong)epoch), (ulong)sample);
        ulong span = (ulong)(2 * Padding + 1);
        // Multiply-shift maps 32 uniform bits onto [0, span): bias below span / 2^32, far under anything measurable.
        int top = (int)(((h & 0xFFFF_FFFFUL) * span) >> 32);
        int left = (int)(((h >> 32) * span) >> 32);
        ulong g = SeededRandom.DeriveSeed(h, 1);
        bool flip = (g >> 11) * (1.0 / (1UL << 53)) < FlipProbability;
        return (top, left, flip);
    }

    /// <summary>Checks that samples shaped <paramref name="shape"/> can be augmented: <c>[C, H, W]</c> with a pad value per channel (or one).</summary>
    public void Check(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count != 3)
            throw new ArgumentException($"Image augmentation needs [C, H, W] samples; these are [{string.Join(", ", shape)}].", nameof(shape));
        if (_padValue.Length != 1 && _padValue.Length != shape[0])
            throw new ArgumentException($"The augmentation has {_padValue.Length} pad values; the samples [{string.Join(", ", shape)}] have {shape[0]} channels.", nameof(shape));
    }

    /// <summary>
    /// Writes the augmented <paramref name="source"/> (one <c>[C, H, W]</c> sample) to <paramref name="destination"/>:
    /// <c>destination[c, y, x] = padded[c, y + top, x' + left]</c> with <c>x' = W − 1 − x</c> when flipped, else <c>x</c>.
    /// </summary>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, IReadOnlyList<int> shape, int top, int left, bool flip)
    {
        Check(shape);
        int channels = shape[0], height = shape[1], width = shape[2];
        int plane = height * width;
        if (source.Length != channels * plane || destination.Length != channels * plane)
            throw new ArgumentException($"A [{channels}, {height}, {width}] sample has {channels * plane} values; got {source.Length} in and {destination.Length} out.");
        int p = Padding;
        if (top < 0 || top > 2 * p || left < 0 || left > 2 * p)
            throw new ArgumentOutOfRangeException(nameof(top), $"Crop offsets must be in [0, {2 * p}]; got top {top}, left {left}.");
        int dy = top - p, dx = left - p;   // source row = y + dy; source column = x' + dx
        // Columns x' whose source column is inside the image: [x0, x1).
        int x0 = Math.Max(0, -dx), x1 = Math.Min(width, width - dx);
        for (int c = 0; c < channels; c++)
        {
            float pad = _padValue.Length == 1 ? _padValue[0] : _padValue[c];
            ReadOnlySpan<float> from = source.Slice(c * plane, plane);
            Span<float> to = destination.Slice(c * plane, plane);
            for (int y = 0; y < height; y++)
            {
                Span<float> row = to.Slice(y * width, width);
                int sy = y + dy;
                if (sy < 0 || sy >= height || x0 >= x1)
                {
                    row.Fill(pad);
                    continue;
                }
                ReadOnlySpan<float> inside = from.Slice(sy * width + x0 + dx, x1 - x0);
                if (!flip)
                {
                    row[..x0].Fill(pad);
                    inside.CopyTo(row[x0..x1]);
                    row[x1..].Fill(pad);
                }
                else
                {
                    // Flipped: x = W − 1 − x', so the columns x' in [x0, x1) land reversed at x in (W − 1 − x1, W − 1 − x0].
                    row[(width - x0)..].Fill(pad);
                    row[..(width - x1)].Fill(pad);
                    for (int i = 0; i < inside.Length; i++)
                        row[width - 1 - x0 - i] = inside[i];
                }
            }
        }
    }

    /// <summary>Augments one sample: <see cref="Draw"/> with the seed, epoch and dataset index, then <see cref="Apply(ReadOnlySpan{float}, Span{float}, IReadOnlyList{int}, int, int, bool)"/>.</summary>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, IReadOnlyList<int> shape, ulong seed, int epoch, int sample)
    {
        (int top, int left, bool flip) = Draw(seed, epoch, sample);
        Apply(source, destination, shape, top, left, flip);
    }
}
