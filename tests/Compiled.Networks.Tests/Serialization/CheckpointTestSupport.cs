using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>A temporary directory for one test, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("compiled-serialization-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>A stateful object for the tests: a counter and a buffer, and a switch that makes reading fail.</summary>
internal sealed class TestState(string kind = "TestState") : IStateful
{
    public long Counter { get; set; }
    public double Rate { get; set; }
    public float[] Values { get; set; } = [];
    public string Label { get; set; } = "";
    public bool FailOnRead { get; set; }

    public string StateKind => kind;

    public void WriteState(StateBag state)
    {
        state.Integers["counter"] = Counter;
        state.Scalars["rate"] = Rate;
        state.Buffers["values"] = (float[])Values.Clone();
        var child = new StateBag();
        child.Integers["label_length"] = Label.Length;
        child.Buffers["label"] = Label.Select(c => (float)c).ToArray();
        state.Children["label"] = child;
    }

    public void ReadState(StateBag state)
    {
        if (FailOnRead) throw new InvalidDataException("TestState refuses to read (FailOnRead).");
        if (!state.Integers.TryGetValue("counter", out long counter) || !state.Scalars.TryGetValue("rate", out double rate)
            || !state.Buffers.TryGetValue("values", out float[]? values) || !state.Children.TryGetValue("label", out StateBag? child))
            throw new InvalidDataException("TestState lacks an entry.");
        Counter = counter;
        Rate = rate;
        Values = (float[])values.Clone();
        Label = new string(child.Buffers["label"].Select(v => (char)v).ToArray());
    }
}

internal static class CheckpointAssert
{
    /// <summary>Bitwise comparison (NaN payloads and signed zeros included).</summary>
    public static void BitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    public static InvalidDataException Fails(Action action, params string[] fragments)
    {
        var error = Assert.Throws<InvalidDataException>(action);
        foreach (string fragment in fragments)
            Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), $"The message lacks '{fragment}': {error.Message}");
        return error;
    }

    public static Dictionary<string, IStateful> States(params (string Name, IStateful State)[] entries)
        => entries.ToDictionary(e => e.Name, e => e.State);
}
