using System.Collections.Generic;
using System.Linq;
using Compiled.Docs.Tests.Support;

namespace Compiled.Docs.Tests;

/// <summary>
/// README.md's ```csharp blocks compile against the library with the generator running, so a README that drifts from
/// the API fails CI. Blocks that only declare networks are compiled with every other block; the others are fragments
/// (they use <c>images</c>, <c>labels</c> or a <c>net</c> from an earlier block), each compiled as a program of its own
/// with those names supplied by <see cref="Context"/>. They are not run: the guide's snippets are (<see cref="GuideTests"/>).
/// </summary>
public sealed class ReadmeTests
{
    private static readonly IReadOnlyList<Snippet> Blocks = GuideSnippets.Read(RepositoryPaths.Readme);

    // What the README's fragments take as given, as a reader would: the network and optimizer of the usage snippet and
    // a batch of images with their labels. Locals of the same name in a block shadow these.
    private const string Context = """
        global using static ReadmeContext;

        internal static class ReadmeContext
        {
            public static LeNet5 net { get; } = new();
            public static Compiled.Optimizers.Sgd sgd { get; } = new(0.02f, momentum: 0.9f);
            public static float[] images { get; } = new float[64 * 28 * 28];
            public static int[] labels { get; } = new int[64];
            public static float[] probabilities { get; } = new float[64 * 10];
        }
        """;

    public static TheoryData<string> Fragments()
    {
        var data = new TheoryData<string>();
        foreach (Snippet s in Blocks.Where(SnippetRunner.IsProgram)) data.Add(s.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Fragments))]
    public void Block_compiles(string name) =>
        SnippetRunner.Compile(Harness(Blocks.Single(s => s.Name == name)), RepositoryPaths.Readme);

    [Fact]
    public void The_declarations_compile_on_their_own()
    {
        Snippet[] declarations = Blocks.Where(s => !SnippetRunner.IsProgram(s)).ToArray();
        Assert.NotEmpty(declarations);
        SnippetRunner.Compile(new Snippet("readme-declarations", declarations.SelectMany(d => d.Blocks).ToList()), RepositoryPaths.Readme);
    }

    [Fact]
    public void The_training_section_shows_every_feature_it_promises()
    {
        string training = string.Join("\n", Blocks.SelectMany(s => s.Blocks).Select(b => b.Code));
        foreach (string api in new[] { "new AdamW(", "SetGroups(", "LearningRate =", "WeightDecay = 0f", "Freeze(", "Schedule =", "WeightPenalty(",
                     "ClipGradNorm", "EarlyStopping(", "new Trainer(", "CheckpointEvery", ".Resume(", "GradientCheck.Run(", "PredictClasses(" })
            Assert.True(training.Contains(api, System.StringComparison.Ordinal), $"README.md's snippets should show {api}");
    }

    [Fact]
    public void A_block_that_drifts_from_the_API_fails()
    {
        Snippet training = Blocks.Single(s => s.Blocks.Any(b => b.Code.Contains("new Trainer(", System.StringComparison.Ordinal)));
        var drifted = new Snippet(training.Name, training.Blocks.Select(b => b with { Code = b.Code.Replace("PredictClasses(", "PredictClass(") }).ToList());
        var error = Assert.Throws<SnippetException>(() => SnippetRunner.Compile(Harness(drifted), RepositoryPaths.Readme));
        Assert.Contains("PredictClass", error.Message);
    }

    /// <summary>The fragment, after every declaration-only block and the context.</summary>
    private static Snippet Harness(Snippet fragment)
    {
        var blocks = new List<CodeBlock> { new(Context, 1) };
        blocks.AddRange(Blocks.Where(s => !SnippetRunner.IsProgram(s)).SelectMany(s => s.Blocks));
        blocks.AddRange(fragment.Blocks);
        return new Snippet("readme-" + fragment.Name, blocks);
    }
}
