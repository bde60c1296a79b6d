using Compiled.Generator.Model;

namespace Compiled.Generator.Planning;

/// <summary>One tensor of the parameter table: PyTorch name (<c>conv1.weight</c>), layer, offset and shape.</summary>
internal sealed record ParameterPlan(string Name, string Layer, int Offset, EquatableArray<int> Shape)
{
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int dimension in Shape) length *= dimension;
            return length;
        }
    }
}

/// <summary>One tensor of the state table (<c>bn1.running_var</c>): layer, offset, shape and the value it starts at.</summary>
internal sealed record StatePlan(string Name, string Layer, int Offset, EquatableArray<int> Shape, float Initial)
{
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int dimension in Shape) length *= dimension;
            return length;
        }
    }
}
