using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Data;

namespace Compiled.Runtime.Tests.Data;

public class DatasetTests
{
    // count samples of shape [2, 2, 3]; sample i's features are i·100 + j, label i mod 4.
    private static Dataset Make(int count, int channels = 2)
    {
        int length = channels * 6;
        float[] features = new float[count * length];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < length; j++)
                features[i * length + j] = i * 100 + j;
        int[] labels = Enumerable.Range(0, count).Select(i => i % 4).ToArray();
        return new Dataset(features, labels, [channels, 2, 3]);
    }

    [Fact]
    public void Construction_validates_and_describes()
    {
        Dataset data = Make(5);
        Assert.Equal(5, data.Count);
        Assert.Equal(12, data.SampleLength);
        Assert.Equal([2, 2, 3], data.SampleShape);
        Assert.Equal(4, data.ClassCount);
        Assert.Equal(300f, data.Sample(3)[0]);

        Assert.Throws<ArgumentException>(() => new Dataset(new float[10], new int[2], [4]));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[8], [0, -1], [4]));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[8], new int[2], [0, 4]));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[8], new int[2], []));
    }

    [Fact]
    public void FromBytes_scales_pixels_to_the_unit_interval()
    {
        Dataset data = Dataset.FromBytes([0, 255, 51, 102], [3, 7], [2]);
        Assert.Equal([0f, 1f, 0.2f, 0.4f], data.Features);
        Assert.Equal([3, 7], data.Labels);
        Assert.Equal(8, data.ClassCount);
    }

    [Fact]
    public void Take_and_Select_copy()
    {
        Dataset data = Make(10);
        Dataset first = data.Take(3);
        Assert.Equal(3, first.Count);
        Assert.Equal(data.Features.AsSpan(0, 36).ToArray(), first.Features);
        first.Features[0] = -1;
        Assert.Equal(0f, data.Features[0]);

        Dataset picked = data.Select([7, 2]);
        Assert.Equal(700f, picked.Sample(0)[0]);
        Assert.Equal(211f, picked.Sample(1)[11]);
        Assert.Equal([3, 2], picked.Labels);

        Assert.Throws<ArgumentOutOfRangeException>(() => data.Take(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Take(11));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Select([10]));
    }

    [Fact]
    public void Split_is_seeded_disjoint_complete_and_ordered()
    {
        Dataset data = Make(100);
        var (train, validation) = data.Split(20, seed: 5);
        Assert.Equal(80, train.Count);
        Assert.Equal(20, validation.Count);

        int Id(Dataset d, int i) => (int)(d.Sample(i)[0] / 100);
        int[] trainIds = Enumerable.Range(0, train.Count).Select(i => Id(train, i)).ToArray();
        int[] validationIds = Enumerable.Range(0, validation.Count).Select(i => Id(validation, i)).ToArray();
        Assert.Equal(Enumerable.Range(0, 100), trainIds.Concat(validationIds).Order());
        Assert.Equal(trainIds.Order(), trainIds);               // original order kept
        Assert.Equal(validationIds.Order(), validationIds);
        Assert.All(validationIds, id => Assert.Equal(id % 4, validation.Labels[Array.IndexOf(validationIds, id)]));

        var (_, again) = data.Split(20, seed: 5);
        var (_, other) = data.Split(20, seed: 6);
        Assert.Equal(validation.Features, again.Features);
        Assert.NotEqual(validation.Features, other.Features);
        Assert.NotEqual(Enumerable.Range(0, 20), validationIds);  // random, not the first 20

        var (fractionTrain, fractionValidation) = data.Split(0.25, seed: 1);
        Assert.Equal(75, fractionTrain.Count);
        Assert.Equal(25, fractionValidation.Count);

        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(100, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.0, 1));
    }

    [Fact]
    public void Standardization_is_fitted_on_train_per_channel_and_applied_to_other_splits()
    {
        var random = new SeededRandom(3);
        // Channel 0 ~ 5 + 2·N(0,1), channel 1 ~ −1 + 0.5·N(0,1); samples [2, 2, 3].
        Dataset Draw(int count)
        {
            var features = new float[count * 12];
            for (int i = 0; i < count; i++)
                for (int j = 0; j < 12; j++)
                    features[i * 12 + j] = j < 6 ? 5 + 2 * random.NextGaussian() : -1 + 0.5f * random.NextGaussian();
            return new Dataset(features, new int[count], [2, 2, 3]);
        }
        Dataset train = Draw(4000), test = Draw(3);
        float[] testBefore = (float[])test.Features.Clone();

        Standardization s = Standardization.Fit(train);
        Assert.Equal(2, s.Mean.Count);
        Assert.InRange(s.Mean[0], 4.9f, 5.1f);
        Assert.InRange(s.Std[0], 1.95f, 2.05f);
        Assert.InRange(s.Mean[1], -1.05f, -0.95f);
        Assert.InRange(s.Std[1], 0.48f, 0.52f);

        s.Apply(train);
        for (int c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, train.Count).SelectMany(i => train.Sample(i).Slice(c * 6, 6).ToArray()).Select(v => (double)v).ToArray();
            double mean = values.Average();
            Assert.InRange(mean, -1e-4, 1e-4);
            Assert.InRange(Math.Sqrt(values.Average(v => (v - mean) * (v - mean))), 0.9999, 1.0001);
        }

        s.Apply(test);  // with the training statistics, not its own
        for (int j = 0; j < test.Features.Length; j++)
        {
            int c = j % 12 < 6 ? 0 : 1;
            Assert.Equal((testBefore[j] - s.Mean[c]) / s.Std[c], test.Features[j], 4);
        }

        Assert.Throws<ArgumentException>(() => s.Apply(Make(2, channels: 3)));
    }

    [Fact]
    public void Standardization_of_flat_samples_uses_one_channel_and_survives_a_constant_input()
    {
        var data = new Dataset([1, 1, 1, 1], [0, 0], [2]);
        Standardization s = Standardization.Fit(data);
        Assert.Equal([1f], s.Mean);
        Assert.Equal([1f], s.Std);
        s.Apply(data);
        Assert.All(data.Features, v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => new Standardization([0f], [0f]));
    }
}
