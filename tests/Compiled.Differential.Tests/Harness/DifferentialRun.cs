using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.Loader;
using System.Threading.Tasks;
using Compiled.Differential.Tests.Declarations;

namespace Compiled.Differential.Tests.Harness;

/// <summary>A failing declaration: as generated, shrunk, and why.</summary>
internal sealed record DifferentialFailure(int Index, NetworkSpec Original, NetworkSpec Smallest, IReadOnlyList<string> Reasons, IReadOnlyList<string> SmallestReasons);

/// <summary>What a run did: counts, time, failures.</summary>
internal sealed record DifferentialSummary(int Networks, int Configurations, int Fragile, int WithHead, int Untrainable, int FiniteDifferenceChecked,
    int MultiChunk, TimeSpan Elapsed, IReadOnlyList<DifferentialFailure> Failures)
{
    /// <summary>Networks with a batch norm still ill-conditioned after every draw (compared with tolerances scaled by κ).</summary>
    public int IllConditioned { get; init; }
}

/// <summary>
/// Generates <c>count</c> random valid declarations from <c>seed</c>, compiles them <see cref="PerCompilation"/> at a
/// time (the next batch compiles while the current one runs), checks each with <see cref="NetworkChecker"/>, and shrinks
/// the first few failures to small declarations that still fail.
/// </summary>
internal static class DifferentialRun
{
    public const int PerCompilation = 50;
    private const int MaxShrunk = 4;

    /// <param name="only">If given, check only these indices of the <paramref name="count"/> generated (to replay failures of a long run).</param>
    public static DifferentialSummary Run(int count, int seed, Action<string>? log = null, IReadOnlySet<int>? only = null)
    {
        var clock = Stopwatch.StartNew();
        var generator = new SpecGenerator(seed);
        var specs = Enumerable.Range(0, count).Select(_ => generator.Next()).ToList();
        var failures = new List<(int Index, NetworkSpec Spec, List<string> Reasons)>();
        int configurations = 0, fragile = 0, finiteDifferences = 0, multiChunk = 0, illConditioned = 0;
        TimeSpan waited = TimeSpan.Zero;
        var slowest = new List<(double Seconds, int Index)>();

        List<int> indices = Enumerable.Range(0, count).Where(i => only is null || only.Contains(i)).ToList();
        List<CompiledNetwork> Batch(int start)
            => indices.Skip(start).Take(PerCompilation)
                .Select(i => new CompiledNetwork(specs[i], $"Differential.S{seed}.B{start / PerCompilation}", $"N{i}"))
                .ToList();

        Task<(List<CompiledNetwork>, AssemblyLoadContext?)>? next = indices.Count > 0 ? CompileAsync(Batch(0)) : null;
        for (int start = 0; start < indices.Count; start += PerCompilation)
        {
            var waiting = Stopwatch.StartNew();
            (List<CompiledNetwork> batch, AssemblyLoadContext? context) = next!.Result;
            waited += waiting.Elapsed;
            next = start + PerCompilation < indices.Count ? CompileAsync(Batch(start + PerCompilation)) : null;
            foreach (CompiledNetwork network in batch)
            {
                int index = int.Parse(network.ClassName.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture);
                if (network.Problems.Count > 0 || network.Type is null)
                {
                    failures.Add((index, network.Spec, network.Problems.Count > 0 ? network.Problems : new List<string> { "not compiled: its batch kept failing" }));
                    log?.Invoke($"N{index} does not compile: {failures[^1].Reasons[0]}\n{network.Spec.DeclarationText()}");
                    continue;
                }
                CheckPlan plan = PlanFor(index, seed);
                var checking = Stopwatch.StartNew();
                CheckOutcome outcome;
                try
                {
                    outcome = NetworkChecker.Check(network, plan, seed * 7919 + index);
                }
                catch (Exception e)
                {
                    outcome = new CheckOutcome(new List<string> { "the checker itself threw: " + e }, false, 0);
                }
                slowest.Add((checking.Elapsed.TotalSeconds, index));
                configurations += outcome.Configurations;
                if (outcome.Fragile) fragile++;
                if (outcome.IllConditioned) illConditioned++;
                if (outcome.MultiChunk) multiChunk++;
                if (outcome.FiniteDifferences) finiteDifferences++;
                if (outcome.Failures.Count > 0)
                {
                    failures.Add((index, network.Spec, outcome.Failures));
                    log?.Invoke($"N{index} fails: {outcome.Failures[0]}\n{network.Spec.DeclarationText()}");
                }
            }
            context?.Unload();
            log?.Invoke($"{Math.Min(indices.Count, start + PerCompilation)}/{indices.Count} networks, {failures.Count} failing, {clock.Elapsed.TotalSeconds:F0} s ({waited.TotalSeconds:F0} s waiting for the compiler)");
        }

        foreach ((double seconds, int index) in slowest.OrderByDescending(p => p.Seconds).Take(5))
            log?.Invoke($"slow: N{index} {seconds:F2} s\n{specs[index].DeclarationText()}");
        var reported = new List<DifferentialFailure>();
        foreach ((int index, NetworkSpec spec, List<string> reasons) in failures)
        {
            if (reported.Count >= MaxShrunk)
            {
                reported.Add(new DifferentialFailure(index, spec, spec, reasons, reasons));
                continue;
            }
            List<string> smallestReasons = reasons;
            NetworkSpec smallest = Shrinker.Shrink(spec, candidates =>
            {
                (int? at, List<string> why) = FirstFailing(candidates, PlanFor(index, seed), seed * 7919 + index);
                if (at is not null) smallestReasons = why;
                return at;
            });
            reported.Add(new DifferentialFailure(index, spec, smallest, reasons, smallestReasons));
        }
        return new DifferentialSummary(count, configurations, fragile, specs.Count(s => s.Head != HeadSpec.None), specs.Count(s => !s.Training),
            finiteDifferences, multiChunk, clock.Elapsed, reported) { IllConditioned = illConditioned };
    }

    /// <summary>Every network runs at all four widths and 1 and 3 threads, at batch 1 and an odd batch; every 5th also checks the interpreter by finite differences.</summary>
    public static CheckPlan PlanFor(int index, int seed)
    {
        int odd = new[] { 3, 5, 7 }[(index + seed) % 3];
        return new CheckPlan(CheckPlan.AllWidths, new[] { 1, 3 }, new[] { 1, odd }, FiniteDifferences: index % 5 == 0);
    }

    private static Task<(List<CompiledNetwork>, AssemblyLoadContext?)> CompileAsync(List<CompiledNetwork> batch)
        => Task.Run(() => (batch, NetworkCompiler.CompileAndLoad(batch)));

    private static (int? Index, List<string> Reasons) FirstFailing(IReadOnlyList<NetworkSpec> candidates, CheckPlan plan, int seed)
    {
        var batch = candidates.Select((spec, i) => new CompiledNetwork(spec, "Differential.Shrink" + Guid.NewGuid().ToString("N"), $"N{i}")).ToList();
        AssemblyLoadContext? context = NetworkCompiler.CompileAndLoad(batch);
        try
        {
            for (int i = 0; i < batch.Count; i++)
            {
                if (batch[i].Problems.Count > 0) return (i, batch[i].Problems);
                if (batch[i].Type is null) continue;
                CheckOutcome outcome = NetworkChecker.Check(batch[i], plan, seed);
                if (outcome.Failures.Count > 0) return (i, outcome.Failures);
            }
            return (null, new List<string>());
        }
        finally
        {
            context?.Unload();
        }
    }
}
