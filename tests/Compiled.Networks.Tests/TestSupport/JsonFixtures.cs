using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Compiled.Networks.Tests.TestSupport;

/// <summary>Cases of the per-layer PyTorch fixtures (tests/fixtures/pytorch/*.json): tensors as {"shape", "data"}, float32 values.</summary>
internal static class JsonFixtures
{
    private static readonly ConcurrentDictionary<string, JsonDocument> s_documents = new();

    public static JsonElement Root(string file)
        => s_documents.GetOrAdd(file, f => JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.PyTorchFixtures, f)))).RootElement;

    public static JsonElement Case(string file, string name)
    {
        foreach (JsonElement c in Root(file).GetProperty("cases").EnumerateArray())
            if (c.GetProperty("name").GetString() == name) return c;
        throw new ArgumentException($"{file} has no case '{name}'.", nameof(name));
    }

    /// <summary>The name of every case in <paramref name="file"/>, in file order; throws when there is none.</summary>
    public static List<string> CaseNames(string file)
    {
        var names = new List<string>();
        foreach (JsonElement c in Root(file).GetProperty("cases").EnumerateArray())
            names.Add(c.GetProperty("name").GetString()!);
        if (names.Count == 0) throw new InvalidDataException($"{file} has no cases: the tests reading it would check nothing.");
        return names;
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
