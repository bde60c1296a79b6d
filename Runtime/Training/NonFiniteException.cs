using System;

namespace Compiled.Training;

/// <summary>
/// Training stopped because the loss or a gradient became NaN or infinite. The message names the epoch, the batch and,
/// when a gradient (or parameter) is non-finite, the first such entry by layer and parameter, e.g. <c>conv2.weight[3, 1, 0, 4]</c>.
/// </summary>
public sealed class NonFiniteException : Exception
{
    public NonFiniteException(string message, int epoch, int batch, float loss, string? layer, string? parameter, int index)
        : base(message)
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        Layer = layer;
        Parameter = parameter;
        Index = index;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }
    /// <summary>0-based batch within the epoch.</summary>
    public int Batch { get; }
    /// <summary>The batch's loss (possibly finite when only a gradient overflowed).</summary>
    public float Loss { get; }
    /// <summary>Layer of the first non-finite gradient or parameter, e.g. <c>conv2</c>; null if none was found.</summary>
    public string? Layer { get; }
    /// <summary>Its parameter tensor, e.g. <c>conv2.weight</c>; null if none was found.</summary>
    public string? Parameter { get; }
    /// <summary>Flat index into the parameter/gradient buffer, or −1.</summary>
    public int Index { get; }
}
