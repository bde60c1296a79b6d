using System;
using BenchmarkDotNet.Attributes;
using Compiled.Kernels;
using Compiled.Networks;

namespace Compiled.Benchmarks.Kernels;

/// <summary>
/// Two ways a <see cref="StepRunner"/> schedule can compute a Dense layer's weight gradient dw [out, in] += dyᵀ·x over a
/// batch of 64 on 2 threads (the MLP's 784→128 and 128→64 layers):
/// <list type="bullet">
/// <item><c>PerThreadCopies</c>: each thread over its 32 samples into its own gradient buffer (thread 0 into the
/// destination), then the runner adds thread 1's buffer into the destination, each thread half of the range, and re-zeroes it.</item>
/// <item><c>OwnedRows</c>: after a barrier, each thread computes half of the output features' rows over all 64 samples
/// straight into the destination (<see cref="StepContext.OwnedRange"/>); no copy, no reduction.</item>
/// <item><c>OwnedEverything</c>: as <c>OwnedRows</c>, with each thread also summing its features' bias gradients over the
/// whole batch; nothing is per slice (<see cref="StepRunner.SlicedGradients"/> empty), so the runner skips its barrier and
/// reduction after the body.</item>
/// </list>
/// <c>OneThread</c> is the same gradient on one thread, for scale. The bias gradient is per slice in every case.
/// Min and median are shown: on a shared machine the minimum is the figure least disturbed by other processes.
/// </summary>
[MinColumn, MedianColumn]
public class WeightGradientScheduleBenchmarks
{
    public const int Batch = 64;

    [Params("784x128", "128x64")]
    public string Shape { get; set; } = "784x128";

    private int _in, _out;
    private float[] _x = [], _dy = [], _gradients = [];
    private StepRunner _copies = null!, _owned = null!, _ownedAll = null!, _single = null!;
    private StepBody _perSlice = null!, _ownedRows = null!, _ownedEverything = null!;

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split('x');
        _in = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        _out = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var random = new Random(1);
        _x = new float[Batch * _in];
        _dy = new float[Batch * _out];
        for (int i = 0; i < _x.Length; i++) _x[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _dy.Length; i++) _dy[i] = (float)(random.NextDouble() * 2 - 1) * 1e-3f;
        _gradients = new float[_out * _in + _out];
        _copies = new StepRunner(2);
        _owned = new StepRunner(2) { SlicedGradients = [new ParameterRange(_out * _in, _out)] };
        _ownedAll = new StepRunner(2) { SlicedGradients = [] };
        _single = new StepRunner(1);
        _perSlice = PerSlice;
        _ownedRows = OwnedRows;
        _ownedEverything = OwnedEverything;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _copies.Dispose();
        _owned.Dispose();
        _ownedAll.Dispose();
        _single.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float PerThreadCopies() => _copies.Train(_perSlice, _x, _in, default, default, 1, Batch, _gradients);

    [Benchmark]
    public float OwnedRows() => _owned.Train(_ownedRows, _x, _in, default, default, 1, Batch, _gradients);

    [Benchmark]
    public float OwnedEverything() => _ownedAll.Train(_ownedEverything, _x, _in, default, default, 1, Batch, _gradients);

    [Benchmark]
    public float OneThread() => _single.Train(_perSlice, _x, _in, default, default, 1, Batch, _gradients);

    // dw += dy[slice]ᵀ · x[slice], db += Σ dy[slice], into this thread's buffer.
    private void PerSlice(in StepContext ctx)
    {
        Span<float> g = ctx.Gradients;
        ReadOnlySpan<float> dy = _dy.AsSpan(ctx.Start * _out, ctx.Count * _out);
        Span<float> db = g.Slice(_out * _in, _out);
        for (int i = 0; i < ctx.Count; i++) VectorOps.Add(db, dy.Slice(i * _out, _out), db);
        Gemm.Multiply(true, false, _out, _in, ctx.Count, dy, _out, ctx.Input, _in, g.Slice(0, _out * _in), _in, accumulate: true);
    }

    // db per slice; then, after a barrier, dw rows [o, o + c) += dy[:, o..]ᵀ · x over the whole batch, into the destination.
    private void OwnedRows(in StepContext ctx)
    {
        ReadOnlySpan<float> dy = _dy.AsSpan(ctx.Start * _out, ctx.Count * _out);
        Span<float> db = ctx.Gradients.Slice(_out * _in, _out);
        for (int i = 0; i < ctx.Count; i++) VectorOps.Add(db, dy.Slice(i * _out, _out), db);
        ctx.Barrier();
        (int o, int c) = ctx.OwnedRange(_out);
        Gemm.Multiply(true, false, c, _in, Batch, _dy.AsSpan(o), _out, ctx.BatchInput, _in, ctx.SharedGradients.Slice(o * _in, c * _in), _in, accumulate: true);
    }

    // After a barrier: rows [o, o + c) of dw and db over the whole batch, into the destination.
    private void OwnedEverything(in StepContext ctx)
    {
        ctx.Barrier();
        (int o, int c) = ctx.OwnedRange(_out);
        Span<float> db = ctx.SharedGradients.Slice(_out * _in + o, c);
        for (int i = 0; i < Batch; i++) VectorOps.Add(db, _dy.AsSpan(i * _out + o, c), db);
        Gemm.Multiply(true, false, c, _in, Batch, _dy.AsSpan(o), _out, ctx.BatchInput, _in, ctx.SharedGradients.Slice(o * _in, c * _in), _in, accumulate: true);
    }
}
