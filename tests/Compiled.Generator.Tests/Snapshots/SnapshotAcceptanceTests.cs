using Compiled.Generator.Tests.Support;
using Xunit.Sdk;

namespace Compiled.Generator.Tests.Snapshots;

/// <summary>The snapshot helper accepts (rewrites) snapshots only on request and never on CI.</summary>
public sealed class SnapshotAcceptanceTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("0", null)]
    [InlineData("", "true")]
    [InlineData(null, "true")]
    public void Without_the_accept_variable_snapshots_are_compared(string? accept, string? ci)
        => Assert.False(Snapshot.ShouldAccept(accept, ci));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("false")]
    [InlineData("0")]
    public void A_developer_may_accept_snapshots(string? ci)
        => Assert.True(Snapshot.ShouldAccept("1", ci));

    [Theory]
    [InlineData("true")]
    [InlineData("1")]
    [InlineData("yes")]
    public void Accepting_on_CI_fails_loudly(string ci)
    {
        var failure = Assert.Throws<FailException>(() => Snapshot.ShouldAccept("1", ci));
        Assert.Contains("CI", failure.Message);
        Assert.Contains(Snapshot.AcceptVariable, failure.Message);
    }
}
