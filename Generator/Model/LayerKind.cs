namespace Compiled.Generator.Model;

/// <summary>Every layer attribute the generator understands (one per attribute class in Compiled.Runtime's declaration API).</summary>
internal enum LayerKind
{
    Dense,
    Conv2D,
    MaxPool,
    AvgPool,
    Flatten,
    ReLU,
    LeakyReLU,
    ELU,
    Sigmoid,
    Tanh,
    SoftmaxCrossEntropy,
    SigmoidBinaryCrossEntropy,
    MeanSquaredError,
    MultiClassHinge,
}

internal static class LayerKinds
{
    public static bool IsLoss(this LayerKind kind)
        => kind is LayerKind.SoftmaxCrossEntropy or LayerKind.SigmoidBinaryCrossEntropy or LayerKind.MeanSquaredError or LayerKind.MultiClassHinge;

    public static bool IsActivation(this LayerKind kind)
        => kind is LayerKind.ReLU or LayerKind.LeakyReLU or LayerKind.ELU or LayerKind.Sigmoid or LayerKind.Tanh;

    /// <summary>The ReLU family, before which the default initialization is He.</summary>
    public static bool IsRectifier(this LayerKind kind) => kind is LayerKind.ReLU or LayerKind.LeakyReLU or LayerKind.ELU;

    public static bool HasParameters(this LayerKind kind) => kind is LayerKind.Dense or LayerKind.Conv2D;

    /// <summary>Layers that need a channels × height × width input.</summary>
    public static bool IsSpatial(this LayerKind kind) => kind is LayerKind.Conv2D or LayerKind.MaxPool or LayerKind.AvgPool;

    public static bool IsPool(this LayerKind kind) => kind is LayerKind.MaxPool or LayerKind.AvgPool;

    /// <summary>Prefix of default layer names: conv1, fc1, pool1, relu1, ...</summary>
    public static string DefaultNamePrefix(this LayerKind kind) => kind switch
    {
        LayerKind.Dense => "fc",
        LayerKind.Conv2D => "conv",
        LayerKind.MaxPool or LayerKind.AvgPool => "pool",
        LayerKind.Flatten => "flatten",
        LayerKind.ReLU => "relu",
        LayerKind.LeakyReLU => "leaky_relu",
        LayerKind.ELU => "elu",
        LayerKind.Sigmoid => "sigmoid",
        LayerKind.Tanh => "tanh",
        _ => "loss",
    };
}
