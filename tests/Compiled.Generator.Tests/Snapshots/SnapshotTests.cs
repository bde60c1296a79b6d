using Compiled.Generator.Tests.Support;

namespace Compiled.Generator.Tests.Snapshots;

/// <summary>The generated source of representative networks, held against committed snapshots, and compiled.</summary>
public sealed class SnapshotTests
{
    [Theory]
    [InlineData("LeNet5", TestNetworks.LeNet5)]
    [InlineData("Mlp", TestNetworks.Mlp)]
    public void Generated_source_matches_snapshot_and_compiles(string name, string declaration)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(declaration);

        Assert.Null(outcome.Generator.Exception);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Equal(new[] { $"Samples.{name}.g.cs" }, outcome.HintNames);
        Assert.Empty(outcome.CompilationProblems);
        Snapshot.Verify(name, outcome.Source($"Samples.{name}.g.cs"));
    }
}
