namespace Compiled.Networks.Tests.Smoke;

/// <summary>Deterministic inputs for the smoke tests.</summary>
internal static class SmokeData
{
    public static float[] Inputs(int count, int seed)
    {
        var random = new SeededRandom((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextFloat();
        return values;
    }

    public static int[] Labels(int count, int classes, int seed)
    {
        var random = new SeededRandom((ulong)seed);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.NextInt(classes);
        return labels;
    }

    public static void AssertFinite(float[] values, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(float.IsFinite(values[i]), $"{what}[{i}] is {values[i]}");
        }
    }
}
