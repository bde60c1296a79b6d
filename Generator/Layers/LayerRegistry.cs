using System.Collections.Generic;
using Compiled.Generator.Layers.Activations;
using Compiled.Generator.Layers.Joins;
using Compiled.Generator.Layers.Losses;

namespace Compiled.Generator.Layers;

/// <summary>
/// Every layer kind the generator knows, one descriptor each. Adding a layer: its attribute in Runtime/Declarations,
/// its descriptor (a <see cref="LayerDescriptor"/> subclass in this folder) and one line here.
/// </summary>
internal static class LayerRegistry
{
    /// <summary>The descriptors in the order docs/api.md lists the layers.</summary>
    public static readonly IReadOnlyList<LayerDescriptor> All = new LayerDescriptor[]
    {
        DenseLayer.Instance,
        Conv2DLayer.Instance,
        MaxPoolLayer.Instance,
        AvgPoolLayer.Instance,
        FlattenLayer.Instance,
        GlobalAvgPoolLayer.Instance,
        LocalResponseNormLayer.Instance,
        BatchNormLayer.Instance,
        DropoutLayer.Instance,
        Dropout2dLayer.Instance,
        ReluLayer.Instance,
        LeakyReluLayer.Instance,
        EluLayer.Instance,
        SigmoidLayer.Instance,
        TanhLayer.Instance,
        SoftmaxCrossEntropyLayer.Instance,
        SigmoidBinaryCrossEntropyLayer.Instance,
        MeanSquaredErrorLayer.Instance,
        MultiClassHingeLayer.Instance,
        AddJoin.Instance,
        ConcatJoin.Instance,
    };

    private static readonly Dictionary<string, LayerDescriptor> ByAttributeClass = Index();

    /// <summary>The descriptor of an attribute class of namespace Compiled by its metadata name (<c>Conv2DAttribute</c>), or null.</summary>
    public static LayerDescriptor? ForAttribute(string attributeClassName)
        => ByAttributeClass.TryGetValue(attributeClassName, out LayerDescriptor? descriptor) ? descriptor : null;

    private static Dictionary<string, LayerDescriptor> Index()
    {
        var index = new Dictionary<string, LayerDescriptor>(System.StringComparer.Ordinal);
        foreach (LayerDescriptor descriptor in All)
        {
            if (descriptor.AttributeClass is { } name) index[name] = descriptor;
        }
        return index;
    }
}
