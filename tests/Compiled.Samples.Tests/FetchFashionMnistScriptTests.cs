using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;

namespace Compiled.Samples.Tests;

/// <summary>
/// scripts/fetch-fashion-mnist.sh, run with bash against a source directory of the test's choosing
/// (<c>FASHION_MNIST_SOURCE</c>), with <c>FASHION_MNIST_NO_INSTALL=1</c> or an apt-get of the test's own first on PATH,
/// so the system's apt-get never runs: its messages when the files are missing or wrong, the install path, and a verified
/// copy from the real files (installed by CI's run of the script).
/// </summary>
public sealed class FetchFashionMnistScriptTests : IDisposable
{
    private static readonly string[] s_names =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-fetch-fashion-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int Code, string Output, string Error) Fetch(string source, string target, string? fakeAptGet = null)
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(Repository.Root(), "scripts", "fetch-fashion-mnist.sh"), target },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        start.Environment["FASHION_MNIST_SOURCE"] = source;
        if (fakeAptGet is null)
        {
            start.Environment["FASHION_MNIST_NO_INSTALL"] = "1";
        }
        else
        {
            // An apt-get of the test's own, first on PATH: the script's install path runs without touching the system.
            string bin = Directory.CreateDirectory(Path.Combine(_directory, "bin")).FullName;
            File.WriteAllText(Path.Combine(bin, "apt-get"), "#!/usr/bin/env bash\n" + fakeAptGet);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(Path.Combine(bin, "apt-get"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
            start.Environment["FAKE_APT_LOG"] = Path.Combine(_directory, "apt.log");
        }
        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    [Fact]
    public void A_missing_source_directory_fails_naming_it_and_the_package()
    {
        string source = Path.Combine(_directory, "no-such-dir");
        (int code, string output, string error) = Fetch(source, Path.Combine(_directory, "out"));
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"fetch-fashion-mnist: the Fashion-MNIST files are not in {source} (unset FASHION_MNIST_NO_INSTALL to install dataset-fashion-mnist, or: apt-get install dataset-fashion-mnist)",
            error.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_directory, "out")));
    }

    [Fact]
    public void Missing_files_are_installed_with_apt_get_updating_the_package_lists_when_the_first_try_fails()
    {
        Assert.True(Environment.UserName == "root", "the script installs only as root; run the tests as root (CI does)");
        string installed = Path.Combine(Repository.Root(), "data", "fashion-mnist");
        string source = Directory.CreateDirectory(Path.Combine(_directory, "system")).FullName;
        // Fails to install until the lists are updated (a fresh machine), then "installs" the real files into the source.
        string fake = $$"""
            echo "$*" >> "$FAKE_APT_LOG"
            case "$1" in
              update) touch "$FAKE_APT_LOG.updated" ;;
              install) [[ -f "$FAKE_APT_LOG.updated" ]] || exit 100; cp '{{installed}}'/*.gz '{{source}}'/ ;;
              *) exit 1 ;;
            esac
            """;
        string target = Path.Combine(_directory, "out");
        (int code, string output, string error) = Fetch(source, target, fake);
        Assert.True(code == 0, error);
        string install = "install -y --reinstall --no-install-recommends dataset-fashion-mnist";
        Assert.Equal([install, "update", install], File.ReadAllLines(Path.Combine(_directory, "apt.log")));
        Assert.Equal(["Installing Debian's dataset-fashion-mnist ...", $"Fashion-MNIST in {target} (verified; from {source})."], output.TrimEnd().Split('\n'));
        foreach (string name in s_names)
            Assert.Equal(File.ReadAllBytes(Path.Combine(installed, name)), File.ReadAllBytes(Path.Combine(target, name)));
    }

    [Fact]
    public void A_failed_install_says_so()
    {
        Assert.True(Environment.UserName == "root", "the script installs only as root; run the tests as root (CI does)");
        string source = Directory.CreateDirectory(Path.Combine(_directory, "system")).FullName;
        (int code, _, string error) = Fetch(source, Path.Combine(_directory, "out"), "echo \"$*\" >> \"$FAKE_APT_LOG\"; [[ $1 == update ]]");
        Assert.Equal(1, code);
        Assert.Equal("fetch-fashion-mnist: apt-get install dataset-fashion-mnist failed (after apt-get update too); install it by hand and run this script again", error.TrimEnd());
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_directory, "apt.log")).Length);
        Assert.False(Directory.Exists(Path.Combine(_directory, "out")));
    }

    [Fact]
    public void A_file_with_the_wrong_content_is_not_taken()
    {
        // A source whose four files are gzipped but hold the wrong bytes: refused as a whole, nothing copied.
        string source = Directory.CreateDirectory(Path.Combine(_directory, "wrong")).FullName;
        foreach (string name in s_names)
        {
            using FileStream file = File.Create(Path.Combine(source, name));
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(new byte[] { 0, 0, 8, 1, 0, 0, 0, 1, 7 });
        }
        (int code, _, string error) = Fetch(source, Path.Combine(_directory, "out"));
        Assert.Equal(1, code);
        Assert.Contains($"the Fashion-MNIST files are not in {source}", error);
        Assert.False(Directory.Exists(Path.Combine(_directory, "out")));
    }

    [Fact]
    public void The_real_files_are_copied_verified_and_a_second_run_leaves_them_alone()
    {
        string installed = Path.Combine(Repository.Root(), "data", "fashion-mnist");
        Assert.True(File.Exists(Path.Combine(installed, s_names[1])), $"{installed} is missing: run scripts/fetch-fashion-mnist.sh first (CI does).");
        string target = Path.Combine(_directory, "out");
        (int code, string output, string error) = Fetch(installed, target);
        Assert.True(code == 0, error);
        Assert.Equal($"Fashion-MNIST in {target} (verified; from {installed}).", output.TrimEnd());
        foreach (string name in s_names)
            Assert.Equal(File.ReadAllBytes(Path.Combine(installed, name)), File.ReadAllBytes(Path.Combine(target, name)));

        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(target, s_names[0]));
        (code, output, _) = Fetch(Path.Combine(_directory, "not-needed"), target);
        Assert.Equal(0, code);
        Assert.Equal($"Fashion-MNIST already in {target} (verified).", output.TrimEnd());
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(target, s_names[0])));

        // A damaged copy is replaced from the source.
        File.WriteAllBytes(Path.Combine(target, s_names[3]), [1, 2, 3]);
        (code, output, error) = Fetch(installed, target);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(Path.Combine(installed, s_names[3])), File.ReadAllBytes(Path.Combine(target, s_names[3])));
    }
}
