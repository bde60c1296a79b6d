using System.Collections.Generic;

namespace Compiled.Serialization;

/// <summary>One named tensor read from a checkpoint: PyTorch name, shape and values.</summary>
/// <param name="Name">The tensor's name in the network's table, e.g. <c>fc1.weight</c>.</param>
/// <param name="Shape">Its dimensions (PyTorch order).</param>
/// <param name="Data">Its values, row-major.</param>
public sealed record SavedTensor(string Name, int[] Shape, float[] Data);

/// <summary>One named <see cref="IStateful"/> entry read from a checkpoint.</summary>
/// <param name="Kind">The <see cref="IStateful.StateKind"/> of the object that wrote it (e.g. <c>"Adam"</c>).</param>
/// <param name="State">What it wrote.</param>
public sealed record SavedState(string Kind, StateBag State);

/// <summary>Everything a checkpoint file holds, parsed and verified (magic, version, length, checksum) but not applied to anything.</summary>
public sealed class CheckpointContents
{
    internal CheckpointContents(uint formatVersion, string architecture, long epoch, long step,
        IReadOnlyDictionary<string, string> metadata, IReadOnlyList<SavedTensor> parameters,
        IReadOnlyList<SavedTensor> stateTensors, IReadOnlyDictionary<string, SavedState> states)
    {
        FormatVersion = formatVersion;
        Architecture = architecture;
        Epoch = epoch;
        Step = step;
        Metadata = metadata;
        Parameters = parameters;
        StateTensors = stateTensors;
        States = states;
    }

    /// <summary>The file's format version.</summary>
    public uint FormatVersion { get; }
    /// <summary>The saved network's architecture description (<see cref="NetworkArchitecture.Describe"/>).</summary>
    public string Architecture { get; }
    /// <summary>The epoch counter given at save time.</summary>
    public long Epoch { get; }
    /// <summary>The step counter given at save time.</summary>
    public long Step { get; }
    /// <summary>Free-form text the caller attached at save time.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>The parameter tensors, in the network's buffer order.</summary>
    public IReadOnlyList<SavedTensor> Parameters { get; }
    /// <summary>The non-parameter state tensors (<see cref="INetwork.StateTable"/>), in buffer order.</summary>
    public IReadOnlyList<SavedTensor> StateTensors { get; }
    /// <summary>The <see cref="IStateful"/> entries, by the names they were saved under.</summary>
    public IReadOnlyDictionary<string, SavedState> States { get; }
}
