using System;
using Compiled.Kernels;

namespace Compiled.Threading;

/// <summary>
/// Intra-op parallelism for a call on one sample: the threads of a <see cref="WorkerGroup"/> that have no sample of their
/// own split a single kernel call between them (a convolution by output channels, a dense layer by output features), as
/// PyTorch's and ONNX Runtime's intra-op thread pools do. A runner whose batch leaves every thread but one idle opens a
/// team on the thread that runs the batch (<see cref="Open"/>); a kernel on that thread asks <see cref="Parts"/> and, when
/// its work is large enough to pay for a fork and join, runs one job per part with <see cref="Run"/>.
/// </summary>
/// <remarks>
/// <para>
/// A job gets a pointer to its caller's state (spans pinned and passed as pointers, so nothing is captured or allocated)
/// and its part index; part 0 runs on the calling thread, the others on the group's workers. While a job runs no team is
/// open on any thread, so a kernel the job calls never splits again. Jobs must write disjoint outputs; a failing part's
/// exception is rethrown on the caller once every part has finished (<see cref="WorkerGroup.Run"/>).
/// </para>
/// <para>
/// Results depend on the number of parts, never on timing: for a fixed thread count a call gives the same bits every time.
/// </para>
/// </remarks>
internal sealed unsafe class IntraOpTeam
{
    [ThreadStatic] private static IntraOpTeam? t_open;

    private readonly WorkerGroup _group;
    private readonly Action<int> _runPart;
    private delegate*<void*, int, int, void> _job;
    private void* _state;
    private long _weightStamp;
    private bool _everyWeight;

    /// <param name="group">The workers, idle for the duration of every <see cref="Open"/> scope.</param>
    public IntraOpTeam(WorkerGroup group)
    {
        _group = group;
        _runPart = RunPart;
    }

    /// <summary>Parts a kernel on this thread may split its work into: the open team's thread count, or 1 when none is open.</summary>
    public static int Parts => t_open?._group.Threads ?? 1;

    /// <summary>Makes <paramref name="team"/> (null: none) the team of this thread's kernel calls until the scope is disposed.</summary>
    public static Scope Open(IntraOpTeam? team) => new(team);

    /// <summary>
    /// Runs <paramref name="job"/>(<paramref name="state"/>, part, parts) for every part 0..<see cref="Parts"/>−1 of this
    /// thread's open team, part 0 on this thread, and returns when all are done. With no team open, runs part 0 of 1.
    /// </summary>
    public static void Run(delegate*<void*, int, int, void> job, void* state)
    {
        IntraOpTeam? team = t_open;
        if (team is null)
        {
            job(state, 0, 1);
            return;
        }
        t_open = null;   // no nested split from inside a part
        try
        {
            team._job = job;
            team._state = state;
            team._weightStamp = PackedWeightCache.TrustedStamp;
            team._everyWeight = PackedWeightCache.TrustsEveryWeight;
            team._group.Run(team._runPart);
        }
        finally
        {
            team._job = null;
            team._state = null;
            t_open = team;
        }
    }

    // Every part runs under the caller's weight stamp (PackedWeightCache.Trust), as the whole call would have.
    private void RunPart(int part)
    {
        using PackedWeightCache.TrustScope trust = PackedWeightCache.Trust(_weightStamp, _everyWeight);
        _job(_state, part, _group.Threads);
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of <c>[0, total)</c> in whole units of
    /// <paramref name="grain"/> (the last part takes the remainder): <c>(start, count)</c>, count possibly 0.
    /// </summary>
    public static (int Start, int Count) Share(int total, int grain, int part, int parts)
    {
        int units = (total + grain - 1) / grain;
        int start = Math.Min(total, (int)((long)part * units / parts) * grain);
        int end = Math.Min(total, (int)((long)(part + 1) * units / parts) * grain);
        return (start, end - start);
    }

    /// <summary>Restores the thread's previous team when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly IntraOpTeam? _previous;

        internal Scope(IntraOpTeam? team)
        {
            _previous = t_open;
            t_open = team;
        }

        public void Dispose() => t_open = _previous;
    }
}
