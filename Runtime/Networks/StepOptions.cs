using System;
using System.Collections.Generic;
using Compiled.Optimizers;

namespace Compiled.Networks;

/// <summary>
/// The end of a training step fused into the same dispatch as forward and backward (<see cref="StepRunner.Train"/>): after the
/// gradients are reduced, each thread checks its range of them for NaN/Inf, then the optimizer updates that range of the
/// parameters and zeroes those gradients. Made once and reused (a trainer sets <see cref="Epoch"/> and <see cref="Batch"/>
/// per step); nothing is allocated per step.
/// </summary>
/// <remarks>
/// Results are bitwise those of the unfused sequence: the step, then <c>FiniteCheck</c>, then
/// <see cref="Optimizer.StepAndZeroGradients(Span{float}, Span{float})"/>. An optimizer whose
/// <see cref="Optimizer.SupportsRangedStep"/> is false (SparseAdam, L-BFGS) steps over the whole buffers on the
/// calling thread right after the dispatch instead.
/// </remarks>
public sealed class StepOptions
{
    /// <param name="parameters">The network's parameters (the optimizer updates them; a failed check names non-finite ones).</param>
    /// <param name="parameterTable">The network's parameter table, to name the layer and tensor of a non-finite value.</param>
    public StepOptions(float[] parameters, IReadOnlyList<ParameterInfo> parameterTable)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameterTable);
        Parameters = parameters;
        ParameterTable = parameterTable;
    }

    /// <summary>The network's parameters.</summary>
    public float[] Parameters { get; }

    /// <summary>The network's parameter table.</summary>
    public IReadOnlyList<ParameterInfo> ParameterTable { get; }

    /// <summary>Steps after the gradients are complete and checked, then zeroes them; null: the gradients are left for the caller.</summary>
    public Optimizer? Optimizer { get; set; }

    /// <summary>
    /// Checks the loss and every gradient for NaN/Inf before the optimizer runs; on one, the step throws
    /// <see cref="Training.NonFiniteException"/> naming the first non-finite parameter or gradient, the parameters unchanged.
    /// </summary>
    public bool CheckFinite { get; set; }

    /// <summary>1-based epoch the step belongs to, for the message of a failed check (0: not inside a trainer's epoch).</summary>
    public int Epoch { get; set; }

    /// <summary>0-based batch within the epoch, for the message of a failed check.</summary>
    public int Batch { get; set; }

    /// <summary>
    /// Fills the step's input and labels (or targets) inside the dispatch: each thread first has its own slice of rows
    /// gathered, then all wait for each other (the bodies may read other slices' rows), then run. Null (the default): the
    /// caller filled them before the call. A <see cref="Data.BatchIterator"/> whose epoch was started with
    /// <c>deferGather: true</c> is one: the gather of the shuffled rows then runs on every thread instead of on the
    /// caller's alone while the others wait.
    /// </summary>
    public IBatchGather? Gather { get; set; }
}

/// <summary>
/// Fills rows of the batch a training step is about to run, in the buffers its input and labels (or targets) spans point to
/// (<see cref="StepOptions.Gather"/>). Called once per thread of the step with that thread's rows, concurrently, disjoint.
/// </summary>
public interface IBatchGather
{
    /// <summary>Fills rows <c>[first, first + count)</c> of the current batch.</summary>
    void Gather(int first, int count);
}

/// <summary>A range <c>[Offset, Offset + Length)</c> of a network's flat parameter (and gradient) buffer.</summary>
public readonly record struct ParameterRange(int Offset, int Length);

/// <summary>
/// A parameter tensor of <paramref name="Rows"/> rows of <paramref name="RowLength"/> floats at <paramref name="Offset"/>
/// whose rows each thread of a training step reads and writes only in its own range, rows
/// <c>[t·Rows/T, (t+1)·Rows/T)</c> (<see cref="StepContext.OwnedRange"/>): a first Dense layer computed by output features
/// in the forward pass and in its weight gradient. The optimizer step updates those rows on their owner
/// (<see cref="StepRunner.OwnedParameters"/>).
/// </summary>
public readonly record struct OwnedParameterRows(int Offset, int Rows, int RowLength);
