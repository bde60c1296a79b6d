using System;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;

namespace Compiled.Generator.Pipeline;

/// <summary>
/// Runs a pipeline stage so that the generator never throws: an unexpected exception becomes CMP9999 (internal
/// error, please report) at the network's [Network] attribute instead of a generator crash. Cancellation still propagates.
/// </summary>
internal static class StageGuard
{
    /// <summary>Runs <paramref name="run"/> on the previous stage's value (with the network's key), keeping the diagnostics found so far.</summary>
    public static StageResult<TOut> Run<TIn, TOut>(StageResult<TIn> input, string stage, string network, Func<string, TIn, StageResult<TOut>> run)
        where TIn : class
        where TOut : class
    {
        if (input.Value is null) return StageResult<TOut>.Failed(input.Network, input.Diagnostics);
        try
        {
            StageResult<TOut> result = run(input.Network, input.Value);
            return input.Diagnostics.Count == 0 ? result : new StageResult<TOut>(input.Network, result.Value, Concat(input.Diagnostics, result.Diagnostics));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return StageResult<TOut>.Failed(input.Network, Concat(input.Diagnostics, new EquatableArray<DiagnosticInfo>(new[] { InternalError(stage, network, e) })));
        }
    }

    /// <summary>CMP9999 at the [Network] attribute.</summary>
    public static DiagnosticInfo InternalError(string stage, string network, Exception exception)
        => DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, DiagnosticSite.Network, stage, network, $"{exception.GetType().Name}: {exception.Message}");

    private static EquatableArray<DiagnosticInfo> Concat(EquatableArray<DiagnosticInfo> first, EquatableArray<DiagnosticInfo> second)
    {
        var all = new DiagnosticInfo[first.Count + second.Count];
        for (int i = 0; i < first.Count; i++) all[i] = first[i];
        for (int i = 0; i < second.Count; i++) all[first.Count + i] = second[i];
        return new EquatableArray<DiagnosticInfo>(all);
    }
}
