using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Optimizers;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>Checkpoint round trips, and every way a load must fail while leaving the network and the objects untouched.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // A network trained a few Adam steps, with a test state: what the failure tests try to load into.
    private sealed class Target
    {
        public CheckpointMlp Network { get; } = new(1);
        public Adam Adam { get; } = new(0.01f);
        public TestState Extra { get; } = new() { Counter = 5, Rate = 0.25, Values = [1f, 2f], Label = "before" };
        public float[] ParametersBefore { get; }
        public float[] ExpAvgBefore { get; }

        public Target()
        {
            Network.Initialize(99);
            Train(Network, Adam, steps: 2, seed: 5);
            ParametersBefore = (float[])Network.Parameters.Clone();
            ExpAvgBefore = (float[])Adam.StateBuffer("exp_avg")!.Clone();
        }

        public Dictionary<string, IStateful> States => CheckpointAssert.States(("optimizer", Adam), ("extra", Extra));

        public void AssertUntouched()
        {
            CheckpointAssert.BitwiseEqual(ParametersBefore, Network.Parameters, "parameters after a failed load");
            CheckpointAssert.BitwiseEqual(ExpAvgBefore, Adam.StateBuffer("exp_avg"), "Adam exp_avg after a failed load");
            Assert.Equal(2, Adam.StepCount);
            Assert.Equal(5, Extra.Counter);
            Assert.Equal("before", Extra.Label);
            Assert.Equal(new[] { 1f, 2f }, Extra.Values);
        }
    }

    private static void Train(ITrainableNetwork network, Optimizer optimizer, int steps, ulong seed)
    {
        const int batch = 6;
        for (int s = 0; s < steps; s++)
        {
            float[] x = TestData.Gaussian(batch * network.InputLength, seed + (ulong)s);
            int[] y = TestData.Labels(batch, network.OutputLength, seed + 1000 + (ulong)s);
            network.TrainStep(x, y, batch);
            optimizer.StepAndZeroGradients(network.Parameters, network.Gradients);
        }
    }

    // A checkpoint of a differently trained CheckpointMlp with Adam state and a test state, returned with its source.
    private (string Path, CheckpointMlp Network, Adam Adam, TestState Extra) SavedCheckpoint(string name = "run.ckpt")
    {
        var network = new CheckpointMlp(1);
        network.Initialize(1);
        var adam = new Adam(0.01f);
        Train(network, adam, steps: 7, seed: 70);
        var extra = new TestState { Counter = 41, Rate = 1.0 / 3.0, Values = [float.NaN, -0f, float.Epsilon, 3.5f], Label = "saved ✓" };
        string path = _dir.File(name);
        Checkpoint.Save(path, network, CheckpointAssert.States(("optimizer", adam), ("extra", extra)),
            epoch: 3, step: 1234, metadata: new Dictionary<string, string> { ["note"] = "round trip", ["accuracy"] = "0.5" });
        return (path, network, adam, extra);
    }

    [Fact]
    public void RoundTripRestoresParametersStatesCountersAndMetadata()
    {
        var (path, source, sourceAdam, sourceExtra) = SavedCheckpoint();
        var target = new Target();

        CheckpointContents contents = Checkpoint.Load(path, target.Network, target.States);

        CheckpointAssert.BitwiseEqual(source.Parameters, target.Network.Parameters, "parameters");
        Assert.Equal(sourceAdam.StepCount, target.Adam.StepCount);
        Assert.Equal(["exp_avg", "exp_avg_sq"], sourceAdam.StateNames);
        foreach (string name in sourceAdam.StateNames)
            CheckpointAssert.BitwiseEqual(sourceAdam.StateBuffer(name), target.Adam.StateBuffer(name), name);
        Assert.Equal(41, target.Extra.Counter);
        Assert.Equal(1.0 / 3.0, target.Extra.Rate);
        CheckpointAssert.BitwiseEqual(sourceExtra.Values, target.Extra.Values, "extra values (NaN, -0, denormal kept)");
        Assert.Equal("saved ✓", target.Extra.Label);
        Assert.Equal(3, contents.Epoch);
        Assert.Equal(1234, contents.Step);
        Assert.Equal("round trip", contents.Metadata["note"]);
        Assert.Equal("0.5", contents.Metadata["accuracy"]);
        Assert.Equal(1u, contents.FormatVersion);
        Assert.Equal(NetworkArchitecture.Describe(source), contents.Architecture);
        Assert.Equal(["extra", "optimizer"], contents.States.Keys.Order().ToArray());

        // The restored optimizer continues exactly as the saved one does.
        Train(source, sourceAdam, steps: 3, seed: 500);
        Train(target.Network, target.Adam, steps: 3, seed: 500);
        CheckpointAssert.BitwiseEqual(source.Parameters, target.Network.Parameters, "parameters three steps after loading");
    }

    [Fact]
    public void SavingReplacesTheFileAndLeavesNoTemporaryFiles()
    {
        var (path, network, _, _) = SavedCheckpoint();
        network.Parameters[0] = 123.5f;
        Checkpoint.Save(path, network, epoch: 9);

        CheckpointContents contents = Checkpoint.Read(path);
        Assert.Equal(9, contents.Epoch);
        Assert.Equal(123.5f, contents.Parameters[0].Data[0]);
        Assert.Empty(contents.States);
        Assert.Equal(new[] { Path.GetFileName(path) }, Directory.GetFiles(_dir.Path).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public void LoadingIgnoresStatesNotAskedFor()
    {
        var (path, source, _, _) = SavedCheckpoint();
        var network = new CheckpointMlp(1);
        CheckpointContents contents = Checkpoint.Load(path, network);
        CheckpointAssert.BitwiseEqual(source.Parameters, network.Parameters, "parameters");
        Assert.Equal(2, contents.States.Count);
    }

    [Fact]
    public void ADifferentArchitectureIsRefused()
    {
        var (path, _, _, _) = SavedCheckpoint();
        var wider = new CheckpointMlpWider(1);
        wider.Initialize(3);
        float[] before = (float[])wider.Parameters.Clone();

        CheckpointAssert.Fails(() => Checkpoint.Load(path, wider), "different network architecture", "CheckpointMlpWider", "units=16", "units=17");
        CheckpointAssert.BitwiseEqual(before, wider.Parameters, "the wider network's parameters");
    }

    [Fact]
    public void ASameShapedNetworkWithAnotherActivationIsRefused()
    {
        var (path, _, _, _) = SavedCheckpoint();
        var tanh = new CheckpointMlpTanh(1);
        tanh.Initialize(3);
        float[] before = (float[])tanh.Parameters.Clone();

        CheckpointAssert.Fails(() => Checkpoint.Load(path, tanh), "different network architecture", "Tanh");
        CheckpointAssert.BitwiseEqual(before, tanh.Parameters, "the tanh network's parameters");
    }

    [Fact]
    public void EveryCorruptedByteIsDetected()
    {
        var (path, _, _, _) = SavedCheckpoint();
        byte[] original = File.ReadAllBytes(path);
        var target = new Target();
        // Bytes in the header fields the checksum covers, in the checksum itself, and across the payload.
        int[] positions = [16, 30, 60, 64, 95, 96, 100, 200, original.Length / 2, original.Length - 5, original.Length - 1];
        foreach (int position in positions)
        {
            byte[] damaged = (byte[])original.Clone();
            damaged[position] ^= 0x10;
            File.WriteAllBytes(path, damaged);
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target.Network, target.States));
            Assert.True(error.Message.Contains("corrupted", StringComparison.Ordinal) || error.Message.Contains("truncated", StringComparison.Ordinal),
                $"byte {position}: {error.Message}");
            target.AssertUntouched();
        }
        // A flipped bit inside the payload is reported by the checksum.
        byte[] flipped = (byte[])original.Clone();
        flipped[original.Length / 2] ^= 1;
        File.WriteAllBytes(path, flipped);
        CheckpointAssert.Fails(() => Checkpoint.Load(path, target.Network, target.States), "is corrupted", "checksum does not match");
        target.AssertUntouched();
    }

    [Fact]
    public void TruncatedFilesAreRefused()
    {
        var (path, _, _, _) = SavedCheckpoint();
        byte[] original = File.ReadAllBytes(path);
        var target = new Target();
        foreach (int length in new[] { 3, 8, 11, 12, 50, 95, 96, 97, original.Length / 2, original.Length - 1 })
        {
            File.WriteAllBytes(path, original[..length]);
            CheckpointAssert.Fails(() => Checkpoint.Load(path, target.Network, target.States), "is truncated", $"has {length} bytes", length >= 96 ? $"({original.Length - length} missing)" : "header");
            target.AssertUntouched();
        }
    }

    [Fact]
    public void TrailingBytesAreRefused()
    {
        var (path, _, _, _) = SavedCheckpoint();
        File.AppendAllText(path, "extra");
        var target = new Target();
        CheckpointAssert.Fails(() => Checkpoint.Load(path, target.Network, target.States), "is corrupted", "5 bytes after");
        target.AssertUntouched();
    }

    [Fact]
    public void ForeignFilesAreRefused()
    {
        var target = new Target();
        string text = _dir.File("notes.txt");
        File.WriteAllText(text, "epoch,loss\n1,0.5\n");
        CheckpointAssert.Fails(() => Checkpoint.Load(text, target.Network, target.States), "is not a checkpoint", "magic bytes 89 43 4B 50 54 0D 0A 1A");

        string empty = _dir.File("empty.ckpt");
        File.WriteAllBytes(empty, []);
        CheckpointAssert.Fails(() => Checkpoint.Load(empty, target.Network, target.States), "is not a checkpoint", "empty");

        string random = _dir.File("random.bin");
        File.WriteAllBytes(random, TestData.Uniform(64, 3).Select(v => (byte)(v * 255)).ToArray());
        CheckpointAssert.Fails(() => Checkpoint.Load(random, target.Network, target.States), "is not a checkpoint");

        string safetensors = _dir.File("model.safetensors");
        SafeTensors.Save(safetensors, target.Network);
        CheckpointAssert.Fails(() => Checkpoint.Load(safetensors, target.Network, target.States), "is not a checkpoint", "looks like a .safetensors file");
        target.AssertUntouched();
    }

    [Fact]
    public void ANewerFormatVersionIsRefused()
    {
        var (path, _, _, _) = SavedCheckpoint();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        File.WriteAllBytes(path, bytes);
        var target = new Target();
        CheckpointAssert.Fails(() => Checkpoint.Load(path, target.Network, target.States), "format version 2", "newer than the version 1");
        target.AssertUntouched();
    }

    [Fact]
    public void AMissingStateIsRefused()
    {
        var (path, _, _, _) = SavedCheckpoint();
        var target = new Target();
        var states = target.States;
        states["schedule"] = new TestState("StepLR");
        CheckpointAssert.Fails(() => Checkpoint.Load(path, target.Network, states), "has no state named 'schedule'", "'extra', 'optimizer'");
        target.AssertUntouched();
    }

    [Fact]
    public void AStateOfAnotherKindIsRefused()
    {
        var (path, _, _, _) = SavedCheckpoint();
        var target = new Target();
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        var states = CheckpointAssert.States(("optimizer", sgd), ("extra", target.Extra));
        CheckpointAssert.Fails(() => Checkpoint.Load(path, target.Network, states), "state 'optimizer' written by Adam", "cannot be loaded into Sgd");
        target.AssertUntouched();
        Assert.Equal(0, sgd.StepCount);
    }

    [Fact]
    public void AStateThatFailsToReadRollsBackTheOthersAndLeavesTheNetwork()
    {
        var (_, source, _, _) = SavedCheckpoint();
        var target = new Target();
        // States are restored in name order: "a_first" succeeds, then "z_last" throws, so "a_first" must be put back.
        var failing = new TestState { FailOnRead = true, Counter = 77 };
        var states = CheckpointAssert.States(("a_first", target.Extra), ("z_last", failing));
        Checkpoint.Save(_dir.File("two.ckpt"), source,
            CheckpointAssert.States(("a_first", new TestState { Counter = 1, Label = "new" }), ("z_last", new TestState { Counter = 2 })));

        CheckpointAssert.Fails(() => Checkpoint.Load(_dir.File("two.ckpt"), target.Network, states), "the state 'z_last' (TestState) cannot be restored", "FailOnRead");
        target.AssertUntouched();       // a_first was restored, then rolled back
        Assert.Equal(77, failing.Counter);
    }

    [Fact]
    public void AnOptimizerWithOtherHyperparametersIsRefusedAndNothingChanges()
    {
        var (path, _, _, _) = SavedCheckpoint();
        var target = new Target();
        var otherAdam = new Adam(0.01f, beta1: 0.8f);
        // "extra" is restored first (name order), then the optimizer refuses its state: "extra" must be put back.
        var states = CheckpointAssert.States(("extra", target.Extra), ("optimizer", otherAdam));
        CheckpointAssert.Fails(() => Checkpoint.Load(path, target.Network, states), "the state 'optimizer' (Adam) cannot be restored", "Hyperparameter");
        target.AssertUntouched();
        Assert.Equal(0, otherAdam.StepCount);
    }

    [Fact]
    public void TheFileLayoutIsAsDocumented()
    {
        var (path, network, _, _) = SavedCheckpoint();
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'C', (byte)'K', (byte)'P', (byte)'T', 0x0D, 0x0A, 0x1A }, bytes[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(96u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(bytes.Length - 96, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(NetworkArchitecture.Hash(NetworkArchitecture.Describe(network)), bytes[24..56]);
        Assert.All(bytes[56..64], b => Assert.Equal(0, b));
        byte[] hashed = [.. bytes[96..], .. bytes[..64]];
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(hashed), bytes[64..96]);
        Assert.Equal("ARCH", Encoding.ASCII.GetString(bytes, 96, 4));
        Assert.Equal("END!", Encoding.ASCII.GetString(bytes, bytes.Length - 4, 4));
    }
}
