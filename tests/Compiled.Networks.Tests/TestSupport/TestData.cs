using System;

namespace Compiled.Networks.Tests.TestSupport;

/// <summary>Deterministic inputs and targets for network tests (Compiled.SeededRandom: same values on every machine).</summary>
internal static class TestData
{
    /// <summary>Uniform values in [low, high).</summary>
    public static float[] Uniform(int length, ulong seed, float low = 0f, float high = 1f)
    {
        var random = new SeededRandom(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (high - low) * random.NextFloat();
        return values;
    }

    /// <summary>N(0, scale²) values.</summary>
    public static float[] Gaussian(int length, ulong seed, float scale = 1f)
    {
        var random = new SeededRandom(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = scale * random.NextGaussian();
        return values;
    }

    /// <summary>Class labels in [0, classes).</summary>
    public static int[] Labels(int count, int classes, ulong seed)
    {
        var random = new SeededRandom(seed);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.NextInt(classes);
        return labels;
    }

    /// <summary>One-hot rows [labels.Length, classes].</summary>
    public static float[] OneHot(ReadOnlySpan<int> labels, int classes)
    {
        var rows = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++) rows[i * classes + labels[i]] = 1f;
        return rows;
    }

    /// <summary>Probability rows [rows, classes] (each row a softmax of Gaussian scores).</summary>
    public static float[] ProbabilityRows(int rows, int classes, ulong seed)
    {
        float[] scores = Gaussian(rows * classes, seed);
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = scores.AsSpan(r * classes, classes);
            double sum = 0;
            for (int j = 0; j < classes; j++) sum += Math.Exp(row[j]);
            for (int j = 0; j < classes; j++) row[j] = (float)(Math.Exp(row[j]) / sum);
        }
        return scores;
    }
}
