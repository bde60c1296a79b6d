using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Compiled.Data;
using Compiled.Samples.FashionMnist;
using Compiled.Schedules;

namespace Compiled.Samples.Tests;

/// <summary>
/// compiled-fashion-mnist: its models' defaults, a short LeNet-5 run whose printed history parses (the Fashion-MNIST
/// files from <c>scripts/fetch-fashion-mnist.sh</c>, as CI fetches them), the planned models' and missing data's messages.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class FashionSampleTests
{
    private static SampleOptions Parse(params string[] args)
    {
        var command = new SampleCommand(FashionModels.Definition);
        ParseResult result = command.Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return command.Bind(result);
    }

    private static string Data()
    {
        string data = Path.Combine(Repository.Root(), "data", "fashion-mnist");
        Assert.True(Directory.Exists(data), $"Fashion-MNIST is not in {data}: run `bash scripts/fetch-fashion-mnist.sh` first (README).");
        return data;
    }

    [Fact]
    public void Lenet_is_the_default_with_its_measured_settings()
    {
        SampleOptions o = Parse();
        Assert.Equal("lenet", o.Model);
        Assert.Equal("data/fashion-mnist", o.DataDirectory);
        Assert.Equal(32, o.BatchOrDefault);
        Assert.Equal(15, o.EpochsOrDefault);
        Assert.Equal("sgd", o.Optimizer);
        Assert.Equal(0.02f, o.LearningRateOrDefault);
        Assert.Equal(5e-4f, o.WeightDecayOrDefault);
        Assert.Equal("cosine", o.ScheduleOrDefault.ToString());
    }

    [Theory]
    [InlineData("vgg", 15)]
    [InlineData("resnet", 20)]
    [InlineData("plain", 20)]
    [InlineData("resnet56", 20)]
    [InlineData("plain56", 20)]
    [InlineData("inception", 15)]
    public void The_deep_models_default_to_sgd_one_cycle_to_0_1_at_batch_128(string model, int epochs)
    {
        SampleOptions o = Parse("--model", model);
        Assert.Equal(model, o.Model);
        Assert.Equal(epochs, o.EpochsOrDefault);
        Assert.Equal(128, o.BatchOrDefault);
        Assert.Equal(0.1f, o.LearningRateOrDefault);
        Assert.Equal("onecycle", o.ScheduleOrDefault.ToString());

        // The setup: one-cycle stepped per batch, peaking at the model's rate over its epochs of 60 000 / 128 batches.
        TrainingSetup setup = TrainingSetup.Create(o, 60_000, hasValidation: false, output: null);
        var sgd = Assert.IsType<Compiled.Optimizers.Sgd>(setup.Optimizer);
        Assert.Equal(5e-4f, sgd.WeightDecay);
        var oneCycle = Assert.IsType<OneCycleLR>(setup.Scheduler);
        Assert.Equal(0.1, oneCycle.MaxLearningRates[0], 1e-7);
        Assert.Equal(epochs * 469, oneCycle.TotalSteps);
        Assert.Equal(Training.ScheduleInterval.Step, setup.TrainerOptions.ScheduleInterval);
    }

    [Fact]
    public void Options_override_the_model_defaults_and_another_optimizer_takes_its_own_rate()
    {
        SampleOptions o = Parse("--model", "resnet", "--epochs", "3", "--batch", "64", "--lr", "0.05", "--schedule", "cosine");
        Assert.Equal((3, 64, 0.05f, "cosine"), (o.EpochsOrDefault, o.BatchOrDefault, o.LearningRateOrDefault, o.ScheduleOrDefault.ToString()));
        Assert.Equal(1e-3f, Parse("--model", "vgg", "--optimizer", "adam").LearningRateOrDefault);
    }

    [Fact]
    public void Bad_models_are_rejected_listing_the_five()
    {
        ParseResult result = new SampleCommand(FashionModels.Definition).Parse(["--model", "alexnet"]);
        Assert.Equal("--model must be one of lenet, vgg, resnet, plain, resnet56, plain56, inception; got 'alexnet'.", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Help_lists_the_models_and_their_per_model_defaults()
    {
        var output = new StringWriter();
        TextWriter previous = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, new SampleCommand(FashionModels.Definition).Invoke(["--help"], _ => throw new InvalidOperationException("ran")));
        }
        finally
        {
            Console.SetOut(previous);
        }
        string help = output.ToString();
        Assert.Contains("Trains a CNN on Fashion-MNIST", help);
        Assert.Contains("inception", help);
        Assert.DoesNotContain("(not available yet)", help); // every model builds
        Assert.Contains("32 for lenet; 128 for vgg, resnet, plain, resnet56, plain56, inception", help);
        Assert.Contains("scripts/fetch-fashion-mnist.sh", help);
    }

    [Fact]
    public void The_last_epoch_s_test_pass_is_reused_only_while_the_weights_are_those_it_saw()
    {
        (Dataset train, Dataset test) = FashionMnistDataset.Load(Data());
        train = train.Take(256);
        test = test.Take(300);
        ITrainableNetwork network = FashionModels.Definition.Model("lenet").Create!(1);
        network.Initialize(3);
        var callback = new TestEachEpoch(test, TextWriter.Null);
        Assert.False(callback.TryReuseLast(network, out _, out _, out _));   // no epoch yet
        new Compiled.Training.Trainer(network, new Compiled.Optimizers.Sgd(0.01f, momentum: 0.9f),
            new Compiled.Training.TrainerOptions { Epochs = 1, BatchSize = 64, Output = null, Callbacks = [callback] }).Fit(train);

        Assert.True(callback.TryReuseLast(network, out Compiled.Metrics.EvaluationResult reused, out int[] predicted, out _));
        var expected = new int[test.Count];
        Assert.Equal(new Compiled.Metrics.Evaluator().Evaluate(network, test, expected), reused);
        Assert.Equal(expected, predicted);

        network.Parameters[7] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(network.Parameters[7]) ^ 1);   // one bit
        Assert.False(callback.TryReuseLast(network, out _, out _, out _));
    }

    [Fact]
    public void A_short_lenet_run_prints_a_history_that_parses()
    {
        var command = new SampleCommand(FashionModels.Definition);
        ParseResult parsed = command.Parse(["--model", "lenet", "--epochs", "2", "--limit", "2000", "--threads", "2", "--data", Data(), "--json"]);
        Assert.True(parsed.Errors.Count == 0, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        var output = new StringWriter();
        Assert.Equal(0, SampleRun.Run(FashionModels.Definition, command.Bind(parsed), output));
        string text = output.ToString();
        Assert.StartsWith("compiled-fashion-mnist: LeNet-5 on Fashion-MNIST", text);

        string[] lines = text.Split('\n');
        var train = new Regex(@"^epoch (\d+)/2  loss (\d+\.\d{4})  acc (\d+\.\d{2})%  lr \S+  (\d+\.\d{2}) s");
        var test = new Regex(@"^epoch (\d+)/2  test loss (\d+\.\d{4})  test acc (\d+\.\d{2})%  (\d+\.\d{2}) s");
        var trainLines = lines.Select(l => train.Match(l)).Where(m => m.Success).ToArray();
        var testLines = lines.Select(l => test.Match(l)).Where(m => m.Success).ToArray();
        Assert.Equal(["1", "2"], trainLines.Select(m => m.Groups[1].Value));
        Assert.Equal(["1", "2"], testLines.Select(m => m.Groups[1].Value));
        double[] losses = trainLines.Select(m => Number(m.Groups[2].Value)).ToArray();
        double[] accuracies = testLines.Select(m => Number(m.Groups[3].Value)).ToArray();
        // 2 000 images, 2 epochs: the loss falls and the test accuracy is far above chance (10%); measured 75-80%.
        Assert.True(losses[1] < losses[0], text);
        Assert.All(accuracies, a => Assert.InRange(a, 60, 100));

        // The final line repeats the last epoch's test accuracy; the JSON line carries every epoch's.
        Match final = Regex.Match(text, @"^test accuracy (\d+\.\d{2})% \((\d+)/10000\)", RegexOptions.Multiline);
        Assert.True(final.Success, text);
        Assert.Equal(accuracies[1], Number(final.Groups[1].Value));
        // It reuses that pass (the weights did not change after it): the same loss and the same seconds.
        Match finalLoss = Regex.Match(text, @"^test accuracy .*test loss (\d+\.\d{4}); .* test pass (\d+\.\d{2}) s", RegexOptions.Multiline);
        Assert.True(finalLoss.Success, text);
        Assert.Equal(testLines[1].Groups[2].Value, finalLoss.Groups[1].Value);
        Assert.Equal(testLines[1].Groups[4].Value, finalLoss.Groups[2].Value);
        // Then each class's test accuracy, the ten names in label order; 1 000 test images per class, so their mean is the accuracy.
        string perClass = lines.Single(l => l.StartsWith("per class: ", StringComparison.Ordinal));
        MatchCollection classes = Regex.Matches(perClass, @"(?:: |, )([^,]+?) (\d+\.\d{2})%");
        Assert.Equal(FashionMnistDataset.ClassNames, classes.Select(m => m.Groups[1].Value));
        Assert.Equal(accuracies[1], classes.Average(m => Number(m.Groups[2].Value)), 0.006);
        string json = lines.Last(l => l.StartsWith('{'));
        using var document = System.Text.Json.JsonDocument.Parse(json);
        System.Text.Json.JsonElement root = document.RootElement;
        Assert.Equal("lenet", root.GetProperty("model").GetString());
        Assert.Equal(accuracies, root.GetProperty("epoch_test_accuracy").EnumerateArray().Select(a => Math.Round(a.GetDouble() * 100, 2)));
        Assert.Equal(accuracies[1], Math.Round(root.GetProperty("test_accuracy").GetDouble() * 100, 2));
    }

    [Theory]
    [InlineData("lenet")]
    [InlineData("vgg")] // batch norm's running statistics and the dropout stream go through the checkpoint too
    public void Testing_after_each_epoch_leaves_training_alone_so_a_resumed_run_ends_byte_identical(string model)
    {
        string directory = Directory.CreateTempSubdirectory("compiled-fashion-").FullName;
        try
        {
            string File_(string name) => Path.Combine(directory, name);
            string[] common = ["--model", model, "--epochs", "2", "--limit", model == "lenet" ? "1000" : "256", "--test-limit", "2000", "--threads", "2",
                "--data", Data()];
            string straight = Run([.. common, "--save", File_("run-{epoch}.ckpt"), "--save-safetensors", File_("straight.safetensors")]);
            string resumed = Run([.. common, "--resume", File_("run-1.ckpt"), "--save-safetensors", File_("resumed.safetensors")]);
            Assert.Contains("epoch 1/2  test loss", straight);
            Assert.DoesNotContain("epoch 1/2", resumed);
            Assert.Contains("epoch 2/2  test loss", resumed);
            Assert.Equal(File.ReadAllBytes(File_("straight.safetensors")), File.ReadAllBytes(File_("resumed.safetensors")));
            // Same weights, same test set: the same final line.
            Assert.Equal(FinalLine(straight), FinalLine(resumed));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        static string Run(string[] args)
        {
            var command = new SampleCommand(FashionModels.Definition);
            var output = new StringWriter();
            Assert.Equal(0, SampleRun.Run(FashionModels.Definition, command.Bind(command.Parse(args)), output));
            return output.ToString();
        }

        static string FinalLine(string text) => text.Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal)).Split(';')[0];
    }

    [Theory]
    [InlineData("vgg", "FashionVgg")]
    [InlineData("resnet", "FashionResNet")]
    [InlineData("plain", "FashionPlain")]
    [InlineData("resnet56", "FashionResNet56")]
    [InlineData("plain56", "FashionPlain56")]
    [InlineData("inception", "FashionInception")]
    public void A_deep_model_trains_a_short_epoch_and_reports_its_test_accuracy(string model, string network)
    {
        // A test pass over 500 images (three on the deepest nets took 2.7 minutes of the 3 on a 40 GFLOP/s core).
        (int code, string output, string error) = RunMain("--model", model, "--epochs", "1", "--limit", "256", "--test-limit", "500", "--batch", "64",
            "--threads", "2", "--data", Data());
        Assert.True(code == 0, error);
        Assert.Contains("Network: " + network, output);
        Assert.Contains("train 256, test 500 ", output);
        string final = output.Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        double accuracy = double.Parse(final.Split(' ')[2].TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(accuracy, 0, 100);
    }

    [Fact]
    public void A_missing_data_directory_names_the_fetch_script()
    {
        string absent = Path.Combine(Path.GetTempPath(), "compiled-no-fashion-" + Guid.NewGuid().ToString("N"));
        (int code, string output, string error) = RunMain("--data", absent);
        Assert.Equal(SampleProgram.RunError, code);
        Assert.Equal("", output);
        Assert.Equal($"compiled-fashion-mnist: Fashion-MNIST directory '{absent}' does not exist; fetch the data with scripts/fetch-fashion-mnist.sh {absent}", error.TrimEnd());
    }

    // SampleProgram.Main with the console captured: (exit code, standard output, standard error).
    private static (int Code, string Output, string Error) RunMain(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        TextWriter previousOut = Console.Out, previousError = Console.Error;
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (SampleProgram.Main(FashionModels.Definition, args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    /// <summary>
    /// Every Fashion-MNIST model's parameters and state carry the names and shapes of its PyTorch twin
    /// (<c>Models/torch_equivalents.py</c>, whose output is committed as <c>Models/torch_state_dicts.txt</c>), and as many
    /// parameters: a torchvision-style <c>state_dict</c> maps by name, and the 56-layer twins are nine blocks per stage.
    /// </summary>
    [Fact]
    public void Every_model_matches_its_pytorch_state_dict_by_name_and_shape()
    {
        string path = Path.Combine(Repository.Root(), "Samples", "FashionMnist", "Models", "torch_state_dicts.txt");
        var expected = new System.Collections.Generic.Dictionary<string, (int Count, System.Collections.Generic.List<string> Entries)>();
        string? current = null;
        foreach (string line in File.ReadAllLines(path))
        {
            if (!line.StartsWith(' '))
            {
                string[] head = line.Split(':');
                current = head[0];
                expected[current] = (int.Parse(head[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture), []);
            }
            else
            {
                expected[current!].Entries.Add(line.Trim());
            }
        }

        Assert.Equal(6, expected.Count);
        foreach (SampleModel model in FashionModels.Definition.Models.Where(m => m.Name != "lenet"))
        {
            using ITrainableNetwork network = model.Create!(1);
            (int count, var entries) = expected[network.GetType().Name];
            Assert.Equal(count, network.Parameters.Length);
            string[] actual = network.ParameterTable.Concat(network.StateTable)
                .Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]").Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(entries.Order(StringComparer.Ordinal).ToArray(), actual);
        }
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
