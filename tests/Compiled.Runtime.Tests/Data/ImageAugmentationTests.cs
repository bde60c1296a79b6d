using System;
using System.IO;
using System.Linq;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Optimizers;
using Compiled.Runtime.Tests.Training;
using Compiled.Training;

namespace Compiled.Runtime.Tests.Data;

/// <summary>Random crop with padding and horizontal flip (torchvision's RandomCrop + RandomHorizontalFlip) on training batches.</summary>
public sealed class ImageAugmentationTests
{
    // The definition spelled out: pad the image with the channel's value, cut the window at (top, left), mirror it.
    private static float[] Reference(float[] source, int channels, int height, int width, int padding, float[] pad, int top, int left, bool flip)
    {
        int ph = height + 2 * padding, pw = width + 2 * padding;
        var padded = new float[channels, ph, pw];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < ph; y++)
                for (int x = 0; x < pw; x++)
                {
                    int sy = y - padding, sx = x - padding;
                    padded[c, y, x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? source[(c * height + sy) * width + sx] : pad[pad.Length == 1 ? 0 : c];
                }
        var result = new float[channels * height * width];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    float cropped = padded[c, y + top, (flip ? width - 1 - x : x) + left];
                    result[(c * height + y) * width + x] = cropped;
                }
        return result;
    }

    private static float[] Image(int length) => Enumerable.Range(0, length).Select(i => 1f + i).ToArray();

    [Theory]
    [InlineData(1, 5, 4, 2)]
    [InlineData(2, 3, 6, 1)]
    [InlineData(3, 4, 4, 4)]   // padding as large as the image: some windows are all padding
    [InlineData(1, 2, 3, 0)]   // no padding: only the flip
    public void Every_offset_and_flip_matches_the_padded_crop_spelled_out(int channels, int height, int width, int padding)
    {
        float[] pad = channels == 1 ? [-0.4242f] : Enumerable.Range(0, channels).Select(c => -1f - c).ToArray();
        var augmentation = new ImageAugmentation(padding, 0.5, pad);
        int[] shape = [channels, height, width];
        float[] source = Image(channels * height * width);
        var destination = new float[source.Length];
        for (int top = 0; top <= 2 * padding; top++)
            for (int left = 0; left <= 2 * padding; left++)
                foreach (bool flip in new[] { false, true })
                {
                    Array.Fill(destination, float.NaN);
                    augmentation.Apply(source, destination, shape, top, left, flip);
                    Assert.Equal(Reference(source, channels, height, width, padding, pad, top, left, flip), destination);
                }
        // The centered, unflipped window is the image itself.
        augmentation.Apply(source, destination, shape, padding, padding, false);
        Assert.Equal(source, destination);
    }

    [Fact]
    public void Offsets_cover_zero_to_twice_the_padding_uniformly_and_about_half_are_flipped()
    {
        var augmentation = new ImageAugmentation(2, 0.5, [0f]);
        const int n = 20000;
        var tops = new int[5];
        var lefts = new int[5];
        int flips = 0;
        for (int s = 0; s < n; s++)
        {
            (int top, int left, bool flip) = augmentation.Draw(seed: 7, epoch: s % 3, sample: s);
            tops[top]++;
            lefts[left]++;
            if (flip) flips++;
        }
        // Each of the 5 offsets has probability 1/5 (4000 expected, sd ≈ 57); flips 10000 expected (sd ≈ 71).
        Assert.All(tops, count => Assert.InRange(count, 3700, 4300));
        Assert.All(lefts, count => Assert.InRange(count, 3700, 4300));
        Assert.InRange(flips, 9650, 10350);

        var never = new ImageAugmentation(3, 0, [0f]);
        var always = new ImageAugmentation(3, 1, [0f]);
        for (int s = 0; s < 1000; s++)
        {
            Assert.False(never.Draw(1, 0, s).Flip);
            Assert.True(always.Draw(1, 0, s).Flip);
        }
    }

    [Fact]
    public void Draws_depend_on_seed_epoch_and_sample_only()
    {
        var augmentation = new ImageAugmentation(4, 0.5, [0f]);
        Assert.Equal(augmentation.Draw(3, 2, 17), new ImageAugmentation(4, 0.5, [1f]).Draw(3, 2, 17));
        int differ(Func<int, (int, int, bool)> a, Func<int, (int, int, bool)> b) => Enumerable.Range(0, 200).Count(s => a(s) != b(s));
        Assert.True(differ(s => augmentation.Draw(3, 2, s), s => augmentation.Draw(4, 2, s)) > 100);   // another seed
        Assert.True(differ(s => augmentation.Draw(3, 2, s), s => augmentation.Draw(3, 3, s)) > 100);   // another epoch
        Assert.True(differ(s => augmentation.Draw(3, 2, s), s => augmentation.Draw(3, 2, s + 1)) > 100);   // another sample
    }

    [Fact]
    public void The_pad_value_is_a_black_pixel_after_standardization()
    {
        var data = new Dataset([0f, 0.5f, 1f, 1f, 0f, 0.2f, 0.7f, 0.9f], [0, 1], [2, 1, 2]);
        Standardization standardization = Standardization.Fit(data);
        var black = new Dataset(new float[4], [0], [2, 1, 2]);
        standardization.Apply(black);
        var augmentation = ImageAugmentation.ForStandardized(standardization, padding: 1, flipProbability: 0.5);
        Assert.Equal([black.Features[0], black.Features[2]], augmentation.PadValue);   // bit for bit, per channel
        Assert.NotEqual(augmentation.PadValue[0], augmentation.PadValue[1]);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_problem_named()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmentation(-1, 0.5, [0f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmentation(1, 1.5, [0f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmentation(1, double.NaN, [0f]));
        Assert.Throws<ArgumentException>(() => new ImageAugmentation(1, 0.5, ReadOnlySpan<float>.Empty));
        var flat = new Dataset(new float[12], [0, 1], [6]);
        Assert.Contains("[C, H, W]", Assert.Throws<ArgumentException>(() => new BatchIterator(flat, 2, augmentation: new ImageAugmentation(1, 0.5, [0f]))).Message);
        var rgb = new Dataset(new float[24], [0, 1], [3, 2, 2]);
        Assert.Contains("3 channels", Assert.Throws<ArgumentException>(() => new BatchIterator(rgb, 2, augmentation: new ImageAugmentation(1, 0.5, [0f, 0f]))).Message);
        var augmentation = new ImageAugmentation(1, 0.5, [0f]);
        Assert.Throws<ArgumentOutOfRangeException>(() => augmentation.Apply(new float[4], new float[4], [1, 2, 2], 3, 0, false));
    }

    // 50 single-channel 3x4 images, pixel values unique across the dataset, label = index.
    private static Dataset Images(int count = 50)
    {
        var features = new float[count * 12];
        for (int i = 0; i < features.Length; i++) features[i] = 1f + i;
        return new Dataset(features, Enumerable.Range(0, count).ToArray(), [1, 3, 4]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Each_batch_sample_is_its_dataset_row_augmented_with_its_own_draw(bool shuffle)
    {
        Dataset data = Images();
        float[] original = (float[])data.Features.Clone();
        var augmentation = new ImageAugmentation(2, 0.5, [-9f]);
        var iterator = new BatchIterator(data, 8, shuffle, seed: 11, augmentation: augmentation);
        var expected = new float[12];
        for (int epoch = 0; epoch < 2; epoch++)
        {
            int seen = 0, changed = 0;
            foreach (Batch batch in iterator.Epoch(epoch))
                for (int i = 0; i < batch.Size; i++)
                {
                    int sample = batch.Labels[i];
                    (int top, int left, bool flip) = augmentation.Draw(11, epoch, sample);
                    float[] row = original.AsSpan(sample * 12, 12).ToArray();
                    Assert.Equal(Reference(row, 1, 3, 4, 2, [-9f], top, left, flip), batch.Inputs.Slice(i * 12, 12).ToArray());
                    if (!batch.Inputs.Slice(i * 12, 12).SequenceEqual(row)) changed++;
                    seen++;
                }
            Assert.Equal(50, seen);
            Assert.True(changed > 30, $"only {changed} of 50 samples were changed");
        }
        Assert.Equal(original, data.Features);   // the dataset itself is untouched
    }

    [Fact]
    public void Two_iterators_with_the_same_seed_and_epoch_give_the_same_batches_and_resume_continues_them()
    {
        var augmentation = new ImageAugmentation(1, 0.5, [0f]);
        var a = new BatchIterator(Images(), 16, seed: 4, augmentation: augmentation);
        var b = new BatchIterator(Images(), 16, seed: 4, augmentation: new ImageAugmentation(1, 0.5, [0f]));
        var batchesA = Collect(a.Epoch(3));
        var state = new Compiled.Serialization.StateBag();
        // b reads half of epoch 3, saves its position; a fresh iterator resumes from there.
        var enumerator = b.Epoch(3);
        Assert.True(enumerator.MoveNext());
        Assert.True(enumerator.MoveNext());
        Assert.Equal(batchesA[1], enumerator.Current.Inputs.ToArray());
        b.WriteState(state);
        var c = new BatchIterator(Images(), 16, seed: 4, augmentation: augmentation);
        c.ReadState(state);
        var rest = Collect(c.Resume());
        Assert.Equal(batchesA.Skip(2), rest);
    }

    private static System.Collections.Generic.List<float[]> Collect(BatchEnumerator batches)
    {
        var list = new System.Collections.Generic.List<float[]>();
        foreach (Batch batch in batches) list.Add(batch.Inputs.ToArray());
        return list;
    }

    private const int Classes = 3;

    private static (SoftmaxRegression Net, Trainer Trainer) MakeTrainer(int epochs, ImageAugmentation? augmentation, string? path = null)
    {
        var net = new SoftmaxRegression(12, Classes);
        net.Initialize(3);
        var trainer = new Trainer(net, new Adam(0.01f), new TrainerOptions
        {
            Epochs = epochs, BatchSize = 16, Seed = 5, Output = null, Augmentation = augmentation, CheckpointPath = path,
        });
        return (net, trainer);
    }

    private static Dataset Labelled(int count, int seed)
    {
        var random = new SeededRandom((ulong)seed);
        var features = new float[count * 12];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            labels[s] = s % Classes;
            for (int i = 0; i < 12; i++) features[s * 12 + i] = random.NextFloat() + (i % Classes == labels[s] ? 1f : 0f);
        }
        return new Dataset(features, labels, [1, 3, 4]);
    }

    [Fact]
    public void The_identity_augmentation_trains_bit_for_bit_like_none_and_validation_is_never_augmented()
    {
        Dataset train = Labelled(120, 1), validation = Labelled(60, 2);
        var (plainNet, plain) = MakeTrainer(3, null);
        TrainingHistory h0 = plain.Fit(train, validation);
        var (identityNet, identity) = MakeTrainer(3, new ImageAugmentation(0, 0, [0f]));
        TrainingHistory h1 = identity.Fit(train, validation);
        Assert.Equal(plainNet.Parameters, identityNet.Parameters);
        Assert.Equal(h0.Epochs.Select(e => e.TrainLoss), h1.Epochs.Select(e => e.TrainLoss));

        // With a real augmentation the training differs, but the validation loss is the network's on the raw validation set.
        var (augmentedNet, augmented) = MakeTrainer(1, new ImageAugmentation(1, 0.5, [0f]));
        TrainingHistory h2 = augmented.Fit(train, validation);
        Assert.NotEqual(plainNet.Parameters, augmentedNet.Parameters);
        Assert.Equal(h2.Epochs[0].ValidationLoss!.Value, new Evaluator().Evaluate(augmentedNet, validation).Loss);
    }

    [Fact]
    public void An_augmented_run_resumed_from_its_checkpoint_is_the_uninterrupted_run_bit_for_bit()
    {
        Dataset train = Labelled(120, 1);
        string dir = Directory.CreateTempSubdirectory("compiled-augment").FullName;
        try
        {
            var augmentation = new ImageAugmentation(1, 0.5, [0f]);
            var (straightNet, straight) = MakeTrainer(4, augmentation);
            straight.Fit(train);
            string path = Path.Combine(dir, "run.ckpt");
            var (_, first) = MakeTrainer(2, augmentation, path);
            first.Fit(train);
            var (resumedNet, resumed) = MakeTrainer(4, augmentation);
            resumed.Resume(path, train);
            Assert.Equal(straightNet.Parameters, resumedNet.Parameters);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
