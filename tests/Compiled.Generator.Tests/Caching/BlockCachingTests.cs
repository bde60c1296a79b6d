using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Compiled.Generator.Tests.Caching;

/// <summary>
/// Blocks live in their own files; a network that uses one is regenerated when the block's attributes change, and an
/// edit elsewhere (an unrelated file, lines above the block) re-runs nothing after parsing.
/// </summary>
public sealed class BlockCachingTests
{
    private const string Block = """
        using Compiled;
        namespace Lib;
        [Block("pad = 1")]
        [Conv2D(3, Kernel = 3, Padding = "pad"), ReLU]
        [Residual]
        public class Res;
        """;

    private const string Network = """
        using Compiled;
        namespace App;
        [Network]
        [Input(3, 6, 6)]
        [Use(typeof(Lib.Res), Repeat = 2)]
        [Dense(2), MeanSquaredError]
        public partial class Net;
        """;

    private static readonly string[] Later = { TrackingNames.Shapes, TrackingNames.Plans, TrackingNames.Emission, TrackingNames.Sources };

    [Fact]
    public void Editing_the_block_regenerates_the_network()
    {
        GeneratorOutcome first = GeneratorHarness.Run(Network, Block);
        Assert.Empty(first.GeneratorDiagnostics);
        SyntaxTree block = first.Input.SyntaxTrees.Last();
        Compilation edited = first.Input.ReplaceSyntaxTree(block, block.WithChangedText(SourceText.From(Block.Replace("ReLU]", "Tanh]"))));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        Dictionary<string, IncrementalStepRunReason[]> reasons = Reasons(second);
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, reasons[TrackingNames.Declarations]); // the network's file did not change
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, reasons[TrackingNames.Blocks]);
        foreach (string step in Later) Assert.Equal(new[] { IncrementalStepRunReason.Modified }, reasons[step]);
        Assert.Contains("ActivationKernels.Tanh(", second.Source("App.Net.g.cs"));
        Assert.DoesNotContain("ActivationKernels.Relu(", second.Source("App.Net.g.cs"));
    }

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached()
    {
        GeneratorOutcome first = GeneratorHarness.Run(Network, Block);
        Compilation edited = first.Input.Clone().AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace Other { internal static class Unrelated { public const int Answer = 42; } }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        foreach ((string step, IncrementalStepRunReason[] runs) in Reasons(second))
            Assert.All(runs, reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
        Assert.Equal(first.HintNames, second.HintNames);
    }

    [Fact]
    public void Lines_inserted_above_the_block_leave_the_network_cached()
    {
        GeneratorOutcome first = GeneratorHarness.Run(Network, Block);
        SyntaxTree block = first.Input.SyntaxTrees.Last();
        string text = Block.Insert(Block.IndexOf("[Block", System.StringComparison.Ordinal), "// a comment\n");
        Compilation edited = first.Input.ReplaceSyntaxTree(block, block.WithChangedText(SourceText.From(text)));

        GeneratorOutcome second = GeneratorHarness.Run(first.Driver, edited);

        Dictionary<string, IncrementalStepRunReason[]> reasons = Reasons(second);
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, reasons[TrackingNames.Blocks]);
        foreach (string step in Later.Append(TrackingNames.BlockTable)) Assert.All(reasons[step], reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }

    private static Dictionary<string, IncrementalStepRunReason[]> Reasons(GeneratorOutcome outcome)
        => new[] { TrackingNames.Declarations, TrackingNames.Sites, TrackingNames.Blocks, TrackingNames.BlockTable, TrackingNames.BlockDiagnostics }
            .Concat(Later)
            .ToDictionary(
                step => step,
                step => outcome.Generator.TrackedSteps.TryGetValue(step, out var runs)
                    ? runs.SelectMany(run => run.Outputs.Select(o => o.Reason)).ToArray()
                    : System.Array.Empty<IncrementalStepRunReason>());
}
