using System.CommandLine;
using System.Linq;
using Compiled.Data;
using Compiled.Samples.FashionMnist;
using Compiled.Samples.Mnist;

namespace Compiled.Samples.Tests;

/// <summary>--augment: the spec's grammar, its errors, the per-model defaults and the augmentation it builds.</summary>
public sealed class AugmentSpecTests
{
    private static SampleOptions Parse(SampleDefinition definition, params string[] args)
    {
        var command = new SampleCommand(definition);
        ParseResult result = command.Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return command.Bind(result);
    }

    private static string Error(string text)
    {
        ParseResult result = new SampleCommand(FashionModels.Definition).Parse(["--augment", text]);
        return Assert.Single(result.Errors).Message;
    }

    [Theory]
    [InlineData("none", 0, 0f, "none")]
    [InlineData("NONE", 0, 0f, "none")]
    [InlineData("crop:padding=2,flip", 2, 0.5f, "crop:padding=2,flip")]
    [InlineData("flip, crop:padding=4", 4, 0.5f, "crop:padding=4,flip")]
    [InlineData("flip", 0, 0.5f, "flip")]
    [InlineData("crop:padding=3", 3, 0f, "crop:padding=3")]
    [InlineData("Flip:P=0.25", 0, 0.25f, "flip:p=0.25")]
    [InlineData("crop:padding=1,flip:p=1", 1, 1f, "crop:padding=1,flip:p=1")]
    public void Valid_specs_parse_to_their_padding_and_flip_probability(string text, int padding, float flip, string canonical)
    {
        AugmentSpec spec = Parse(FashionModels.Definition, "--augment", text).Augment!;
        Assert.Equal(padding, spec.Padding);
        Assert.Equal(flip, spec.FlipProbability);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(spec, AugmentSpec.Parse(canonical));   // the canonical spelling reads back
    }

    [Theory]
    [InlineData("rotate", "unknown part 'rotate'")]
    [InlineData("crop", "give the padding")]
    [InlineData("crop:padding=0", "padding must be a whole number in 1..64; got '0'")]
    [InlineData("crop:padding=-2", "got '-2'")]
    [InlineData("crop:padding=two", "got 'two'")]
    [InlineData("crop:size=2", "unknown key 'size'; it takes padding")]
    [InlineData("flip:p=1.5", "p must be a number in (0, 1]; got '1.5'")]
    [InlineData("flip:p=0", "got '0'")]
    [InlineData("flip,flip", "'flip' is given twice")]
    [InlineData("crop:padding=2,padding=3", "'padding' is given twice")]
    [InlineData("none,flip", "none cannot be combined")]
    [InlineData("crop:padding", "is not part or key=value")]
    [InlineData("", "empty")]
    public void Malformed_specs_are_rejected_with_the_problem_named(string text, string message)
    {
        string error = Error(text);
        Assert.StartsWith("--augment", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Resnet_and_plain_default_to_crops_and_flips_the_others_and_mnist_to_none()
    {
        foreach (string model in new[] { "resnet", "plain", "resnet56", "plain56" })
            Assert.Equal("crop:padding=2,flip", Parse(FashionModels.Definition, "--model", model).AugmentOrDefault.ToString());
        foreach (string model in new[] { "lenet", "vgg", "inception" })
            Assert.True(Parse(FashionModels.Definition, "--model", model).AugmentOrDefault.IsNone);
        foreach (string model in MnistSample.Definition.ModelNames)
            Assert.True(Parse(MnistSample.Definition, "--model", model).AugmentOrDefault.IsNone);
        Assert.True(Parse(FashionModels.Definition, "--model", "resnet", "--augment", "none").AugmentOrDefault.IsNone);
        Assert.Equal("flip", Parse(FashionModels.Definition, "--model", "lenet", "--augment", "flip").AugmentOrDefault.ToString());
    }

    [Fact]
    public void The_help_states_each_models_default_and_warns_against_flipping_digits()
    {
        string fashion = new SampleCommand(FashionModels.Definition).Root.Options.Single(o => o.Name == "--augment").Description!;
        Assert.Contains("[default: none for lenet, vgg, inception; crop:padding=2,flip for resnet, plain, resnet56, plain56]", fashion);
        string mnist = new SampleCommand(MnistSample.Definition).Root.Options.Single(o => o.Name == "--augment").Description!;
        Assert.Contains("[default: none]", mnist);
        Assert.Contains("not digits", mnist);
    }

    [Fact]
    public void The_augmentation_pads_with_a_standardized_black_pixel_and_none_builds_nothing()
    {
        var train = new Dataset([0f, 0.5f, 1f, 1f, 0.25f, 0.75f, 0f, 0f], [0, 1], [1, 2, 2]);
        Standardization standardization = Standardization.Fit(train);
        ImageAugmentation augmentation = AugmentSpec.Parse("crop:padding=2,flip").Create(standardization)!;
        Assert.Equal(2, augmentation.Padding);
        Assert.Equal(0.5, augmentation.FlipProbability);
        float black = (0f - standardization.Mean[0]) * (1f / standardization.Std[0]);
        Assert.Equal([black], augmentation.PadValue);
        Assert.True(black < 0f);
        Assert.Null(AugmentSpec.None.Create(standardization));
    }
}
