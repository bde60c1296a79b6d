using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Model;

namespace Compiled.Generator.Planning;

/// <summary>
/// One tensor of a thread's workspace: its span's local name, floats per sample, offset per sample (times the chunk's
/// samples at run time) and the times it is alive (inclusive; see <see cref="Liveness"/>). Mutable while planning, then
/// frozen into the plan as a <see cref="BufferPlan"/>.
/// </summary>
internal sealed class WorkspaceBuffer
{
    public WorkspaceBuffer(string variable, int length, int start, int end, bool isGradient)
    {
        Variable = variable;
        Length = length;
        Start = start;
        End = end;
        IsGradient = isGradient;
    }

    public string Variable { get; }

    public int Length { get; }

    public int Start { get; set; }

    public int End { get; set; }

    public bool IsGradient { get; }

    public long Offset { get; set; } = -1;

    public BufferPlan Freeze() => new(Variable, (int)Offset, Length, Start, End, IsGradient);
}

/// <summary>
/// A planned workspace region: span name, offset and floats per sample, the times it is alive, whether it holds a gradient;
/// or a view (<see cref="Parent"/> set, no offset of its own): a branch's rows inside a concatenation's gradient, from
/// <see cref="ViewOffset"/> floats into each of the parent's rows, <see cref="Stride"/> floats apart.
/// </summary>
internal sealed record BufferPlan(string Variable, int Offset, int Length, int Start, int End, bool IsGradient)
{
    /// <summary>The span this one is a view of (<see cref="ConcatPlacement"/>); empty for a region of its own.</summary>
    public string Parent { get; init; } = "";

    /// <summary>A view's offset into each of its parent's rows.</summary>
    public int ViewOffset { get; init; }

    /// <summary>A view's sample stride (its parent's floats per sample).</summary>
    public int Stride { get; init; }

    public bool LiveTogether(BufferPlan other) => Start <= other.End && other.Start <= End;

    public bool SharesMemory(BufferPlan other) => Offset < other.Offset + other.Length && other.Offset < Offset + Length;
}

/// <summary>
/// Gives every workspace tensor an offset so that no two tensors alive at the same time overlap, reusing the memory of
/// dead ones: the largest tensors first, each at the lowest offset clear of the already placed tensors it lives with
/// (greedy by size, as TensorFlow Lite's arena planner does). Then <see cref="FindOverlap"/> checks the result.
/// </summary>
internal static class WorkspaceAllocator
{
    /// <summary>Places the tensors; returns the floats per sample the workspace needs.</summary>
    public static long Assign(IReadOnlyList<WorkspaceBuffer> tensors)
    {
        var placed = new List<WorkspaceBuffer>();
        long total = 0;
        foreach (WorkspaceBuffer tensor in tensors.OrderByDescending(t => t.Length).ThenBy(t => t.Start))
        {
            long offset = 0;
            foreach (WorkspaceBuffer other in placed.Where(p => p.Start <= tensor.End && tensor.Start <= p.End).OrderBy(p => p.Offset))
            {
                if (offset + tensor.Length <= other.Offset) break;
                offset = Math.Max(offset, other.Offset + other.Length);
            }
            tensor.Offset = offset;
            placed.Add(tensor);
            total = Math.Max(total, offset + tensor.Length);
        }
        return total;
    }

    /// <summary>The first two regions that are alive together and share memory, described; null when there are none.</summary>
    public static string? FindOverlap(IReadOnlyList<BufferPlan> buffers)
    {
        for (int a = 0; a < buffers.Count; a++)
        {
            for (int b = a + 1; b < buffers.Count; b++)
            {
                if (buffers[a].Parent.Length == 0 && buffers[b].Parent.Length == 0 && buffers[a].Length > 0 && buffers[b].Length > 0 && buffers[a].LiveTogether(buffers[b]) && buffers[a].SharesMemory(buffers[b]))
                    return $"{Describe(buffers[a])} and {Describe(buffers[b])} are alive together and overlap";
            }
        }
        return null;
    }

    private static string Describe(BufferPlan buffer)
        => $"{buffer.Variable} [{Invariant.Int(buffer.Offset)}, {Invariant.Int(buffer.Offset + buffer.Length)}) at times {Invariant.Int(buffer.Start)}..{Invariant.Int(buffer.End)}";
}
