using Compiled.Generator.Model;

namespace Compiled.Generator.Graph;

/// <summary>The element type of a tensor: floats for activations, ints for token ids (sequences, later).</summary>
internal enum ElementType
{
    Float32,
    Int32,
}

/// <summary>
/// The shape of one sample of a tensor (the batch axis apart): dimensions of any rank in PyTorch order, an element
/// type and whether the first dimension is a time axis (sequences, later). Rank 1 is a flat feature vector, rank 3
/// channels × height × width.
/// </summary>
internal sealed record TensorShape(EquatableArray<int> Dimensions, ElementType Element = ElementType.Float32, bool HasTimeAxis = false)
{
    public static TensorShape Flat(int length) => new(new EquatableArray<int>(new[] { length }));

    public static TensorShape Spatial(int channels, int height, int width) => new(new EquatableArray<int>(new[] { channels, height, width }));

    public int Rank => Dimensions.Count;

    /// <summary>channels × height × width (rank 3, no time axis): what convolutions and pools take.</summary>
    public bool IsSpatial => Rank == 3 && !HasTimeAxis;

    /// <summary>The feature axis: the channels of a spatial tensor, the features of a flat one.</summary>
    public int Channels => Rank == 0 ? 1 : Dimensions[HasTimeAxis ? 1 : 0];

    /// <summary>Rows of a spatial tensor (1 otherwise).</summary>
    public int Height => IsSpatial ? Dimensions[1] : 1;

    /// <summary>Columns of a spatial tensor (1 otherwise).</summary>
    public int Width => IsSpatial ? Dimensions[2] : 1;

    /// <summary>Positions per channel: height × width of a spatial tensor, 1 for a flat one.</summary>
    public int SpatialLength => Height * Width;

    /// <summary>Elements per sample (checked to fit an int by the shape inference).</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int dimension in Dimensions) length *= dimension;
            return length;
        }
    }

    /// <summary>The same elements as one flat vector (what Dense and Flatten see: NCHW order).</summary>
    public TensorShape Flattened => Flat(Length) with { Element = Element };

    /// <summary>PyTorch order, one sample: <c>[6, 28, 28]</c> or <c>[120]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Parts()) + "]";

    /// <summary>With the batch dimension, as shape comments write it: <c>[n, 6, 28, 28]</c>.</summary>
    public string Batched => "[n, " + string.Join(", ", Parts()) + "]";

    /// <summary>Without spaces, as the architecture string writes it: <c>[6,28,28]</c>.</summary>
    public string Compact => "[" + string.Join(",", Parts()) + "]";

    private string[] Parts()
    {
        var parts = new string[Rank];
        for (int i = 0; i < Rank; i++) parts[i] = Invariant.Int(Dimensions[i]);
        return parts;
    }
}
