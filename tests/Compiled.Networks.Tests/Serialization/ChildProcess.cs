using System;
using System.Globalization;
using System.IO;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>
/// The test assembly's entry point. Test runners never call it; the kill-during-save test starts this assembly with
/// <c>dotnet Compiled.Networks.Tests.dll save-loop PATH FIRST</c> to get a process that saves checkpoints until it is killed;
/// <c>jit-kernels</c> runs a few steps of a small network for <see cref="Codegen.JitInliningTests"/>; <c>copy-safetensors IN OUT</c> loads a .safetensors file into <see cref="SafeTensorsNet"/> and writes it back, for
/// checking by hand with <c>tests/fixtures/make_safetensors_fixture.py --verify OUT</c>.
/// </summary>
public static class ChildProcess
{
    public const string SaveLoop = "save-loop";
    public const string CopySafeTensors = "copy-safetensors";

    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == Codegen.JitInliningTests.ChildMode) return Codegen.JitInliningTests.RunChild();
        if (args.Length == 3 && args[0] == SaveLoop) return RunSaveLoop(args[1], long.Parse(args[2], CultureInfo.InvariantCulture));
        if (args.Length == 3 && args[0] == CopySafeTensors)
        {
            // By hand: a file written by .NET for make_safetensors_fixture.py --verify (the round trip outside .NET).
            var network = new SafeTensorsNet(1);
            SafeTensors.Load(args[1], network);
            SafeTensors.Save(args[2], network);
            return 0;
        }
        Console.Error.WriteLine($"usage: {SaveLoop} PATH FIRST | {CopySafeTensors} IN OUT (this assembly's tests run under a test runner)");
        return 2;
    }

    /// <summary>The dotnet host running the tests (the SDK sets DOTNET_HOST_PATH for the processes it starts), to start this assembly with.</summary>
    internal static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return "dotnet";
    }

    /// <summary>
    /// Saves checkpoints of a 2.1-million-parameter network to <paramref name="path"/> forever, numbered from
    /// <paramref name="first"/>: save number k holds every
    /// parameter equal to k and epoch k, and "saved k" is printed once it is complete. The parent kills the process at random moments.
    /// </summary>
    private static int RunSaveLoop(string path, long first)
    {
        var network = new LargeCheckpointNet(1);
        var state = new TestState { Values = new float[1000] };
        for (long k = first; ; k++)
        {
            Array.Fill(network.Parameters, k);
            state.Counter = k;
            Array.Fill(state.Values, -k);
            Checkpoint.Save(path, network, CheckpointAssert.States(("extra", state)), epoch: k, step: 10 * k);
            Console.Out.WriteLine("saved " + k.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
        }
    }
}
