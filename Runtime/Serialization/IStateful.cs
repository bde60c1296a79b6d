using System.Collections.Generic;

namespace Compiled.Serialization;

/// <summary>
/// Something a checkpoint saves and restores besides the parameters: an optimizer, a learning-rate schedule,
/// early stopping, a random-number generator. Its state is a set of named float buffers and named scalars,
/// so the checkpoint format stays the same whatever the implementation keeps.
/// </summary>
public interface IStateful
{
    /// <summary>What kind of state this is (e.g. <c>"Adam"</c>, <c>"StepLR"</c>); loading checks it matches.</summary>
    string StateKind { get; }

    /// <summary>Writes the whole current state into <paramref name="state"/> (which starts empty).</summary>
    void WriteState(StateBag state);

    /// <summary>
    /// Restores a state written by <see cref="WriteState"/> of the same <see cref="StateKind"/>.
    /// Validates everything first and throws <see cref="System.IO.InvalidDataException"/> naming the missing or
    /// malformed entry, leaving this object unchanged.
    /// </summary>
    void ReadState(StateBag state);
}

/// <summary>Named float buffers and named scalars: the portable form of an <see cref="IStateful"/>'s state.</summary>
public sealed class StateBag
{
    /// <summary>Named float buffers (e.g. Adam's <c>exp_avg</c>), in insertion order.</summary>
    public Dictionary<string, float[]> Buffers { get; } = new();

    /// <summary>Named 64-bit integers (step counts, epochs, RNG words).</summary>
    public Dictionary<string, long> Integers { get; } = new();

    /// <summary>Named doubles (learning rates, running products, best metric values).</summary>
    public Dictionary<string, double> Scalars { get; } = new();

    /// <summary>Nested states (e.g. an optimizer's per-group settings), by name.</summary>
    public Dictionary<string, StateBag> Children { get; } = new();
}
