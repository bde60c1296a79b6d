using System.Collections.Generic;
using System.Linq;
using Compiled.Docs.Tests.Support;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // snippets share the console and the working directory

namespace Compiled.Docs.Tests;

/// <summary>
/// docs/guide.md is executable documentation: every ```csharp snippet (see <see cref="GuideSnippets"/> for how blocks
/// group) is compiled with the Compiled generator and run, with the guide's own paths, on a small copy of MNIST.
/// </summary>
public sealed class GuideTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly IReadOnlyList<Snippet> Snippets = GuideSnippets.Read(RepositoryPaths.Guide);

    // What a snippet must print, beyond running without an exception: proof that it did the work it describes.
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["inspect"] = ["conv1.weight [6, 1, 5, 5] at 0", "fc1.weight   [120, 400]", "61706 parameters"],
        ["data"] = ["train 1200, test 400, sample [1, 28, 28], 10 classes", "train 1080, validation 120"],
        ["own-data"] = ["200 samples of 2 floats, 2 classes", "1 mean over all features"],
        ["by-hand"] = ["epoch 3: train loss"],
        ["trainer"] = ["epoch 3/3  loss", "val acc", "epoch,train_loss,train_accuracy", "test accuracy"],
        ["callback"] = ["reached at epoch"],
        ["predict"] = ["PredictClasses: ", "image 7: predicted"],
        ["session"] = ["session equals the network: True", "after more training the session still answers as before: True"],
        ["optimizers"] = ["Sgd   after 57 steps", "AdamW after 57 steps", "NAdam after 57 steps"],
        ["groups"] = ["group *.bias: lr 0.02, weight decay 0", "group conv1: lr 0.002, weight decay 0.0005", "group default: lr 0.02, weight decay 0.0005", "conv2 frozen: True"],
        ["regularization"] = ["early stopping:", "restored: True"],
        ["regression"] = ["w = [2.000, -1.000], b = 0.500"],
        ["width"] = ["scalar"],
        ["schedules"] = ["0.1000 0.0905 0.0655 0.0345 0.0095", "0.00025 0.000625 0.001 0.001 0.0005 0.0005"],
        ["schedule-trainer"] = ["final learning rate", "momentum at the start 0.95", "one cycle: 45 of 45 steps", ", momentum 0.95"],
        ["checkpoint"] = ["resumed at epoch 3; identical to the straight run: True", "saved from a different network architecture"],
        // The guide says finite differences across ReLU/max-pool kinks fail the check: if that changes, this fails so
        // that the guide is updated.
        ["gradient-check"] = ["conv1.weight", "fc3.bias", "gradients match", "passed: False"],
        ["safetensors"] = ["conv1.weight F32 [6, 1, 5, 5]", "loaded 10 tensors; equal: True"],
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (Snippet s in Snippets) data.Add(s.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Snippet_compiles_and_runs(string name)
    {
        Snippet snippet = Snippets.Single(s => s.Name == name);
        byte[] image = SnippetRunner.Compile(snippet, RepositoryPaths.Guide);
        if (!SnippetRunner.IsProgram(snippet)) return; // declarations only: compiling them is the test
        var clock = System.Diagnostics.Stopwatch.StartNew();
        SnippetRun run = SnippetRunner.Run(snippet, image, SmallMnist.WorkingDirectory);
        log.WriteLine($"{name} ran in {clock.Elapsed.TotalSeconds:F2} s:\n{run.Output}");
        Assert.True(run.ExitCode == 0, $"'{name}' exited with {run.ExitCode}:\n{run.Output}");
        foreach (string text in Expected.GetValueOrDefault(name, []))
            Assert.True(run.Output.Contains(text, System.StringComparison.Ordinal), $"'{name}' should print '{text}':\n{run.Output}");
    }

    [Fact]
    public void The_guide_has_snippets_and_every_expectation_names_one()
    {
        Assert.True(Snippets.Count >= 10, $"docs/guide.md has {Snippets.Count} snippets");
        foreach (string name in Expected.Keys)
            Assert.Contains(Snippets, s => s.Name == name);
    }
}
