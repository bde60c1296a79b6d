using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>
/// A hand-written network with non-parameter state (batch norm's running statistics, as generated networks will have):
/// checkpoints and safetensors carry the state tensors by name, and refuse a file whose state tensors differ.
/// </summary>
public sealed class StateBufferTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("compiled-statebuffer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>bn1 over <c>features</c> channels: weight and bias are parameters, running_mean and running_var are state.</summary>
    private sealed class BatchNormNetwork : INetwork
    {
        private readonly ParameterInfo[] _parameters;
        private readonly ParameterInfo[] _state;

        public BatchNormNetwork(int features)
        {
            _parameters = [new("bn1.weight", "bn1", 0, [features]), new("bn1.bias", "bn1", features, [features])];
            _state = [new("bn1.running_mean", "bn1", 0, [features]), new("bn1.running_var", "bn1", features, [features])];
            Parameters = new float[2 * features];
            StateBuffer = new float[2 * features];
            InputShape = [features];
            Architecture = $"Input[{features}];BatchNorm bn1 ->[{features}]";
        }

        public int InputLength => InputShape[0];
        public int OutputLength => InputShape[0];
        public IReadOnlyList<int> InputShape { get; }
        public LossKind Loss => LossKind.None;
        public float[] Parameters { get; }
        public IReadOnlyList<ParameterInfo> ParameterTable => _parameters;
        public float[] StateBuffer { get; }
        public IReadOnlyList<ParameterInfo> StateTable => _state;
        public int Threads { get; set; } = 1;
        public string Summary => Architecture;
        public string Architecture { get; }

        public void Initialize(int seed)
        {
            var random = new SeededRandom((ulong)seed);
            for (int i = 0; i < Parameters.Length; i++) Parameters[i] = random.NextFloat();
            for (int i = 0; i < StateBuffer.Length; i++) StateBuffer[i] = random.NextFloat() + 1f;
        }

        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => throw new NotSupportedException();
        public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => throw new NotSupportedException();
    }

    [Fact]
    public void ACheckpointRestoresTheStateBuffer()
    {
        var source = new BatchNormNetwork(4);
        source.Initialize(1);
        string path = Path.Combine(_dir, "bn.ckpt");
        Checkpoint.Save(path, source);

        CheckpointContents contents = Checkpoint.Read(path);
        Assert.Equal(["bn1.running_mean", "bn1.running_var"], contents.StateTensors.Select(t => t.Name));
        Assert.Contains("state bn1.running_var [4]", contents.Architecture, StringComparison.Ordinal);

        var target = new BatchNormNetwork(4);
        target.Initialize(2);
        Checkpoint.Load(path, target);
        Assert.Equal(source.Parameters, target.Parameters);
        Assert.Equal(source.StateBuffer, target.StateBuffer);
    }

    [Fact]
    public void SafeTensorsCarryTheStateTensorsByName()
    {
        var source = new BatchNormNetwork(3);
        source.Initialize(1);
        string path = Path.Combine(_dir, "bn.safetensors");
        SafeTensors.Save(path, source);
        SafeTensorsHeader header = SafeTensors.ReadHeader(path);
        Assert.Equal(["bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.weight"], header.Tensors.Select(t => t.Name));
        Assert.Equal(source.StateBuffer.AsSpan(3, 3).ToArray(), SafeTensors.ReadTensor(path, "bn1.running_var"));

        var target = new BatchNormNetwork(3);
        SafeTensorsLoadResult result = SafeTensors.Load(path, target);
        Assert.Equal(4, result.Loaded.Count);
        Assert.Equal(source.StateBuffer, target.StateBuffer);
        Assert.Equal(source.Parameters, target.Parameters);
    }

    [Fact]
    public void AFileWithoutTheStateTensorsIsRefusedUnlessNotStrict()
    {
        var source = new BatchNormNetwork(3);
        source.Initialize(1);
        string path = Path.Combine(_dir, "bn.safetensors");
        SafeTensors.Save(path, source);
        // A network whose state table names its statistics differently cannot take them.
        var other = new RenamedState(3);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path, other));
        Assert.Contains("missing tensors 'bn1.mean'", error.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensors 'bn1.running_mean', 'bn1.running_var'", error.Message, StringComparison.Ordinal);
        Assert.All(other.StateBuffer, v => Assert.Equal(0f, v));
    }

    private sealed class RenamedState(int features) : INetwork
    {
        public int InputLength => features;
        public int OutputLength => features;
        public IReadOnlyList<int> InputShape => [features];
        public LossKind Loss => LossKind.None;
        public float[] Parameters { get; } = new float[2 * features];
        public IReadOnlyList<ParameterInfo> ParameterTable => [new("bn1.weight", "bn1", 0, [features]), new("bn1.bias", "bn1", features, [features])];
        public float[] StateBuffer { get; } = new float[features];
        public IReadOnlyList<ParameterInfo> StateTable => [new("bn1.mean", "bn1", 0, [features])];
        public int Threads { get; set; } = 1;
        public string Summary => "";
        public string Architecture => "renamed";
        public void Initialize(int seed) { }
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => throw new NotSupportedException();
        public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch) => throw new NotSupportedException();
    }
}
