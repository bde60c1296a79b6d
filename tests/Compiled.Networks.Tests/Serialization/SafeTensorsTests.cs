using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>
/// .safetensors interchange with PyTorch: a state_dict written by Python (tests/fixtures/make_safetensors_fixture.py)
/// loads into the generated network and reproduces PyTorch's outputs, writing it back gives the same bytes, and every
/// malformed or mismatched file is refused with a message naming the problem, leaving the network untouched.
/// </summary>
public sealed class SafeTensorsTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "safetensors");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Fixture(string name) => Path.Combine(Fixtures, name);

    [Fact]
    public void APyTorchStateDictLoadsAndGivesPyTorchsOutputs()
    {
        var network = new SafeTensorsNet(1);
        SafeTensorsLoadResult result = SafeTensors.Load(Fixture("safetensors_net.safetensors"), network);

        Assert.Equal(network.ParameterTable.Select(p => p.Name).Order(), result.Loaded.Order());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Unexpected);
        Assert.Equal("pt", result.Metadata["format"]);
        JsonElement io = JsonDocument.Parse(File.ReadAllText(Fixture("safetensors_net.json"))).RootElement;
        float[] input = io.Floats("input");
        float[] expected = io.Floats("logits");
        var logits = new float[expected.Length];
        network.Forward(input, logits, batch: 3);
        // PyTorch evaluated in float64 from the same float32 values; the network runs in float32.
        Tolerance.AssertClose(expected, logits, 1e-5, 1e-4, "logits against PyTorch's");
    }

    [Fact]
    public void WritingTheLoadedNetworkGivesBackThePythonFileByteForByte()
    {
        var network = new SafeTensorsNet(1);
        SafeTensors.Load(Fixture("safetensors_net.safetensors"), network);
        string path = _dir.File("back.safetensors");
        SafeTensors.Save(path, network);
        Assert.Equal(File.ReadAllBytes(Fixture("safetensors_net.safetensors")), File.ReadAllBytes(path));

        var again = new SafeTensorsNet(1);
        SafeTensors.Load(path, again);
        CheckpointAssert.BitwiseEqual(network.Parameters, again.Parameters, "parameters after a round trip");
        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(path)) % 8);   // the header is padded to 8 bytes
    }

    [Fact]
    public void F64F16AndBF16AreConvertedAndIntegerTensorsAreUnexpected()
    {
        string path = Fixture("safetensors_mixed.safetensors");
        var network = new SafeTensorsNet(1);
        network.Initialize(5);
        float[] before = (float[])network.Parameters.Clone();
        CheckpointAssert.Fails(() => SafeTensors.Load(path, network), "unexpected tensors 'extra.num_batches_tracked'", "strict: false");
        CheckpointAssert.BitwiseEqual(before, network.Parameters, "parameters after a refused load");

        SafeTensorsLoadResult result = SafeTensors.Load(path, network, strict: false);
        Assert.Equal(["extra.num_batches_tracked"], result.Unexpected);
        Assert.Empty(result.Missing);
        Assert.Equal("mixed dtypes", result.Metadata["note"]);
        JsonElement expected = JsonDocument.Parse(File.ReadAllText(Fixture("safetensors_mixed.json"))).RootElement;
        Assert.Equal("F64", SafeTensors.ReadHeader(path).Find("conv1.weight")!.DType);
        Assert.Equal("F16", SafeTensors.ReadHeader(path).Find("conv1.bias")!.DType);
        Assert.Equal("BF16", SafeTensors.ReadHeader(path).Find("conv2.weight")!.DType);
        foreach (ParameterInfo p in network.ParameterTable)
            CheckpointAssert.BitwiseEqual(expected.Floats(p.Name), network.Parameters.AsSpan(p.Offset, p.Length), p.Name);
    }

    // ---- the reader's refusals, each on a file made from a valid one ----

    private (string Path, JsonObject Header, byte[] Data) Valid()
    {
        var source = new SafeTensorsNet(1);
        source.Initialize(3);
        string path = _dir.File("valid.safetensors");
        SafeTensors.Save(path, source);
        byte[] bytes = File.ReadAllBytes(path);
        long n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!.AsObject();
        return (path, header, bytes[(8 + (int)n)..]);
    }

    private string Write(string header, byte[] data, ulong? length = null) => Write(Encoding.UTF8.GetBytes(header), data, length);

    private string Write(byte[] json, byte[] data, ulong? length = null)
    {
        string path = _dir.File("crafted.safetensors");
        using var file = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, length ?? (ulong)json.Length);
        file.Write(prefix);
        file.Write(json);
        file.Write(data);
        return path;
    }

    private string Write(JsonObject header, byte[] data) => Write(header.ToJsonString(), data);

    private static JsonObject Entry(JsonObject header, string name) => header[name]!.AsObject();

    private static void SetOffsets(JsonObject header, string name, long begin, long end) => Entry(header, name)["data_offsets"] = new JsonArray(begin, end);

    private static long[] Offsets(JsonObject header, string name) => Entry(header, name)["data_offsets"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();

    // Loads path into a fresh network, expects a refusal naming every fragment, and checks the network was not changed.
    private static void Refused(string path, params string[] fragments) => Refused(path, strict: true, fragments);

    private static void Refused(string path, bool strict, params string[] fragments)
    {
        var network = new SafeTensorsNet(1);
        network.Initialize(11);
        float[] before = (float[])network.Parameters.Clone();
        CheckpointAssert.Fails(() => SafeTensors.Load(path, network, strict), fragments);
        CheckpointAssert.BitwiseEqual(before, network.Parameters, "parameters after a refused load");
    }

    [Fact]
    public void MalformedJsonIsRefused()
    {
        var (_, _, data) = Valid();
        Refused(Write("{\"fc1.weight\": {\"dtype\": \"F32\",", data), "not a valid .safetensors file", "not valid JSON");
        Refused(Write("[1, 2, 3]", data), "the JSON header is not an object");
        Refused(Write("{} {}", data), "not a valid .safetensors file");
        Refused(Write("{\"a\": 1}", data), "the entry of tensor 'a' is not an object");
        Refused(Write("{\"__metadata__\": {\"format\": 1}}", data), "'__metadata__' entry 'format' is not a string");
        Refused(Write("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", data), "tensor 'a' has no 'data_offsets'");
        Refused(Write("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"strides\": [1]}}", data), "unknown field 'strides'");
        Refused(Write("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", data), "'shape' entry that is not a non-negative integer");
        Refused(Write("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", data), "1 data_offsets; it needs two");
        Refused(Write("\u00ff\u00fe", data), "not valid JSON");
        Refused(Write([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], data), "the header is not valid UTF-8");
    }

    [Fact]
    public void ADuplicateTensorNameIsRefused()
    {
        var (_, header, data) = Valid();
        string json = header.ToJsonString();
        string entry = "\"fc2.bias\":" + Entry(header, "fc2.bias").ToJsonString();
        Refused(Write(json.Replace(entry, entry + "," + entry, StringComparison.Ordinal), data), "the tensor 'fc2.bias' appears twice");
    }

    [Fact]
    public void HeaderLengthsBeyondTheFileOrTheLimitAreRefused()
    {
        var (_, header, data) = Valid();
        string json = header.ToJsonString();
        long available = Encoding.UTF8.GetByteCount(json) + data.Length;
        Refused(Write(json, data, length: (ulong)available + 1), $"header length {available + 1} is larger than the {available} bytes that follow it");
        Refused(Write(json, data, length: 1UL << 40), "header length 1099511627776 is larger than the 100000000-byte limit");
        Refused(Write(json, data, length: ulong.MaxValue), "larger than the 100000000-byte limit");
        Refused(Write(json, data, length: 0), "the header length is 0");
        string tiny = _dir.File("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        Refused(tiny, "the file has 3 bytes, fewer than the 8-byte header length");
    }

    [Fact]
    public void OffsetsOutOfRangeAreRefused()
    {
        var (_, header, data) = Valid();
        long[] last = Offsets(header, "fc2.weight");
        SetOffsets(header, "fc2.weight", last[0] + 4, last[1] + 4);
        Refused(Write(header, data), "tensor 'fc2.weight' has data_offsets", "out of range", $"the data section has {data.Length} bytes");
    }

    [Fact]
    public void OverlappingOffsetsAreRefused()
    {
        var (_, header, data) = Valid();
        // conv1.bias [0, 12) and conv1.weight [12, 228): move the weight 4 bytes back over the bias and keep the end covered.
        long[] w = Offsets(header, "conv1.weight");
        SetOffsets(header, "conv1.weight", w[0] - 4, w[1] - 4);
        Refused(Write(header, data), "overlaps tensor");
    }

    [Fact]
    public void OffsetsThatLeaveAGapAreRefused()
    {
        var (_, header, data) = Valid();
        // Shift every tensor after conv1.bias by 8 bytes and lengthen the data: bytes [12, 20) belong to nothing.
        foreach (var (name, _) in header.ToList())
        {
            if (name is "__metadata__" or "conv1.bias") continue;
            long[] o = Offsets(header, name);
            SetOffsets(header, name, o[0] + 8, o[1] + 8);
        }
        Refused(Write(header, [.. data, .. new byte[8]]), "bytes [12, 20) of the data section belong to no tensor");
    }

    [Fact]
    public void DataNoTensorCoversIsRefused()
    {
        var (_, header, data) = Valid();
        Refused(Write(header, [.. data, 1, 2, 3, 4]), "the last 4 bytes of the data section", "belong to no tensor");
    }

    [Fact]
    public void OffsetsThatDoNotSpanTheShapeAreRefused()
    {
        var (_, header, data) = Valid();
        Entry(header, "fc2.bias")["shape"] = new JsonArray(2);
        Refused(Write(header, data), "tensor 'fc2.bias' of dtype F32 and shape [2] needs 8 bytes, but its data_offsets", "span 12");
    }

    [Fact]
    public void WrongDtypesAreRefused()
    {
        var (_, header, data) = Valid();
        Entry(header, "fc2.bias")["dtype"] = "I32";
        Refused(Write(header, data), "tensor 'fc2.bias' has dtype I32", "F32");
        Entry(header, "fc2.bias")["dtype"] = "F33";
        Refused(Write(header, data), "tensor 'fc2.bias' has the unknown dtype 'F33'");
        Entry(header, "fc2.bias")["dtype"] = "U8";
        Entry(header, "fc2.bias")["shape"] = new JsonArray(12);
        Refused(Write(header, data), false, "tensor 'fc2.bias' has dtype U8");
    }

    [Fact]
    public void ShapesThatDifferFromTheNetworksAreRefused()
    {
        var (_, header, data) = Valid();
        Entry(header, "fc1.weight")["shape"] = new JsonArray(16, 10);     // transposed: same size, wrong layout
        Refused(Write(header, data), "tensor 'fc1.weight' has shape [16, 10], but the network's 'fc1.weight' is [10, 16]");
        Refused(Write(header, data), false, "has shape [16, 10]");        // not even in a partial load
    }

    [Fact]
    public void MissingAndUnexpectedTensorsAreRefusedUnlessNotStrict()
    {
        var (_, header, data) = Valid();
        // Rename fc2.bias: the network misses 'fc2.bias' and the file has an unexpected 'head.bias'.
        JsonNode entry = Entry(header, "fc2.bias").DeepClone();
        header.Remove("fc2.bias");
        header["head.bias"] = entry;
        string path = Write(header, data);
        Refused(path, "does not match SafeTensorsNet", "missing tensors 'fc2.bias'", "unexpected tensors 'head.bias'", "strict: false");

        var network = new SafeTensorsNet(1);
        network.Initialize(11);
        ParameterInfo bias = network.ParameterTable.Single(p => p.Name == "fc2.bias");
        float[] biasBefore = network.Parameters.AsSpan(bias.Offset, bias.Length).ToArray();
        SafeTensorsLoadResult result = SafeTensors.Load(path, network, strict: false);
        Assert.Equal(["fc2.bias"], result.Missing);
        Assert.Equal(["head.bias"], result.Unexpected);
        Assert.DoesNotContain("fc2.bias", result.Loaded);
        CheckpointAssert.BitwiseEqual(biasBefore, network.Parameters.AsSpan(bias.Offset, bias.Length), "fc2.bias (missing, so kept)");
        ParameterInfo weight = network.ParameterTable.Single(p => p.Name == "fc1.weight");
        CheckpointAssert.BitwiseEqual(SafeTensors.ReadTensor(path, "fc1.weight"), network.Parameters.AsSpan(weight.Offset, weight.Length), "fc1.weight (loaded)");
    }

    [Fact]
    public void ACheckpointIsNotASafeTensorsFile()
    {
        var network = new SafeTensorsNet(1);
        string path = _dir.File("run.ckpt");
        Checkpoint.Save(path, network);
        Refused(path, "not a valid .safetensors file");
    }
}
