using System;
using System.Collections.Generic;

namespace Compiled.Data;

/// <summary>
/// Samples in memory: features <c>[Count, SampleLength]</c> (row-major floats, one row per sample, each row laid out as
/// <see cref="SampleShape"/>, e.g. <c>[1, 28, 28]</c>) and either integer class labels <c>[Count]</c> (classification with
/// cross-entropy or hinge heads) or float targets <c>[Count, TargetLength]</c> (regression with MSE, binary or multi-label
/// BCE, soft or one-hot cross-entropy targets).
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
        int length = SampleLengthOf(sampleShape);
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
        Targets = [];
        _sampleShape = sampleShape.ToArray();
        SampleLength = length;
        ClassCount = classes;
        Count = labels.Length;
    }

    /// <param name="features">[count, sampleLength] floats; kept, not copied.</param>
    /// <param name="targets">[count, targetLength] float targets (regression values, 0/1 or probabilities for BCE, one-hot or soft rows for cross-entropy); kept, not copied.</param>
    /// <param name="sampleShape">Shape of one sample; its product is the sample length.</param>
    /// <param name="targetLength">Floats per target row (the network's outputs).</param>
    public Dataset(float[] features, float[] targets, ReadOnlySpan<int> sampleShape, int targetLength)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetLength);
        int length = SampleLengthOf(sampleShape);
        if (features.Length % length != 0)
            throw new ArgumentException($"{features.Length} features are not a whole number of samples of {length} floats.", nameof(features));
        int count = features.Length / length;
        if ((long)count * targetLength != targets.Length)
            throw new ArgumentException($"{count} samples × {targetLength} targets per sample = {(long)count * targetLength} floats, but there are {targets.Length} targets.", nameof(targets));
        for (int i = 0; i < targets.Length; i++)
            if (!float.IsFinite(targets[i]))
                throw new ArgumentException($"Target {i % targetLength} of sample {i / targetLength} is {targets[i]}; targets must be finite.", nameof(targets));
        Features = features;
        Labels = [];
        Targets = targets;
        TargetLength = targetLength;
        _sampleShape = sampleShape.ToArray();
        SampleLength = length;
        Count = count;
    }

    /// <summary>[Count, SampleLength] floats, row-major.</summary>
    public float[] Features { get; }

    /// <summary>[Count] class indices; empty when the dataset has float targets instead.</summary>
    public int[] Labels { get; }

    /// <summary>[Count, TargetLength] float targets; empty when the dataset has class labels instead.</summary>
    public float[] Targets { get; }

    /// <summary>True when the samples carry float targets (<see cref="Targets"/>) rather than class labels.</summary>
    public bool HasTargets => TargetLength > 0;

    /// <summary>Floats per target row, or 0 for a dataset of class labels.</summary>
    public int TargetLength { get; }

    public int Count { get; }

    /// <summary>Shape of one sample, e.g. <c>[1, 28, 28]</c>.</summary>
    public IReadOnlyList<int> SampleShape => _sampleShape;

    /// <summary>Floats per sample (product of <see cref="SampleShape"/>).</summary>
    public int SampleLength { get; }

    /// <summary>Largest label + 1 (0 for a dataset of float targets).</summary>
    public int ClassCount { get; }

    /// <summary>The features of sample <paramref name="index"/>, [SampleLength].</summary>
    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(checked(index * SampleLength), SampleLength);

    /// <summary>The targets of sample <paramref name="index"/>, [TargetLength] (float-target datasets only).</summary>
    public ReadOnlySpan<float> Target(int index) => HasTargets
        ? Targets.AsSpan(checked(index * TargetLength), TargetLength)
        : throw new InvalidOperationException("This dataset has class labels, not float targets.");

    /// <summary>
    /// The same samples with one-hot float targets <c>[Count, classes]</c> instead of labels (a copy), e.g. to train a
    /// sigmoid/BCE or MSE head on class labels. With <paramref name="classes"/> = 1 the target is the label itself (0 or 1).
    /// </summary>
    public Dataset OneHot(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (HasTargets) throw new InvalidOperationException("This dataset already has float targets.");
        if (classes == 1 ? ClassCount > 2 : classes < ClassCount)
            throw new ArgumentException($"The labels go up to {ClassCount - 1}; {classes} target column(s) cannot hold them.", nameof(classes));
        var targets = new float[Count * classes];
        for (int i = 0; i < Count; i++)
        {
            if (classes == 1) targets[i] = Labels[i];
            else targets[i * classes + Labels[i]] = 1f;
        }
        return new Dataset((float[])Features.Clone(), targets, _sampleShape, classes);
    }

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
        float[] features = Features.AsSpan(0, count * SampleLength).ToArray();
        return HasTargets
            ? new Dataset(features, Targets.AsSpan(0, count * TargetLength).ToArray(), _sampleShape, TargetLength)
            : new Dataset(features, Labels.AsSpan(0, count).ToArray(), _sampleShape);
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order (a copy).</summary>
    public Dataset Select(ReadOnlySpan<int> indices)
    {
        if (indices.IsEmpty) throw new ArgumentException("Select needs at least one index.", nameof(indices));
        var features = new float[indices.Length * SampleLength];
        var labels = new int[HasTargets ? 0 : indices.Length];
        var targets = new float[indices.Length * TargetLength];
        for (int i = 0; i < indices.Length; i++)
        {
            int source = indices[i];
            if ((uint)source >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), source, $"Index {source} is outside 0..{Count - 1}.");
            Sample(source).CopyTo(features.AsSpan(i * SampleLength, SampleLength));
            if (HasTargets) Target(source).CopyTo(targets.AsSpan(i * TargetLength, TargetLength));
            else labels[i] = Labels[source];
        }
        return HasTargets ? new Dataset(features, targets, _sampleShape, TargetLength) : new Dataset(features, labels, _sampleShape);
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

    private static int SampleLengthOf(ReadOnlySpan<int> sampleShape)
    {
        if (sampleShape.IsEmpty)
            throw new ArgumentException("The sample shape needs at least one dimension.", nameof(sampleShape));
        long length = 1;
        foreach (int d in sampleShape)
        {
            if (d <= 0) throw new ArgumentException($"Sample dimensions must be > 0; got [{string.Join(", ", sampleShape.ToArray())}].", nameof(sampleShape));
            length *= d;
        }
        if (length > int.MaxValue) throw new ArgumentException($"A sample of [{string.Join(", ", sampleShape.ToArray())}] has more than {int.MaxValue} floats.", nameof(sampleShape));
        return (int)length;
    }
}
