using System.Collections.Generic;

namespace Compiled.Data;

/// <summary>The contents of an IDX file of unsigned bytes: its dimensions (e.g. <c>[60000, 28, 28]</c>) and the data, row-major.</summary>
public sealed class IdxArray
{
    internal IdxArray(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary>The header's dimensions, outermost first.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>Product of the dimensions bytes, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Items along the first dimension (images, labels).</summary>
    public int Count => Dimensions[0];
}
