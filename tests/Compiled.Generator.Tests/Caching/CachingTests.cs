using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests.Caching;

/// <summary>
/// Incremental behaviour, per kind of edit (the expected run reason of every tracked step):
/// <list type="bullet">
/// <item>unrelated edit (a file added): every step Cached (the attribute provider does not even re-run the transform
/// for a tree that did not change);</item>
/// <item>a layer's size changed: Declarations, Shapes, Plans and Sources Modified;</item>
/// <item>a member of the network class added or edited whose name no generated member could have: Declarations
/// Unchanged or Cached (the model keeps only members named like generated ones), every later step Cached;</item>
/// <item>a member added with a generated member's name: Declarations, Shapes and Plans Modified (CMP0018);</item>
/// <item>lines (code or a comment) inserted above a network: Declarations Unchanged, Sites Modified (the source positions,
/// which only the diagnostics output reads), every other step Cached; the diagnostics still point at the moved attribute.</item>
/// </list>
/// And the models hold no compiler objects.
/// </summary>
public sealed class CachingTests
{
    private static readonly string[] TrackedSteps =
    {
        TrackingNames.Declarations, TrackingNames.Sites, TrackingNames.Shapes, TrackingNames.Plans, TrackingNames.Emission,
        TrackingNames.Diagnostics, TrackingNames.Sources,
    };

    private const string Broken = """
        using Compiled;
        [Network]
        [Input(1, 4, 4)]
        [Conv2D(2, Kernel = 7), ReLU]
        [Dense(2), MeanSquaredError]
        public partial class Broken;
        """;

    public static TheoryData<string> Networks => new()
    {
        TestNetworks.LeNet5,
        TestNetworks.Mlp,
        // one with a diagnostic, so the diagnostics branch carries data
        Broken,
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Unrelated_edit_leaves_every_tracked_step_cached_or_unchanged(string source)
    {
        GeneratorOutcome first = GeneratorHarness.Run(source);
        Compilation edited = first.Input.Clone().AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace Other { internal static class Unrelated { public const int Answer = 42; } }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        Dictionary<string, IncrementalStepRunReason[]> reasons = Reasons(second);
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, reasons[TrackingNames.Declarations]);
        foreach (string step in TrackedSteps)
        {
            Assert.All(reasons[step], reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        }
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, reasons[TrackingNames.Plans]);
    }

    public static TheoryData<string, string> Insertions => new()
    {
        { TestNetworks.LeNet5, "// a comment the user typed above the network\n" },
        { TestNetworks.LeNet5, "internal static class Helper { }\n\n" },
        { TestNetworks.Mlp, "/* two\n   lines */\n" },
        { Broken, "// a comment\n// and another\n" },
    };

    [Theory]
    [MemberData(nameof(Insertions))]
    public void Inserting_lines_above_a_network_leaves_the_model_cached_and_moves_the_diagnostics(string source, string inserted)
    {
        GeneratorOutcome first = GeneratorHarness.Run(source);
        SyntaxTree tree = first.Input.SyntaxTrees.Single();
        int at = source.IndexOf("[Network]", System.StringComparison.Ordinal);
        string text = source.Insert(at, inserted);
        Compilation edited = first.Input.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        Dictionary<string, IncrementalStepRunReason[]> reasons = Reasons(second);
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, reasons[TrackingNames.Declarations]);
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, reasons[TrackingNames.Sites]);
        foreach (string step in TrackedSteps.Where(s => s != TrackingNames.Declarations && s != TrackingNames.Sites))
        {
            Assert.All(reasons[step], reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        }
        Assert.Equal(first.HintNames, second.HintNames);

        // The same diagnostics, each moved down by the inserted lines, still on the same text.
        int lines = inserted.Count(c => c == '\n');
        Assert.Equal(first.GeneratorDiagnostics.Count, second.GeneratorDiagnostics.Count);
        for (int i = 0; i < first.GeneratorDiagnostics.Count; i++)
        {
            Diagnostic before = first.GeneratorDiagnostics[i], after = second.GeneratorDiagnostics[i];
            Assert.Equal(before.Id, after.Id);
            Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + lines, after.Location.GetLineSpan().StartLinePosition.Line);
            Assert.Equal(before.Location.SourceSpan.Start + inserted.Length, after.Location.SourceSpan.Start);
            Assert.Equal(source.Substring(before.Location.SourceSpan.Start, before.Location.SourceSpan.Length),
                text.Substring(after.Location.SourceSpan.Start, after.Location.SourceSpan.Length));
        }
    }

    [Fact]
    public void Broken_network_reports_at_the_attribute_that_causes_it()
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(Broken);

        Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("CMP0008", diagnostic.Id);
        Assert.Equal("Conv2D(2, Kernel = 7)", Broken.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Fact]
    public void Layer_size_edit_modifies_the_model_and_every_later_step()
    {
        GeneratorOutcome first = GeneratorHarness.Run(TestNetworks.LeNet5);
        SyntaxTree tree = first.Input.SyntaxTrees.Single();
        SyntaxTree changed = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(TestNetworks.LeNet5.Replace("Dense(120)", "Dense(100)")));
        Compilation edited = first.Input.ReplaceSyntaxTree(tree, changed);

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        Dictionary<string, IncrementalStepRunReason[]> reasons = Reasons(second);
        foreach (string step in new[] { TrackingNames.Declarations, TrackingNames.Shapes, TrackingNames.Plans, TrackingNames.Sources })
        {
            Assert.Equal(new[] { IncrementalStepRunReason.Modified }, reasons[step]);
        }
        Assert.Contains("fc1.weight\", \"fc1\", 2572, new int[] { 100, 400 }", second.Source("Samples.LeNet5.g.cs"));
    }

    private const string WithMember = """
        using Compiled;
        namespace Samples;
        [Network]
        [Input(4)]
        [Dense(3), SoftmaxCrossEntropy]
        public partial class Net
        {
            public int Describe(int x) => x + 1;
        }
        """;

    [Theory]
    [InlineData("public int Describe(int x) => x + 10;")]
    [InlineData("public int Describe(int x) => x + 1;\n    public string Name { get; set; } = \"net\";")]
    public void Editing_a_member_no_generated_member_could_clash_with_leaves_the_model_unchanged(string member)
    {
        GeneratorOutcome first = GeneratorHarness.Run(WithMember);
        SyntaxTree tree = first.Input.SyntaxTrees.Single();
        string text = WithMember.Replace("public int Describe(int x) => x + 1;", member);
        Compilation edited = first.Input.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        Dictionary<string, IncrementalStepRunReason[]> reasons = Reasons(second);
        IncrementalStepRunReason declarations = Assert.Single(reasons[TrackingNames.Declarations]);
        Assert.True(declarations is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, $"Declarations: {declarations}");
        foreach (string step in new[] { TrackingNames.Shapes, TrackingNames.Plans, TrackingNames.Sources })
        {
            Assert.Equal(new[] { IncrementalStepRunReason.Cached }, reasons[step]);
        }
    }

    [Fact]
    public void Adding_a_member_named_like_a_generated_one_reports_it()
    {
        GeneratorOutcome first = GeneratorHarness.Run(WithMember);
        SyntaxTree tree = first.Input.SyntaxTrees.Single();
        string text = WithMember.Replace("public int Describe(int x) => x + 1;", "public int Describe(int x) => x + 1;\n    public string Summary => \"mine\";");
        Compilation edited = first.Input.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        Dictionary<string, IncrementalStepRunReason[]> reasons = Reasons(second);
        foreach (string step in new[] { TrackingNames.Declarations, TrackingNames.Shapes, TrackingNames.Plans })
        {
            Assert.Equal(new[] { IncrementalStepRunReason.Modified }, reasons[step]);
        }
        Assert.Equal("CMP0018", Assert.Single(second.GeneratorDiagnostics).Id);
        Assert.Empty(second.HintNames);
    }

    [Fact]
    public void Editing_one_network_leaves_another_cached()
    {
        GeneratorOutcome first = GeneratorHarness.Run(TestNetworks.LeNet5, TestNetworks.Mlp);
        SyntaxTree mlp = first.Input.SyntaxTrees.Last();
        Compilation edited = first.Input.ReplaceSyntaxTree(mlp, mlp.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(TestNetworks.Mlp.Replace("Dense(64)", "Dense(32)"))));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        IncrementalStepRunReason[] plans = Reasons(second)[TrackingNames.Plans];
        Assert.Equal(2, plans.Length);
        Assert.Contains(IncrementalStepRunReason.Cached, plans);
        Assert.Contains(IncrementalStepRunReason.Modified, plans);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Models_hold_no_compiler_objects(string source)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(source);

        int outputs = 0;
        foreach (string step in TrackedSteps)
        {
            if (!outcome.Generator.TrackedSteps.TryGetValue(step, out var runs)) continue; // a step that got no input
            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                {
                    outputs++;
                    Assert.Empty(ModelGraph.FindCompilerObjects(value));
                }
            }
        }
        Assert.True(outputs >= 3, $"expected the tracked steps to produce outputs, got {outputs}");
    }

    [Fact]
    public void The_graph_walk_does_find_compiler_objects()
    {
        Compilation compilation = GeneratorHarness.Compilation(TestNetworks.Mlp);
        var holder = new List<object> { 1, "text", new[] { compilation.SyntaxTrees.Single().GetRoot().GetLocation() } };

        Assert.Single(ModelGraph.FindCompilerObjects(holder));
    }

    private static Dictionary<string, IncrementalStepRunReason[]> Reasons(GeneratorOutcome outcome)
        => TrackedSteps.ToDictionary(
            step => step,
            step => outcome.Generator.TrackedSteps.TryGetValue(step, out var runs)
                ? runs.SelectMany(run => run.Outputs.Select(o => o.Reason)).ToArray()
                : System.Array.Empty<IncrementalStepRunReason>());
}
