using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// Reads the committed PyTorch fixtures in <c>tests/fixtures/pytorch/</c> (made by <c>tests/fixtures/make_fixtures.py</c>).
/// The directory is found by walking up from the test assembly to the folder holding <c>Compiled.sln</c>.
/// </summary>
internal static class Fixtures
{
    private static readonly ConcurrentDictionary<string, JsonDocument> s_documents = new();

    public static string Directory { get; } = Locate();

    /// <summary>The widths every fixture test runs at (each is emulated where the CPU lacks it).</summary>
    public static readonly VectorWidth[] Widths = { VectorWidth.Scalar, VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 };

    public static JsonElement Root(string file) =>
        s_documents.GetOrAdd(file, f => JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, f)))).RootElement;

    public static JsonElement Case(string file, string name)
    {
        foreach (JsonElement c in Root(file).GetProperty("cases").EnumerateArray())
            if (c.GetProperty("name").GetString() == name) return c;
        throw new ArgumentException($"{file} has no case '{name}'.", nameof(name));
    }

    /// <summary>The name of every case in <paramref name="file"/>, in file order; throws when there is none.</summary>
    public static IEnumerable<string> CaseNames(string file)
    {
        var names = new List<string>();
        foreach (JsonElement c in Root(file).GetProperty("cases").EnumerateArray())
            names.Add(c.GetProperty("name").GetString()!);
        if (names.Count == 0) throw new InvalidDataException($"{file} has no cases: the tests reading it would check nothing.");
        return names;
    }

    /// <summary>Every case of <paramref name="file"/> at every vector width.</summary>
    public static TheoryData<string, VectorWidth> CasesAtEveryWidth(string file, Func<JsonElement, bool>? where = null)
    {
        var data = new TheoryData<string, VectorWidth>();
        foreach (JsonElement c in Root(file).GetProperty("cases").EnumerateArray())
        {
            if (where is not null && !where(c)) continue;
            foreach (VectorWidth width in Widths) data.Add(c.GetProperty("name").GetString()!, width);
        }
        if (data.Count == 0) throw new InvalidDataException($"{file} has no (matching) cases: the tests reading it would check nothing.");
        return data;
    }

    /// <summary>The float32 data of tensor <paramref name="name"/> ({"shape", "data"}), parsed directly as float.</summary>
    public static float[] Floats(this JsonElement owner, string name)
    {
        JsonElement data = owner.GetProperty(name).GetProperty("data");
        var values = new float[data.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in data.EnumerateArray()) values[i++] = v.GetSingle();
        return values;
    }

    /// <summary>As <see cref="Floats"/>, or an empty array when the tensor is absent (a layer without bias).</summary>
    public static float[] FloatsOrEmpty(this JsonElement owner, string name) =>
        owner.TryGetProperty(name, out _) ? owner.Floats(name) : Array.Empty<float>();

    public static int[] Ints(this JsonElement owner, string name)
    {
        JsonElement data = owner.GetProperty(name).GetProperty("data");
        var values = new int[data.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in data.EnumerateArray()) values[i++] = v.GetInt32();
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

    public static int Int(this JsonElement owner, string name) => owner.GetProperty(name).GetInt32();

    public static float Float(this JsonElement owner, string name) => owner.GetProperty(name).GetSingle();

    public static JsonElement Config(this JsonElement testCase) => testCase.GetProperty("config");

    private static string Locate()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Compiled.sln")))
                return Path.Combine(dir.FullName, "tests", "fixtures", "pytorch");
        }
        throw new DirectoryNotFoundException($"No directory holding Compiled.sln above {AppContext.BaseDirectory}: cannot find tests/fixtures/pytorch.");
    }
}
