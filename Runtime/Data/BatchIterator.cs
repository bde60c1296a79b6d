using System;

namespace Compiled.Data;

/// <summary>
/// Mini-batches over a <see cref="Dataset"/>: each epoch a seeded shuffle (a function of the seed and the epoch number only,
/// so a run can resume at any epoch), then batches copied into two reusable buffers, with no allocation per batch.
/// The last batch is partial when the batch size does not divide the count, unless <c>dropLast</c> is set.
/// </summary>
/// <remarks>
/// <code>
/// var batches = new BatchIterator(train, batchSize: 64, shuffle: true, seed: 1);
/// foreach (Batch batch in batches.Epoch(epoch))
///     loss += net.TrainStep(batch.Inputs, batch.Labels, batch.Size);
/// </code>
/// A batch's spans point into the iterator's buffers and are overwritten by the next batch: run one epoch at a time.
/// </remarks>
public sealed class BatchIterator
{
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private readonly int[] _order;
    private readonly SeededRandom _random;

    public BatchIterator(Dataset data, int batchSize, bool shuffle = true, ulong seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (data.Count == 0) throw new ArgumentException("The dataset is empty.", nameof(data));
        if (dropLast && batchSize > data.Count)
            throw new ArgumentException($"With dropLast, a batch of {batchSize} needs at least that many samples; the dataset has {data.Count}.", nameof(batchSize));
        Data = data;
        BatchSize = batchSize;
        Shuffles = shuffle;
        Seed = seed;
        DropLast = dropLast;
        BatchCount = dropLast ? data.Count / batchSize : (data.Count + batchSize - 1) / batchSize;
        _inputs = new float[batchSize * data.SampleLength];
        _labels = new int[batchSize];
        _order = new int[data.Count];
        _random = new SeededRandom(seed);
    }

    public Dataset Data { get; }
    public int BatchSize { get; }
    public bool Shuffles { get; }
    public ulong Seed { get; }
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>Samples per epoch (all of them, or the full batches only with dropLast).</summary>
    public int SamplesPerEpoch => DropLast ? BatchCount * BatchSize : Data.Count;

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based): the order depends only on the seed and the epoch.</summary>
    public BatchEnumerator Epoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Shuffles)
        {
            _random.Reseed(SeededRandom.DeriveSeed(Seed, (ulong)epoch));
            _random.Shuffle(_order);
        }
        return new BatchEnumerator(this);
    }

    /// <summary>Fills the buffers with batch <paramref name="index"/> of the current epoch's order; returns its size.</summary>
    internal int Fill(int index)
    {
        int start = index * BatchSize;
        int size = Math.Min(BatchSize, Data.Count - start);
        int length = Data.SampleLength;
        float[] features = Data.Features;
        int[] labels = Data.Labels;
        for (int i = 0; i < size; i++)
        {
            int source = _order[start + i];
            features.AsSpan(source * length, length).CopyTo(_inputs.AsSpan(i * length, length));
            _labels[i] = labels[source];
        }
        return size;
    }

    internal ReadOnlySpan<float> Inputs(int size) => _inputs.AsSpan(0, size * Data.SampleLength);

    internal ReadOnlySpan<int> Labels(int size) => _labels.AsSpan(0, size);
}

/// <summary>One mini-batch: inputs <c>[Size, SampleLength]</c> and labels <c>[Size]</c>, valid until the next batch is fetched.</summary>
public readonly ref struct Batch
{
    internal Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int size, int index)
    {
        Inputs = inputs;
        Labels = labels;
        Size = size;
        Index = index;
    }

    /// <summary>[Size, SampleLength] features.</summary>
    public ReadOnlySpan<float> Inputs { get; }

    /// <summary>[Size] class indices.</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>Samples in this batch (the batch size, or fewer for the last one).</summary>
    public int Size { get; }

    /// <summary>0-based position of the batch in its epoch.</summary>
    public int Index { get; }
}

/// <summary>Enumerates the batches of one epoch (<c>foreach</c> without allocation).</summary>
public ref struct BatchEnumerator
{
    private readonly BatchIterator _iterator;
    private int _index;
    private int _size;

    internal BatchEnumerator(BatchIterator iterator)
    {
        _iterator = iterator;
        _index = -1;
        _size = 0;
    }

    public readonly BatchEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_index + 1 >= _iterator.BatchCount) return false;
        _index++;
        _size = _iterator.Fill(_index);
        return true;
    }

    public readonly Batch Current => new(_iterator.Inputs(_size), _iterator.Labels(_size), _size, _index);
}
