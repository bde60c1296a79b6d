using System;
using System.CommandLine;
using Compiled.Samples.Mnist;

namespace Compiled.Samples.Tests;

/// <summary>The sample's command line: defaults, every option's value, and the library's errors for bad input.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SampleCommandTests
{
    private static SampleOptions Parse(params string[] args)
    {
        var command = new SampleCommand(MnistSample.Definition);
        ParseResult result = command.Parse(args);
        Assert.True(result.Errors.Count == 0, $"unexpected errors: {string.Join("; ", System.Linq.Enumerable.Select(result.Errors, e => e.Message))}");
        return command.Bind(result);
    }

    private static string Error(params string[] args)
    {
        ParseResult result = new SampleCommand(MnistSample.Definition).Parse(args);
        Assert.NotEmpty(result.Errors);
        return result.Errors[0].Message;
    }

    [Fact]
    public void No_arguments_give_the_measured_defaults()
    {
        SampleOptions o = Parse();
        Assert.Equal("lenet5", o.Model);
        Assert.Equal(10, o.EpochsOrDefault);
        Assert.Equal(32, o.BatchOrDefault);
        Assert.Equal(0.02f, o.LearningRateOrDefault);
        Assert.Equal(0.8f, o.LearningRateDecayOrDefault);
        Assert.Equal(5e-4f, o.WeightDecayOrDefault);
        Assert.Equal("sgd", o.Optimizer);
        Assert.Equal(0.9f, o.Momentum);
        Assert.Equal(1, o.Seed);
        Assert.Equal("data/mnist", o.DataDirectory);
        Assert.Equal(0, o.Threads);
        Assert.Null(o.Limit);
        Assert.Null(o.TestLimit);
        Assert.Equal(0, o.Validation);
        Assert.Null(o.Width);
        Assert.False(o.Json);
    }

    [Fact]
    public void The_mlp_defaults_to_batch_64_and_adam_to_lr_0_001()
    {
        Assert.Equal(64, Parse("--model", "mlp").BatchOrDefault);
        Assert.Equal(1e-3f, Parse("--optimizer", "adam").LearningRateOrDefault);
    }

    [Fact]
    public void Every_option_reaches_the_settings()
    {
        SampleOptions o = Parse("--model", "MLP", "--epochs", "3", "--batch", "16", "--lr", "0.05", "--lr-decay", "1", "--weight-decay", "0",
            "--optimizer", "Adam", "--momentum", "0.5", "--seed", "7", "--data", "/tmp/x", "--threads", "2", "--limit", "3000",
            "--test-limit", "700", "--validation", "500", "--width", "scalar", "--json");
        Assert.Equal("mlp", o.Model);
        Assert.Equal(3, o.EpochsOrDefault);
        Assert.Equal(16, o.BatchOrDefault);
        Assert.Equal(0.05f, o.LearningRateOrDefault);
        Assert.Equal(1f, o.LearningRateDecayOrDefault);
        Assert.Equal(0f, o.WeightDecayOrDefault);
        Assert.Equal("adam", o.Optimizer);
        Assert.Equal(0.5f, o.Momentum);
        Assert.Equal(7, o.Seed);
        Assert.Equal("/tmp/x", o.DataDirectory);
        Assert.Equal(2, o.Threads);
        Assert.Equal(3000, o.Limit);
        Assert.Equal(700, o.TestLimit);
        Assert.Equal(500, o.Validation);
        Assert.Equal("scalar", o.Width);
        Assert.True(o.Json);
    }

    [Fact]
    public void Equals_sign_values_and_invariant_numbers_parse()
    {
        SampleOptions o = Parse("--lr=1e-3", "--width=256");
        Assert.Equal(1e-3f, o.LearningRate);
        Assert.Equal("256", o.Width);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs needs a whole number > 0; got '0'.")]
    [InlineData("--epochs", "abc", "--epochs needs a whole number > 0; got 'abc'.")]
    [InlineData("--batch", "-1", "--batch needs a whole number > 0; got '-1'.")]
    [InlineData("--lr", "-0.1", "--lr needs a number > 0; got '-0.1'.")]
    [InlineData("--lr", "NaN", "--lr needs a number > 0; got 'NaN'.")]
    [InlineData("--momentum", "1", "--momentum needs a number in [0, 1); got '1'.")]
    [InlineData("--weight-decay", "2", "--weight-decay needs a number in [0, 1); got '2'.")]
    [InlineData("--seed", "-3", "--seed needs a whole number >= 0; got '-3'.")]
    [InlineData("--model", "resnet", "--model must be one of lenet5, mlp; got 'resnet'.")]
    [InlineData("--optimizer", "lbfgs", "--optimizer must be one of sgd, adagrad, adadelta, rmsprop, adam, adamw, adamax, nadam, radam, asgd, rprop; got 'lbfgs'.")]
    [InlineData("--width", "64", "--width must be one of 512, 256, 128, scalar; got '64'.")]
    public void Bad_values_are_rejected_with_a_message_naming_the_option(string option, string value, string message) =>
        Assert.Equal(message, Error(option, value));

    [Fact]
    public void Unknown_options_and_missing_values_are_errors()
    {
        Assert.Contains("--bogus", Error("--bogus"));
        Assert.Contains("--epochs", Error("--epochs"));
    }

    [Fact]
    public void Invoke_returns_2_on_errors_without_running_and_0_for_help()
    {
        bool ran = false;
        var error = new System.IO.StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(SampleCommand.UsageError, new SampleCommand(MnistSample.Definition).Invoke(["--epochs", "0"], _ => { ran = true; return 0; }));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.False(ran);
        Assert.Contains("--epochs needs a whole number > 0", error.ToString());

        var output = new System.IO.StringWriter();
        var previousOut = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, new SampleCommand(MnistSample.Definition).Invoke(["--help"], _ => { ran = true; return 0; }));
        }
        finally
        {
            Console.SetOut(previousOut);
        }
        Assert.False(ran);
        Assert.Contains("--weight-decay", output.ToString());
        Assert.Equal(3, new SampleCommand(MnistSample.Definition).Invoke(["--epochs", "2"], o => o.EpochsOrDefault + 1));
    }
}

/// <summary>The training-toolkit options: values, defaults and range errors.</summary>
public sealed class ToolkitOptionTests
{
    private static SampleOptions Parse(params string[] args)
    {
        var command = new SampleCommand(MnistSample.Definition);
        ParseResult result = command.Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", System.Linq.Enumerable.Select(result.Errors, e => e.Message)));
        return command.Bind(result);
    }

    [Fact]
    public void Off_by_default()
    {
        SampleOptions o = Parse();
        Assert.Null(o.ClipNorm);
        Assert.Null(o.L1);
        Assert.Null(o.L2);
        Assert.Null(o.EarlyStoppingPatience);
        Assert.Null(o.Save);
        Assert.Equal(1, o.SaveEvery);
        Assert.Null(o.Resume);
        Assert.Null(o.LoadSafeTensors);
        Assert.Null(o.SaveSafeTensors);
    }

    [Fact]
    public void Values_reach_the_settings()
    {
        SampleOptions o = Parse("--clip-norm", "1.5", "--l1", "1e-5", "--l2", "0", "--validation", "100", "--early-stopping", "4", "--save", "run.ckpt", "--save-every", "3",
            "--resume", "old.ckpt", "--load-safetensors", "in.safetensors", "--save-safetensors", "out.safetensors");
        Assert.Equal(1.5f, o.ClipNorm);
        Assert.Equal(1e-5f, o.L1);
        Assert.Equal(0f, o.L2);
        Assert.Equal(4, o.EarlyStoppingPatience);
        Assert.Equal("run.ckpt", o.Save);
        Assert.Equal(3, o.SaveEvery);
        Assert.Equal("old.ckpt", o.Resume);
        Assert.Equal("in.safetensors", o.LoadSafeTensors);
        Assert.Equal("out.safetensors", o.SaveSafeTensors);
    }

    [Fact]
    public void Early_stopping_without_a_value_has_patience_10()
    {
        Assert.Equal(10, Parse("--validation", "100", "--early-stopping").EarlyStoppingPatience);
        Assert.Equal(10, Parse("--validation", "100", "--early-stopping", "--json").EarlyStoppingPatience);
    }

    [Theory]
    [InlineData("--clip-norm", "0", "--clip-norm needs a number > 0; got '0'.")]
    [InlineData("--l1", "-1", "--l1 needs a number >= 0; got '-1'.")]
    [InlineData("--l2", "x", "--l2 needs a number >= 0; got 'x'.")]
    [InlineData("--early-stopping", "0", "--early-stopping needs a whole number > 0; got '0'.")]
    [InlineData("--save-every", "0", "--save-every needs a whole number > 0; got '0'.")]
    public void Bad_values_are_rejected(string option, string value, string message)
    {
        ParseResult result = new SampleCommand(MnistSample.Definition).Parse([option, value, "--validation", "100", "--save", "x.ckpt"]);
        Assert.Equal(message, Assert.Single(result.Errors).Message);
    }

    [Theory]
    [InlineData("--early-stopping watches the validation loss: give --validation N too.", "--early-stopping")]
    [InlineData("--early-stopping watches the validation loss: give --validation N too.", "--early-stopping", "3")]
    [InlineData("--optimizer rprop takes no --weight-decay (torch.optim.Rprop has none).", "--optimizer", "rprop", "--weight-decay", "0.1")]
    [InlineData("--save-every needs --save FILE.", "--save-every", "2")]
    public void Combinations_that_cannot_work_are_rejected(string message, params string[] args)
    {
        ParseResult result = new SampleCommand(MnistSample.Definition).Parse(args);
        Assert.Equal(message, Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Rprop_without_an_explicit_weight_decay_gets_none()
    {
        Assert.Equal(0f, Parse("--optimizer", "rprop").WeightDecayOrDefault);
        Assert.Equal(0f, Parse("--optimizer", "rprop", "--weight-decay", "0").WeightDecayOrDefault);
        Assert.Equal(5e-4f, Parse("--optimizer", "adamw").WeightDecayOrDefault);
    }
}
