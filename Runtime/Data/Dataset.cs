using System;
using System.Collections.Generic;

namespace Compiled.Data;

/// <summary>
/// Labelled samples in memory: features <c>[Count, SampleLength]</c> (row-major floats, one row per sample, each row
/// laid out as <see cref="SampleShape"/>, e.g. <c>[1, 28, 28]</c>) and integer class labels <c>[Count]</c>.
/// </summary>
/// <remarks>
/// Subsets (<see cref="Take"/>, <see cref="Select"/>, <see cref="Split(int, ulong)"/>) copy their samples, so each dataset owns its
/// arrays and <see cref="Standardization.Apply"/> (in place) on one never changes another.
/// </remarks>
public sealed class Dataset
{
    private readonly int[] _sampleShape;

    /// <param name="features">[count, sampleLength] floats; kept, not copied.</param>
    /// <param name="labels">[count] class indices ≥ 0; kept, not copied.</param>
    /// <param name="sampleShape">Shape of one sample; its product is the sample length.</param>
    public Dataset(float[] features, int[] labels, ReadOnlySpan<int> sampleShape)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (sampleShape.IsEmpty)
            throw new ArgumentException("The sample shape needs at least one dimension.", nameof(sampleShape));
        long length = 1;
        foreach (int d in sampleShape)
        {
            if (d <= 0) throw new ArgumentException($"Sample dimensions must be > 0; got [{string.Join(", ", sampleShape.ToArray())}].", nameof(sampleShape));
            length *= d;
        }
        if ((long)labels.Length * length != features.Length)
            throw new ArgumentException($"{labels.Length} labels × {length} floats per sample = {(long)labels.Length * length} floats, but there are {features.Length} features.", nameof(features));
        int classes = 0;
        foreach (int label in labels)
        {
            if (label < 0) throw new ArgumentException($"Labels must be ≥ 0; found {label}.", nameof(labels));
            classes = Math.Max(classes, label + 1);
        }
        Features = features;
        Labels = labels;
        _sampleShape = sampleShape.ToArray();
        SampleLength = (int)length;
        ClassCount = classes;
    }

    /// <summary>[Count, SampleLength] floats, row-major.</summary>
    public float[] Features { get; }

    /// <summary>[Count] class indices.</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;

    /// <summary>Shape of one sample, e.g. <c>[1, 28, 28]</c>.</summary>
    public IReadOnlyList<int> SampleShape => _sampleShape;

    /// <summary>Floats per sample (product of <see cref="SampleShape"/>).</summary>
    public int SampleLength { get; }

    /// <summary>Largest label + 1.</summary>
    public int ClassCount { get; }

    /// <summary>The features of sample <paramref name="index"/>, [SampleLength].</summary>
    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(checked(index * SampleLength), SampleLength);

    /// <summary>Samples from IDX bytes (pixels 0..255 scaled to [0, 1] as <c>x / 255</c>).</summary>
    /// <param name="images">[count, ...sampleShape] bytes.</param>
    /// <param name="labels">[count] bytes.</param>
    /// <param name="sampleShape">Shape of one sample, e.g. [1, 28, 28].</param>
    public static Dataset FromBytes(ReadOnlySpan<byte> images, ReadOnlySpan<byte> labels, ReadOnlySpan<int> sampleShape)
    {
        var features = new float[images.Length];
        for (int i = 0; i < images.Length; i++)
            features[i] = images[i] / 255f; // as torchvision's ToTensor: x.float().div(255)
        var classes = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
            classes[i] = labels[i];
        return new Dataset(features, classes, sampleShape);
    }

    /// <summary>The first <paramref name="count"/> samples (a copy), e.g. a subset for a quick run.</summary>
    public Dataset Take(int count)
    {
        if (count <= 0 || count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Take needs 1..{Count} samples.");
        return new Dataset(Features.AsSpan(0, count * SampleLength).ToArray(), Labels.AsSpan(0, count).ToArray(), _sampleShape);
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order (a copy).</summary>
    public Dataset Select(ReadOnlySpan<int> indices)
    {
        if (indices.IsEmpty) throw new ArgumentException("Select needs at least one index.", nameof(indices));
        var features = new float[indices.Length * SampleLength];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int source = indices[i];
            if ((uint)source >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), source, $"Index {source} is outside 0..{Count - 1}.");
            Sample(source).CopyTo(features.AsSpan(i * SampleLength, SampleLength));
            labels[i] = Labels[source];
        }
        return new Dataset(features, labels, _sampleShape);
    }

    /// <summary>
    /// A seeded random split: <paramref name="validationCount"/> samples go to the validation set, the rest to the training set;
    /// each keeps the original order of its samples.
    /// </summary>
    public (Dataset Train, Dataset Validation) Split(int validationCount, ulong seed)
    {
        if (validationCount <= 0 || validationCount >= Count)
            throw new ArgumentOutOfRangeException(nameof(validationCount), validationCount, $"A split of {Count} samples needs 1..{Count - 1} validation samples.");
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new SeededRandom(seed).Shuffle(order);
        Span<int> validation = order.AsSpan(0, validationCount);
        Span<int> train = order.AsSpan(validationCount);
        validation.Sort();
        train.Sort();
        return (Select(train), Select(validation));
    }

    /// <summary>As <see cref="Split(int, ulong)"/> with round(<paramref name="validationFraction"/> · Count) validation samples.</summary>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, ulong seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in (0, 1).");
        int count = (int)Math.Round(validationFraction * Count, MidpointRounding.AwayFromZero);
        return Split(Math.Clamp(count, 1, Count - 1), seed);
    }
}
