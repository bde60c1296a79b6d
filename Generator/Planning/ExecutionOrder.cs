using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// The order the emitted code runs the declared layers in, and which activations run in place. Both change only the
/// work done, never a result: the summary, constants and diagnostics keep the declared order.
/// </summary>
internal static class ExecutionOrder
{
    /// <summary>
    /// Whether a ReLU at <paramref name="index"/> followed by a MaxPool runs after it instead, on the pooled tensor:
    /// max(relu(x)) = relu(max(x)) exactly, and the arg-max is the same element whenever the gradient is not zero (a
    /// window with a positive maximum keeps it; a window without one gets dx = 0 in both orders). Not for LeakyReLU or
    /// ELU: slope·x can round two different negatives to one float, and the tie would move the gradient. Not when the
    /// pool is the last layer (it writes the network's output).
    /// </summary>
    public static bool PoolsFirst(EquatableArray<ShapedLayer> layers, int index, int count)
        => index + 2 < count && layers[index].Kind == LayerKind.ReLU && layers[index + 1].Kind == LayerKind.MaxPool;

    /// <summary>The declared indices in run order: every ReLU → MaxPool pair swapped (see <see cref="PoolsFirst"/>).</summary>
    public static int[] Of(EquatableArray<ShapedLayer> layers, int count)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (PoolsFirst(layers, i, count))
            {
                order[i] = i + 1;
                order[i + 1] = i;
                i++;
            }
            else
            {
                order[i] = i;
            }
        }
        return order;
    }

    /// <summary>
    /// Whether an activation may overwrite its input: its backward reads only its output y (ReLU, Sigmoid, Tanh; not
    /// LeakyReLU or ELU, which read x), its input is the output of a layer whose backward does not read that output
    /// (Dense, Conv2D, a pool; not the network input, an activation or a Flatten alias), and it is not the last layer
    /// (that one writes the network's output).
    /// </summary>
    public static bool InPlace(LayerKind kind, LayerKind? producer, bool last)
        => !last
           && kind is LayerKind.ReLU or LayerKind.Sigmoid or LayerKind.Tanh
           && producer is LayerKind.Dense or LayerKind.Conv2D or LayerKind.MaxPool or LayerKind.AvgPool;
}
