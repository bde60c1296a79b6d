using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Compiled.Generator.Tests.Emission;
using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Blocks;

/// <summary>
/// The block networks of tests/fixtures/pytorch (make_network_fixtures_cnn.py: a small ResNet of basic blocks, its plain
/// twin, a ResNet of bottleneck blocks, an Inception-style net) generated from the very declaration the fixture records,
/// compiled and loaded in-process, PyTorch's parameters and running statistics loaded by name (torchvision's names, so
/// every name must match), then: evaluation output; one training step's loss, every gradient and the running statistics
/// after it; at 1 and 3 threads.
/// </summary>
public sealed class BlockFixtureTests
{
    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach ((string file, string type) in new[] { ("resnet_small.json", "TinyResNet"), ("resnet_plain.json", "TinyPlainNet"), ("resnet_bottleneck.json", "TinyBottleneckNet"), ("inception_small.json", "TinyInception") })
            foreach (int threads in new[] { 1, 3 })
                data.Add(file, type, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_PyTorch_in_evaluation_and_a_training_step(string file, string typeName, int threads)
    {
        JsonElement f = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), "tests", "fixtures", "pytorch", file))).RootElement;
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled;\n" + f.GetProperty("declaration").GetString());
        Assert.Empty(outcome.GeneratorDiagnostics);
        Type type = LoadedNetworks.Load(outcome).GetType(typeName, throwOnError: true)!;
        using var network = (ITrainableNetwork)Activator.CreateInstance(type, threads)!;
        Load(network.ParameterTable, network.Parameters, f.GetProperty("parameters"));
        Load(network.StateTable, network.StateBuffer, f.GetProperty("state"));
        int batch = f.GetProperty("batch").GetInt32();
        float[] input = Data(f.GetProperty("input"));
        int[] labels = Data(f.GetProperty("labels")).Select(v => (int)v).ToArray();
        string where = $"{file} at {threads} thread(s)";

        var output = new float[batch * network.OutputLength];
        network.Forward(input, output, batch);
        AssertClose(Data(f.GetProperty("evaluation").GetProperty("output")), output, 1e-5, 1e-4, $"{where}: evaluation output");

        JsonElement training = f.GetProperty("training");
        network.ZeroGradients();
        float loss = network.TrainStep(input, labels, batch);
        AssertClose(new[] { training.GetProperty("loss").GetSingle() }, new[] { loss }, 1e-5, 1e-5, $"{where}: training loss");
        foreach (ParameterInfo info in network.ParameterTable)
        {
            float[] expected = Data(training.GetProperty("gradients").GetProperty(info.Name));
            double scale = expected.Max(v => Math.Abs((double)v));
            AssertClose(expected, network.Gradients.AsSpan(info.Offset, info.Length).ToArray(), 1e-4 * Math.Max(scale, 1e-3), 1e-3, $"{where}: d{info.Name}");
        }
        foreach (ParameterInfo info in network.StateTable)
            AssertClose(Data(training.GetProperty("state").GetProperty(info.Name)), network.StateBuffer.AsSpan(info.Offset, info.Length).ToArray(), 1e-5, 1e-4, $"{where}: {info.Name} after the step");
    }

    [Fact]
    public void The_fixtures_name_what_the_block_expansion_names()
    {
        // Without running them: every fixture names its parameters as the expansion of its declaration's blocks would
        // (stages layerN.r, main-path kinds counted afresh, downsample.i, branchJ.i), checked on the recorded names.
        foreach (string file in new[] { "resnet_small.json", "resnet_plain.json", "resnet_bottleneck.json", "inception_small.json" })
        {
            JsonElement f = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), "tests", "fixtures", "pytorch", file))).RootElement;
            string[] names = f.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToArray();
            Assert.All(names, n => Assert.Matches(@"^((conv|bn|fc)\d+|layer\d+\.\d+\.((conv|bn)\d+|downsample\.\d+|branch\d+\.\d+))\.(weight|bias)$", n));
        }
    }

    private static void Load(IReadOnlyList<ParameterInfo> table, float[] buffer, JsonElement tensors)
    {
        Assert.Equal(tensors.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal), table.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        foreach (ParameterInfo info in table)
        {
            JsonElement tensor = tensors.GetProperty(info.Name);
            Assert.Equal(tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), info.Shape);
            Data(tensor).AsSpan().CopyTo(buffer.AsSpan(info.Offset, info.Length));
        }
    }

    private static float[] Data(JsonElement tensor)
    {
        JsonElement data = tensor.ValueKind == JsonValueKind.Object ? tensor.GetProperty("data") : tensor;
        return data.EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, double absolute, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(error <= absolute + relative * Math.Abs(expected[i]), $"{what}[{i}]: {actual[i]}, expected {expected[i]}");
        }
    }

    private static string Root([CallerFilePath] string path = "")
    {
        string? directory = Path.GetDirectoryName(path);
        while (directory is not null && !File.Exists(Path.Combine(directory, "Compiled.sln"))) directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("repository root not found");
    }
}
