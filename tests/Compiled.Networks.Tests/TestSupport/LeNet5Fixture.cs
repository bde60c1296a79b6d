using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Compiled.Networks.Tests.TestSupport;

/// <summary>
/// The PyTorch LeNet-5 reference (tests/fixtures/pytorch/lenet5.json + lenet5.bin): input [4, 1, 28, 28], labels,
/// parameters (PyTorch default init), logits, mean cross-entropy loss and every parameter gradient, by PyTorch name.
/// </summary>
internal sealed class LeNet5Fixture
{
    private static readonly Lazy<LeNet5Fixture> s_instance = new(Load);

    private LeNet5Fixture(int batch, float[] input, int[] labels, float[] logits, float loss,
        Dictionary<string, Tensor> parameters, Dictionary<string, Tensor> gradients)
    {
        Batch = batch;
        Input = input;
        Labels = labels;
        Logits = logits;
        Loss = loss;
        Parameters = parameters;
        Gradients = gradients;
    }

    public static LeNet5Fixture Instance => s_instance.Value;

    public int Batch { get; }
    /// <summary>[batch, 1, 28, 28]</summary>
    public float[] Input { get; }
    /// <summary>[batch]</summary>
    public int[] Labels { get; }
    /// <summary>[batch, 10]</summary>
    public float[] Logits { get; }
    /// <summary>Mean cross-entropy over the batch.</summary>
    public float Loss { get; }
    public IReadOnlyDictionary<string, Tensor> Parameters { get; }
    public IReadOnlyDictionary<string, Tensor> Gradients { get; }

    public sealed record Tensor(int[] Shape, float[] Data);

    /// <summary>Copies PyTorch's parameters into the network's buffer by name, checking every name and shape.</summary>
    public void LoadParametersInto(INetwork network)
    {
        int covered = 0;
        foreach (ParameterInfo info in network.ParameterTable)
        {
            Assert.True(Parameters.TryGetValue(info.Name, out Tensor? tensor), $"The fixture has no parameter '{info.Name}'.");
            Assert.Equal(tensor!.Shape, info.Shape);
            tensor.Data.AsSpan().CopyTo(network.Parameters.AsSpan(info.Offset, info.Length));
            covered += info.Length;
        }
        Assert.Equal(Parameters.Count, network.ParameterTable.Count);
        Assert.Equal(network.Parameters.Length, covered);
    }

    private static LeNet5Fixture Load()
    {
        string dir = RepositoryPaths.PyTorchFixtures;
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "lenet5.json")));
        JsonElement root = doc.RootElement;
        byte[] blob = File.ReadAllBytes(Path.Combine(dir, root.GetProperty("binary").GetString()!));

        var parameters = new Dictionary<string, Tensor>();
        var gradients = new Dictionary<string, Tensor>();
        float[]? input = null;
        foreach (JsonProperty entry in root.GetProperty("tensors").EnumerateObject())
        {
            int[] shape = Ints(entry.Value.GetProperty("shape"));
            int offset = entry.Value.GetProperty("offset").GetInt32();
            int length = 1;
            foreach (int d in shape) length *= d;
            var data = new float[length];
            for (int i = 0; i < length; i++)
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(blob.AsSpan((offset + i) * sizeof(float), sizeof(float)));
            var tensor = new Tensor(shape, data);
            if (entry.Name == "input") input = data;
            else if (entry.Name.StartsWith("param:", StringComparison.Ordinal)) parameters.Add(entry.Name["param:".Length..], tensor);
            else if (entry.Name.StartsWith("grad:", StringComparison.Ordinal)) gradients.Add(entry.Name["grad:".Length..], tensor);
            else throw new InvalidDataException($"lenet5.json: unexpected tensor '{entry.Name}'.");
        }

        return new LeNet5Fixture(
            root.GetProperty("batch").GetInt32(),
            input ?? throw new InvalidDataException("lenet5.json: no 'input' tensor."),
            Ints(root.GetProperty("labels").GetProperty("data")),
            Floats(root.GetProperty("logits").GetProperty("data")),
            root.GetProperty("loss").GetSingle(),
            parameters, gradients);
    }

    private static int[] Ints(JsonElement array)
    {
        var values = new int[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray()) values[i++] = v.GetInt32();
        return values;
    }

    private static float[] Floats(JsonElement array)
    {
        var values = new float[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray()) values[i++] = v.GetSingle();
        return values;
    }
}
