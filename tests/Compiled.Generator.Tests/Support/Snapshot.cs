using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace Compiled.Generator.Tests.Support;

/// <summary>
/// Compares text with a committed <c>Snapshots/NAME.verified.cs</c>. On a mismatch it writes <c>NAME.received.cs</c> beside
/// it and fails; set <c>COMPILED_ACCEPT_SNAPSHOTS=1</c> to accept (overwrite the verified file) instead.
/// Accepting is refused (the test fails) when the <c>CI</c> environment variable is set (<c>.ci/run</c> exports
/// <c>CI=true</c>), so CI can never rewrite a snapshot and pass.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "COMPILED_ACCEPT_SNAPSHOTS";

    /// <summary>Set by CI systems (and by <c>.ci/run</c>); when present and not "false"/"0", snapshots are never accepted.</summary>
    public const string CiVariable = "CI";

    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(FindProjectDirectory(callerPath), "Snapshots");
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
        actual = Normalize(actual);

        if (ShouldAccept(Environment.GetEnvironmentVariable(AcceptVariable), Environment.GetEnvironmentVariable(CiVariable)))
        {
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        string? expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified}; wrote {received}. Review it and rename it to .verified.cs, or run with {AcceptVariable}=1."
            : $"Generated source differs from {verified} ({FirstDifference(expected, actual)}); wrote {received}. Review the difference; run with {AcceptVariable}=1 to accept.");
    }

    /// <summary>
    /// Whether to overwrite the verified file, from the values of <see cref="AcceptVariable"/> and <see cref="CiVariable"/>;
    /// fails the test when acceptance is asked for on CI.
    /// </summary>
    internal static bool ShouldAccept(string? accept, string? ci)
    {
        if (accept != "1") return false;
        bool onCi = !string.IsNullOrEmpty(ci) && ci != "0" && !ci.Equals("false", StringComparison.OrdinalIgnoreCase);
        if (onCi)
        {
            Assert.Fail($"{AcceptVariable}=1 is set while {CiVariable}={ci} is set: CI compares snapshots and never accepts them. " +
                        $"Unset {AcceptVariable}; accept snapshots on a developer machine and commit them.");
        }
        return true;
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static string FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i]) return $"line {i + 1}: expected \"{a[i].Trim()}\", got \"{b[i].Trim()}\"";
        }
        return $"expected {a.Length} lines, got {b.Length}";
    }

    private static string FindProjectDirectory(string callerPath)
    {
        for (string? directory = Path.GetDirectoryName(callerPath); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Compiled.Generator.Tests.csproj"))) return directory;
        }
        throw new InvalidOperationException($"Cannot find the test project directory above {callerPath}.");
    }
}
