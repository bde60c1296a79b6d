using System;
using System.Collections.Concurrent;
using System.IO;
using System.Text.Json;

namespace Compiled.Networks.Tests.TestSupport;

/// <summary>Cases of the per-layer PyTorch fixtures (tests/fixtures/pytorch/*.json): tensors as {"shape", "data"}, float32 values.</summary>
internal static class JsonFixtures
{
    private static readonly ConcurrentDictionary<string, JsonDocument> s_documents = new();

    public static JsonElement Case(string file, string name)
    {
        JsonDocument doc = s_documents.GetOrAdd(file, f => JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.PyTorchFixtures, f))));
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
            if (c.GetProperty("name").GetString() == name) return c;
        throw new ArgumentException($"{file} has no case '{name}'.", nameof(name));
    }

    public static float[] Floats(this JsonElement owner, string name)
    {
        JsonElement data = owner.GetProperty(name).GetProperty("data");
        var values = new float[data.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in data.EnumerateArray()) values[i++] = v.GetSingle();
        return values;
    }

    public static int[] Shape(this JsonElement owner, string name)
    {
        JsonElement shape = owner.GetProperty(name).GetProperty("shape");
        var dims = new int[shape.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in shape.EnumerateArray()) dims[i++] = v.GetInt32();
        return dims;
    }

    public static bool Has(this JsonElement owner, string name) => owner.TryGetProperty(name, out _);
}
