using System;
using System.IO;
using System.Runtime.Intrinsics.X86;
using Compiled.Networks;
using Compiled.Serialization;

namespace Compiled.Data;

/// <summary>
/// Mini-batches over a <see cref="Dataset"/>: each epoch a seeded shuffle (a function of the seed and the epoch number only,
/// so a run can resume at any epoch), then batches copied into two reusable buffers, with no allocation per batch.
/// Without shuffling nothing is copied: a batch is a view of consecutive rows of the dataset.
/// The last batch is partial when the batch size does not divide the count, unless <c>dropLast</c> is set.
/// </summary>
/// <remarks>
/// <code>
/// var batches = new BatchIterator(train, batchSize: 64, shuffle: true, seed: 1);
/// foreach (Batch batch in batches.Epoch(epoch))
///     loss += net.TrainStep(batch.Inputs, batch.Labels, batch.Size);
/// </code>
/// A batch's spans point into the iterator's buffers (without shuffling: into the dataset) and are valid until the next
/// batch is fetched: run one epoch at a time. A dataset of float targets gives <see cref="Batch.Targets"/> instead of labels.
/// With an <see cref="ImageAugmentation"/> every sample is copied through it (shuffled or not): its draws depend on the seed,
/// the epoch and the sample's index in the dataset only. Without one the batches are exactly those of an iterator that has none.
/// The iterator's position (epoch and next batch) is its <see cref="IStateful"/> state: a checkpoint restores it and
/// <see cref="Resume"/> continues with exactly the batches an uninterrupted run would have seen.
/// </remarks>
public sealed class BatchIterator : IStateful, IBatchGather
{
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private readonly float[] _targets;
    private readonly int[] _order;
    private readonly SeededRandom _random;
    private readonly bool _copies;   // batches are gathered into the buffers (shuffled or augmented), not views of the dataset
    private int _start;
    private int _size;       // samples in the current batch
    private bool _deferred;  // the current epoch's rows are gathered by IBatchGather.Gather, not when a batch is fetched

    // Rows prefetched ahead of the one being copied: a shuffled row is a random ~3 KB block of a dataset far larger than
    // the caches, so without help every copy stalls on DRAM; two rows ahead keeps the next rows' lines in flight
    // (measured on MNIST rows: the batch copy takes ~40% less time).
    private const int PrefetchRows = 2;

    /// <param name="data">The samples.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Shuffle each epoch (seeded by <paramref name="seed"/> and the epoch).</param>
    /// <param name="seed">Seed of the shuffles and of the augmentation's draws.</param>
    /// <param name="dropLast">Leave out the last, partial batch.</param>
    /// <param name="augmentation">Applied to every sample of every batch (training data only); null: none.</param>
    public BatchIterator(Dataset data, int batchSize, bool shuffle = true, ulong seed = 0, bool dropLast = false, ImageAugmentation? augmentation = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (data.Count == 0) throw new ArgumentException("The dataset is empty.", nameof(data));
        if (dropLast && batchSize > data.Count)
            throw new ArgumentException($"With dropLast, a batch of {batchSize} needs at least that many samples; the dataset has {data.Count}.", nameof(batchSize));
        augmentation?.Check(data.SampleShape);
        Data = data;
        Augmentation = augmentation;
        _copies = shuffle || augmentation is not null;
        BatchSize = batchSize;
        Shuffles = shuffle;
        Seed = seed;
        DropLast = dropLast;
        BatchCount = dropLast ? data.Count / batchSize : (data.Count + batchSize - 1) / batchSize;
        _inputs = _copies ? new float[batchSize * data.SampleLength] : [];
        _labels = _copies && !data.HasTargets ? new int[batchSize] : [];
        _targets = _copies && data.HasTargets ? new float[batchSize * data.TargetLength] : [];
        _order = new int[data.Count];
        _random = new SeededRandom(seed);
    }

    public Dataset Data { get; }
    public int BatchSize { get; }
    public bool Shuffles { get; }
    public ulong Seed { get; }
    public bool DropLast { get; }

    /// <summary>The augmentation applied to every sample of a batch, or null.</summary>
    public ImageAugmentation? Augmentation { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>Samples per epoch (all of them, or the full batches only with dropLast).</summary>
    public int SamplesPerEpoch => DropLast ? BatchCount * BatchSize : Data.Count;

    /// <summary>The epoch (0-based) of the last <see cref="Epoch(int)"/> or <see cref="Resume"/> call, or −1 before the first.</summary>
    public int CurrentEpoch { get; private set; } = -1;

    /// <summary>Index of the next batch the current epoch will deliver (<see cref="BatchCount"/> once it is done).</summary>
    public int NextBatch { get; private set; }

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based): the order depends only on the seed and the epoch.</summary>
    public BatchEnumerator Epoch(int epoch) => Start(epoch, 0, deferGather: false);

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, with <paramref name="deferGather"/>: each batch's rows are copied when
    /// the step that trains on it calls <see cref="IBatchGather.Gather"/> (pass this iterator as
    /// <see cref="Networks.StepOptions.Gather"/>), each thread of the step its own rows, rather than on the caller's thread
    /// when the batch is fetched. Until then a batch's spans hold the previous batch's rows (zeros at first), so a loop
    /// that starts an epoch this way must train each batch through a step that gathers it. The same batches either way.
    /// </summary>
    public BatchEnumerator Epoch(int epoch, bool deferGather) => Start(epoch, 0, deferGather);

    /// <summary>
    /// The rest of the epoch the iterator was in (after <see cref="ReadState"/>): the batches from <see cref="NextBatch"/> on,
    /// in that epoch's order; the next epoch when the current one was finished.
    /// </summary>
    public BatchEnumerator Resume()
    {
        if (CurrentEpoch < 0) return Start(0, 0, deferGather: false);
        return NextBatch >= BatchCount ? Start(CurrentEpoch + 1, 0, deferGather: false) : Start(CurrentEpoch, NextBatch, deferGather: false);
    }

    private BatchEnumerator Start(int epoch, int firstBatch, bool deferGather)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Shuffles)
        {
            _random.Reseed(SeededRandom.DeriveSeed(Seed, (ulong)epoch));
            _random.Shuffle(_order);
        }
        CurrentEpoch = epoch;
        NextBatch = firstBatch;
        _deferred = deferGather;
        _size = 0;
        return new BatchEnumerator(this, firstBatch);
    }

    /// <inheritdoc/>
    public string StateKind => nameof(BatchIterator);

    /// <inheritdoc/>
    public void WriteState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Integers["seed"] = unchecked((long)Seed);
        state.Integers["epoch"] = CurrentEpoch;
        state.Integers["next_batch"] = NextBatch;
        state.Integers["batch_count"] = BatchCount;
    }

    /// <inheritdoc/>
    public void ReadState(StateBag state)
    {
        ArgumentNullException.ThrowIfNull(state);
        long seed = Get(state, "seed"), epoch = Get(state, "epoch"), next = Get(state, "next_batch"), count = Get(state, "batch_count");
        if (unchecked((ulong)seed) != Seed)
            throw new InvalidDataException($"The saved batch iterator was seeded with {unchecked((ulong)seed)}; this one with {Seed}: the shuffles would differ.");
        if (count != BatchCount)
            throw new InvalidDataException($"The saved batch iterator had {count} batches per epoch; this one has {BatchCount} (a different dataset or batch size).");
        if (epoch < -1 || epoch > int.MaxValue) throw new InvalidDataException($"The saved epoch {epoch} is out of range.");
        if (next < 0 || next > BatchCount) throw new InvalidDataException($"The saved next batch {next} is outside 0..{BatchCount}.");
        CurrentEpoch = (int)epoch;
        NextBatch = (int)next;
    }

    private static long Get(StateBag state, string name) =>
        state.Integers.TryGetValue(name, out long value) ? value : throw new InvalidDataException($"BatchIterator state has no integer '{name}'.");

    internal void Advance(int next) => NextBatch = next;

    /// <summary>
    /// Makes batch <paramref name="index"/> of the current epoch's order the current one and, unless the epoch defers the
    /// gather, fills the buffers with its rows (shuffled or augmented only); returns its size.
    /// </summary>
    internal int Fill(int index)
    {
        int start = index * BatchSize;
        int size = Math.Min(BatchSize, Data.Count - start);
        _start = start;
        _size = size;
        if (!_deferred) FillRows(0, size);
        return size;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The current epoch was not started with <c>deferGather: true</c>, or no batch was fetched yet.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rows are not inside the current batch.</exception>
    void IBatchGather.Gather(int first, int count)
    {
        if (!_deferred)
            throw new InvalidOperationException("This epoch's batches were gathered when fetched: start it with Epoch(epoch, deferGather: true) to gather them in the step.");
        if (_size == 0) throw new InvalidOperationException("No batch of this epoch was fetched yet.");
        if (first < 0 || count < 0 || first > _size - count)
            throw new ArgumentOutOfRangeException(nameof(first), $"Rows [{first}, {(long)first + count}) are not inside the current batch of {_size}.");
        FillRows(first, count);
    }

    // Copies rows [first, first + count) of the current batch into the buffers (shuffled or augmented only; otherwise the
    // batch is rows [_start, _start + size) of the dataset itself and there is nothing to copy).
    private void FillRows(int first, int count)
    {
        if (!_copies) return;
        int start = _start;
        int length = Data.SampleLength;
        float[] features = Data.Features;
        int[] labels = Data.Labels;
        float[] targets = Data.Targets;
        int targetLength = Data.TargetLength;
        int[] order = _order;
        ImageAugmentation? augmentation = Augmentation;
        for (int i = first; i < first + count; i++)
        {
            int ahead = start + i + PrefetchRows;
            if (i + PrefetchRows < first + count) Prefetch(features, order[ahead] * length, length);
            int source = order[start + i];
            if (augmentation is null) features.AsSpan(source * length, length).CopyTo(_inputs.AsSpan(i * length, length));
            else augmentation.Apply(features.AsSpan(source * length, length), _inputs.AsSpan(i * length, length), Data.SampleShape, Seed, CurrentEpoch, source);
            if (targetLength > 0) targets.AsSpan(source * targetLength, targetLength).CopyTo(_targets.AsSpan(i * targetLength, targetLength));
            else _labels[i] = labels[source];
        }
    }

    // Hints the cache lines of features[offset .. offset + length) into the caches; does nothing without SSE.
    private static unsafe void Prefetch(float[] features, int offset, int length)
    {
        if (!Sse.IsSupported) return;
        fixed (float* row = &features[offset])
        {
            byte* first = (byte*)row;
            byte* end = (byte*)(row + length);
            for (byte* line = first; line < end; line += 64)
                Sse.Prefetch0(line);
            Sse.Prefetch0(end - 1);   // the last line when the row does not start on a line boundary
        }
    }

    internal ReadOnlySpan<float> Inputs(int size) => _copies
        ? _inputs.AsSpan(0, size * Data.SampleLength)
        : Data.Features.AsSpan(_start * Data.SampleLength, size * Data.SampleLength);

    internal ReadOnlySpan<int> Labels(int size) =>
        Data.HasTargets ? default : _copies ? _labels.AsSpan(0, size) : Data.Labels.AsSpan(_start, size);

    internal ReadOnlySpan<float> Targets(int size) =>
        !Data.HasTargets ? default
        : _copies ? _targets.AsSpan(0, size * Data.TargetLength) : Data.Targets.AsSpan(_start * Data.TargetLength, size * Data.TargetLength);
}

/// <summary>One mini-batch: inputs <c>[Size, SampleLength]</c> and labels <c>[Size]</c> (or float targets <c>[Size, TargetLength]</c>), valid until the next batch is fetched.</summary>
public readonly ref struct Batch
{
    internal Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int size, int index)
    {
        Inputs = inputs;
        Labels = labels;
        Targets = targets;
        Size = size;
        Index = index;
    }

    /// <summary>[Size, SampleLength] features.</summary>
    public ReadOnlySpan<float> Inputs { get; }

    /// <summary>[Size] class indices (empty for a dataset of float targets).</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>[Size, TargetLength] float targets (empty for a dataset of class labels).</summary>
    public ReadOnlySpan<float> Targets { get; }

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

    internal BatchEnumerator(BatchIterator iterator, int firstBatch)
    {
        _iterator = iterator;
        _index = firstBatch - 1;
        _size = 0;
    }

    public readonly BatchEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_index + 1 >= _iterator.BatchCount) return false;
        _index++;
        _size = _iterator.Fill(_index);
        _iterator.Advance(_index + 1);
        return true;
    }

    public readonly Batch Current => new(_iterator.Inputs(_size), _iterator.Labels(_size), _iterator.Targets(_size), _size, _index);
}
