using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Compiled.Serialization;

namespace Compiled.Networks.Tests.Serialization;

/// <summary>
/// A process killed while it saves never damages the checkpoint: the file is always the previous complete save (or the
/// new complete one), because saving writes a temporary file, flushes it and renames it over the target.
/// </summary>
public sealed class KillDuringSaveTests : IDisposable
{
    private const int Kills = 24;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void KillingTheSavingProcessAlwaysLeavesALoadableCheckpoint()
    {
        string path = _dir.File("large.ckpt");
        var random = new Random(20261126);
        var network = new LargeCheckpointNet(1);
        int strayTemporaryFiles = 0;
        long lastLoaded = 0;
        for (int kill = 0; kill < Kills; kill++)
        {
            using Process child = StartChild(path, first: lastLoaded + 1);
            long reported = WaitForSave(child, minimum: lastLoaded + 1);
            // Kill at a random moment within about two saves from now.
            Thread.Sleep(random.Next(0, 60));
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            long lastReported = Math.Max(reported, LastReported(child));

            var state = new TestState();
            CheckpointContents contents = Checkpoint.Load(path, network, CheckpointAssert.States(("extra", state)));
            long k = contents.Epoch;
            // The file is the last save the child reported, or the one it completed (renamed) just before the kill.
            Assert.InRange(k, lastReported, lastReported + 1);
            Assert.Equal(10 * k, contents.Step);
            Assert.Equal(k, state.Counter);
            Assert.All(state.Values, v => Assert.Equal(-k, v));
            Assert.True(Array.TrueForAll(network.Parameters, v => v == k), $"kill {kill}: the parameters are not all {k}");
            lastLoaded = k;

            string[] strays = Directory.GetFiles(_dir.Path, "*.tmp");
            strayTemporaryFiles += strays.Length;
            foreach (string stray in strays) File.Delete(stray);
        }
        // Evidence the kills landed inside saves: some of them left a half-written temporary file behind.
        Assert.True(strayTemporaryFiles > 0, $"none of the {Kills} kills interrupted a save (no temporary file was left behind)");
    }

    private static Process StartChild(string path, long first)
    {
        string assembly = typeof(ChildProcess).Assembly.Location;
        var start = new ProcessStartInfo(ChildProcess.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add(ChildProcess.SaveLoop);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(first.ToString(CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("The child process did not start.");
    }


    // Reads "saved k" lines until k reaches minimum; returns the last k read.
    private static long WaitForSave(Process child, long minimum)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            string? line = child.StandardOutput.ReadLine();
            if (line is null)
                throw new InvalidOperationException($"The child exited (code {(child.HasExited ? child.ExitCode : -1)}): {child.StandardError.ReadToEnd()}");
            long k = long.Parse(line.AsSpan("saved ".Length), CultureInfo.InvariantCulture);
            if (k >= minimum) return k;
            if (watch.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("The child saved too slowly.");
        }
    }

    // After the kill: the last "saved k" still in the pipe.
    private static long LastReported(Process child)
    {
        string rest = child.StandardOutput.ReadToEnd();
        return rest.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => long.Parse(l.AsSpan("saved ".Length), CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0).Max();
    }
}
