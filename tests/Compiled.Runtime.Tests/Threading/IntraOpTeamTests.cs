using System;
using System.Threading;
using Compiled.Threading;

namespace Compiled.Runtime.Tests.Threading;

/// <summary>
/// The intra-op team: shares cover [0, total) in whole grains without overlap, every part runs once (part 0 on the
/// caller), a part never sees a team (no nested split), failures reach the caller, and scopes restore what was open.
/// </summary>
public sealed unsafe class IntraOpTeamTests
{
    [Theory]
    [InlineData(64, 8, 2)]
    [InlineData(16, 8, 3)]
    [InlineData(10, 8, 2)]
    [InlineData(3136, 8, 3)]
    [InlineData(0, 8, 2)]
    public void Shares_cover_the_range_in_whole_grains(int total, int grain, int parts)
    {
        int next = 0;
        for (int part = 0; part < parts; part++)
        {
            (int start, int count) = IntraOpTeam.Share(total, grain, part, parts);
            Assert.Equal(next, start);
            Assert.True(count >= 0);
            if (start + count < total) Assert.Equal(0, (start + count) % grain);
            next = start + count;
        }
        Assert.Equal(total, next);
    }

    private struct Record
    {
        public int Calls, Parts, MaxPart, SeenTeam;
        public int CallerThread, CallerPart;
    }

    private static void RecordPart(void* state, int part, int parts)
    {
        ref Record r = ref *(Record*)state;
        Interlocked.Increment(ref r.Calls);
        r.Parts = parts;
        if (IntraOpTeam.Parts != 1) Interlocked.Increment(ref r.SeenTeam);
        int max;
        do max = Volatile.Read(ref r.MaxPart); while (part > max && Interlocked.CompareExchange(ref r.MaxPart, part, max) != max);
        if (Environment.CurrentManagedThreadId == r.CallerThread) r.CallerPart = part;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_part_runs_once_part_zero_on_the_caller_and_none_sees_a_team(int threads)
    {
        using var group = new WorkerGroup(threads);
        var team = new IntraOpTeam(group);
        Assert.Equal(1, IntraOpTeam.Parts);
        using (IntraOpTeam.Open(team))
        {
            Assert.Equal(threads, IntraOpTeam.Parts);
            var r = new Record { MaxPart = -1, CallerThread = Environment.CurrentManagedThreadId, CallerPart = -1 };
            IntraOpTeam.Run(&RecordPart, &r);
            Assert.Equal(threads, r.Calls);
            Assert.Equal(threads, r.Parts);
            Assert.Equal(threads - 1, r.MaxPart);
            Assert.Equal(0, r.CallerPart);
            Assert.Equal(0, r.SeenTeam);
            Assert.Equal(threads, IntraOpTeam.Parts);   // open again after the run
        }
        Assert.Equal(1, IntraOpTeam.Parts);
    }

    [Fact]
    public void Without_a_team_the_caller_runs_the_only_part()
    {
        var r = new Record { MaxPart = -1, CallerThread = Environment.CurrentManagedThreadId, CallerPart = -1 };
        IntraOpTeam.Run(&RecordPart, &r);
        Assert.Equal(1, r.Calls);
        Assert.Equal(1, r.Parts);
        Assert.Equal(0, r.CallerPart);
    }

    private static void FailOnLastPart(void* state, int part, int parts)
    {
        if (part == parts - 1) throw new InvalidOperationException("part failed");
    }

    [Fact]
    public void A_failing_part_is_rethrown_on_the_caller_and_the_team_stays_usable()
    {
        using var group = new WorkerGroup(2);
        var team = new IntraOpTeam(group);
        using (IntraOpTeam.Open(team))
        {
            var error = Assert.Throws<InvalidOperationException>(() => IntraOpTeam.Run(&FailOnLastPart, null));
            Assert.Equal("part failed", error.Message);
            Assert.Equal(2, IntraOpTeam.Parts);
            var r = new Record { MaxPart = -1, CallerThread = Environment.CurrentManagedThreadId, CallerPart = -1 };
            IntraOpTeam.Run(&RecordPart, &r);
            Assert.Equal(2, r.Calls);
        }
    }
}
