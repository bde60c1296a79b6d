using System;
using Compiled.Data;

namespace Compiled.Runtime.Tests.Training;

/// <summary>Gaussian blobs: class c centered at 2.5·e_c in [features] dimensions, unit noise. Nearly separable.</summary>
internal static class Blobs
{
    public static Dataset Make(int count, int features, int classes, ulong seed)
    {
        var random = new SeededRandom(seed);
        var x = new float[count * features];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.NextInt(classes);
            labels[i] = label;
            for (int f = 0; f < features; f++)
                x[i * features + f] = random.NextGaussian() + (f == label ? 2.5f : 0f);
        }
        return new Dataset(x, labels, [features]);
    }
}
