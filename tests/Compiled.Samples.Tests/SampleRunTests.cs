using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using Compiled.Samples.Mnist;

namespace Compiled.Samples.Tests;

/// <summary>
/// The sample run end to end on the first MNIST images (fetched by <c>scripts/fetch-mnist.sh</c>, as CI does): checkpoints
/// resume byte-identically, safetensors round-trip, early stopping stops, a bad checkpoint is refused with a message.
/// </summary>
public sealed class SampleRunTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-sample-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File_(string name) => Path.Combine(_directory, name);

    private static string Run(params string[] args)
    {
        string data = Path.Combine(Repository.Root(), "data", "mnist");
        Assert.True(Directory.Exists(data), $"MNIST is not in {data}: run `bash scripts/fetch-mnist.sh` first (README).");
        var command = new SampleCommand(MnistSample.Definition);
        ParseResult parsed = command.Parse([.. args, "--data", data, "--model", "mlp", "--threads", "2", "--limit", "1500"]);
        Assert.True(parsed.Errors.Count == 0, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        var output = new StringWriter();
        Assert.Equal(0, SampleRun.Run(MnistSample.Definition, command.Bind(parsed), output));
        return output.ToString();
    }

    [Theory]
    [InlineData("adam", "cosine")]
    [InlineData("sgd", "onecycle:max_lr=0.05")]
    [InlineData("rmsprop", "plateau:patience=0")]
    public void A_run_resumed_from_its_epoch_2_checkpoint_ends_byte_identical_to_the_straight_run(string optimizer, string schedule)
    {
        string[] common = ["--optimizer", optimizer, "--schedule", schedule, "--clip-norm", "5", "--l2", "1e-4", "--validation", "300",
            "--early-stopping", "20", "--epochs", "4"];
        string straight = Run([.. common, "--save", File_("run-{epoch}.ckpt"), "--save-every", "2", "--save-safetensors", File_("straight.safetensors")]);
        Assert.Contains("epoch 4/4", straight);
        Assert.True(File.Exists(File_("run-2.ckpt")) && File.Exists(File_("run-4.ckpt")), string.Join(", ", Directory.GetFiles(_directory)));
        Assert.False(File.Exists(File_("run-1.ckpt")) || File.Exists(File_("run-3.ckpt")));

        string resumed = Run([.. common, "--resume", File_("run-2.ckpt"), "--save-safetensors", File_("resumed.safetensors")]);
        Assert.Contains("resuming from", resumed);
        Assert.Contains("saved after epoch 2", resumed);
        Assert.Contains("epoch 3/4", resumed);
        Assert.DoesNotContain("epoch 2/4", resumed);
        Assert.Equal(File.ReadAllBytes(File_("straight.safetensors")), File.ReadAllBytes(File_("resumed.safetensors")));
    }

    [Fact]
    public void Safetensors_written_by_one_run_load_into_the_next()
    {
        Run("--epochs", "1", "--save-safetensors", File_("a.safetensors"));
        string second = Run("--epochs", "1", "--load-safetensors", File_("a.safetensors"), "--lr", "0.001");
        Assert.Contains("loaded 6 tensors from", second);
        // Starting from trained weights, the first epoch's loss is far below a fresh start's (~1.0 after one epoch of 1200 images).
        string loss = second.Split('\n').First(l => l.StartsWith("epoch 1/1", StringComparison.Ordinal)).Split("loss ")[1][..6];
        Assert.True(double.Parse(loss, System.Globalization.CultureInfo.InvariantCulture) < 0.6, second);
    }

    [Fact]
    public void Early_stopping_stops_and_says_why()
    {
        string output = Run("--epochs", "40", "--validation", "300", "--early-stopping", "1", "--lr", "0.05", "--lr-decay", "1");
        Assert.Contains("early stopping:", output);
        Assert.DoesNotContain("epoch 40/40", output);
    }

    [Fact]
    public void Resuming_into_the_other_model_is_refused_naming_the_problem()
    {
        Run("--epochs", "1", "--save", File_("mlp.ckpt"));
        var command = new SampleCommand(MnistSample.Definition);
        ParseResult parsed = command.Parse(["--model", "lenet5", "--resume", File_("mlp.ckpt"), "--data", Path.Combine(Repository.Root(), "data", "mnist"), "--limit", "500", "--epochs", "2"]);
        var e = Assert.Throws<InvalidDataException>(() => SampleRun.Run(MnistSample.Definition, command.Bind(parsed), TextWriter.Null));
        Assert.Contains("different network architecture", e.Message);
    }
}
