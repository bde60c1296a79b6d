using System;
using System.IO;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>
/// Readers meet damaged files with <see cref="InvalidDataException"/> only (never an index, overflow, JSON or other
/// exception), and a refused load changes nothing: random byte changes and truncations of valid files.
/// </summary>
public sealed class DamagedFileTests : IDisposable
{
    private const int Trials = 400;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void DamagedSafeTensorsFilesAreRefusedWithInvalidDataOnly()
    {
        var source = new SafeTensorsNet(1);
        source.Initialize(1);
        string valid = _dir.File("valid.safetensors");
        SafeTensors.Save(valid, source);
        byte[] original = File.ReadAllBytes(valid);
        int headerEnd = 8 + (int)BitConverter.ToInt64(original, 0);
        var random = new Random(7);
        var target = new SafeTensorsNet(1);
        target.Initialize(2);
        float[] before = (float[])target.Parameters.Clone();
        string path = _dir.File("damaged.safetensors");
        int refused = 0;
        for (int trial = 0; trial < Trials; trial++)
        {
            byte[] bytes = Damage(original, headerEnd, random);
            File.WriteAllBytes(path, bytes);
            try
            {
                SafeTensors.Load(path, target);
                // Accepted: only possible when the damage hit the data (or left the header meaning the same).
                target.Initialize(2);
            }
            catch (InvalidDataException)
            {
                refused++;
                CheckpointAssert.BitwiseEqual(before, target.Parameters, $"trial {trial}: parameters after a refused load");
            }
        }
        Assert.True(refused > Trials / 2, $"only {refused} of {Trials} damaged files were refused");
    }

    [Fact]
    public void DamagedCheckpointsAreAlwaysRefusedWithInvalidDataOnly()
    {
        var source = new CheckpointMlp(1);
        source.Initialize(1);
        string valid = _dir.File("valid.ckpt");
        var state = new TestState { Counter = 3, Values = [1f, 2f, 3f], Label = "x" };
        Checkpoint.Save(valid, source, CheckpointAssert.States(("extra", state)), epoch: 1, step: 2);
        byte[] original = File.ReadAllBytes(valid);
        var random = new Random(8);
        var target = new CheckpointMlp(1);
        target.Initialize(2);
        float[] before = (float[])target.Parameters.Clone();
        var targetState = new TestState { Counter = 9 };
        string path = _dir.File("damaged.ckpt");
        for (int trial = 0; trial < Trials; trial++)
        {
            byte[] bytes = Damage(original, original.Length, random);
            if (bytes.AsSpan().SequenceEqual(original)) continue;
            File.WriteAllBytes(path, bytes);
            // Every change is caught: by the magic, version, length or checksum check.
            Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target, CheckpointAssert.States(("extra", targetState))));
            CheckpointAssert.BitwiseEqual(before, target.Parameters, $"trial {trial}: parameters after a refused load");
            Assert.Equal(9, targetState.Counter);
        }
    }

    // One random change: a byte set to a random value or an ASCII character, a bit flipped, or the file cut short;
    // mostly within [0, focus) (the header, where parsing happens).
    private static byte[] Damage(byte[] original, int focus, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        int at = random.Next(4) == 0 ? random.Next(bytes.Length) : random.Next(focus);
        switch (random.Next(4))
        {
            case 0: bytes[at] = (byte)random.Next(256); return bytes;
            case 1: bytes[at] = (byte)"{}[]\",:0123456789-e. aF"[random.Next(23)]; return bytes;
            case 2: bytes[at] ^= (byte)(1 << random.Next(8)); return bytes;
            default: return bytes[..at];
        }
    }
}
