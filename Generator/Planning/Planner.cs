using System;
using System.Collections.Generic;
using System.Globalization;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// Plans the code of a checked network: the parameter layout (per layer weight then bias, PyTorch order), the run order
/// and in-place activations (<see cref="ExecutionOrder"/>), which workspace buffer holds each layer's output, what the
/// backward pass visits, and the workspace sizes per sample.
/// </summary>
internal static class Planner
{
    /// <summary>Floats of workspace one thread may use for a chunk; decides how many samples it processes at once.</summary>
    private const long WorkspaceBudget = 1L << 21;

    private const int MaxChunkSamples = 256;

    public static StageResult<NetworkPlan> Plan(ShapedNetwork network)
    {
        EquatableArray<ShapedLayer> all = network.Layers;
        ShapedLayer? loss = all.Count > 0 && all[all.Count - 1].Kind.IsLoss() ? all[all.Count - 1] : null;
        int count = loss is null ? all.Count : all.Count - 1;

        int firstWithParameters = -1;
        for (int i = 0; i < count && firstWithParameters < 0; i++)
        {
            if (all[i].Kind.HasParameters()) firstWithParameters = i;
        }

        // Run order first: which buffer holds each layer's output, and what each kernel call works on.
        int[] order = ExecutionOrder.Of(all, count);
        var variables = new string[count];
        var inputVariables = new string[count];
        var activationOffsets = new int[count];
        var argmaxOffsets = new int[count];
        var steps = new int[count];
        var operands = new Shape[count];
        var notes = new string[count];
        long activationOffset = 0, argmaxOffset = 0;
        string inputVariable = "input";
        for (int k = 0; k < count; k++)
        {
            int i = order[k];
            ShapedLayer layer = all[i];
            steps[i] = k;
            operands[i] = layer.Output;
            notes[i] = "";
            if (i != k && layer.Kind == LayerKind.MaxPool)
            {
                notes[i] = $"{layer.Name} before {all[i - 1].Name}: max-pool commutes with ReLU, which then works on the pooled tensor";
            }
            else if (i != k)
            {
                operands[i] = all[i + 1].Output;
                notes[i] = $"after {all[i + 1].Name} (declared before it): max-pool commutes with ReLU";
            }

            LayerKind? producer = k == 0 ? null : all[order[k - 1]].Kind;
            // The last layer writes the network's output (Forward's caller's rows), so it always has a buffer of its
            // own: a Flatten there copies its input (which may be the network's input) instead of aliasing it.
            bool last = k == count - 1;
            bool inPlace = layer.Kind.IsActivation() && ExecutionOrder.InPlace(layer.Kind, producer, last);
            bool writes = (layer.Kind != LayerKind.Flatten || last) && !inPlace;
            variables[i] = writes ? LayerNames.ToCamel(layer.Identifier) + "Out" : inputVariable;
            inputVariables[i] = inputVariable;
            activationOffsets[i] = writes ? (int)Math.Min(activationOffset, int.MaxValue) : -1;
            argmaxOffsets[i] = layer.Kind == LayerKind.MaxPool ? (int)Math.Min(argmaxOffset, int.MaxValue) : -1;
            if (writes) activationOffset += operands[i].Length;
            if (layer.Kind == LayerKind.MaxPool) argmaxOffset += layer.Output.Length;
            inputVariable = variables[i];

            if (activationOffset > int.MaxValue || argmaxOffset > int.MaxValue)
                return TooLarge(layer, "the activations of one sample", Math.Max(activationOffset, argmaxOffset));
        }

        var layers = new List<LayerPlan>(count);
        var parameters = new List<ParameterPlan>();
        long parameterOffset = 0, columns = 0;
        long deltaLength = count == 0 ? network.Input.Length : all[count - 1].Output.Length;
        for (int i = 0; i < count; i++)
        {
            ShapedLayer layer = all[i];
            int weightOffset = -1, biasOffset = -1, fanIn = 0, fanOut = 0;
            InitKind init = InitKind.Default;
            string initReason = "";
            if (layer.Kind.HasParameters())
            {
                int kernelArea = layer.Kind == LayerKind.Conv2D ? layer.Declaration.Kernel * layer.Declaration.Kernel : 1;
                int outputs = layer.Kind == LayerKind.Conv2D ? layer.Output.Channels : layer.Output.Length;
                int inputs = layer.Kind == LayerKind.Conv2D ? layer.Input.Channels : layer.Input.Length;
                fanIn = inputs * kernelArea;
                fanOut = outputs * kernelArea;
                (init, initReason) = InitResolver.Resolve(all, i);

                weightOffset = (int)parameterOffset;
                int[] weightShape = layer.Kind == LayerKind.Conv2D
                    ? new[] { outputs, inputs, layer.Declaration.Kernel, layer.Declaration.Kernel }
                    : new[] { outputs, inputs };
                parameters.Add(new ParameterPlan(layer.Name + ".weight", layer.Name, weightOffset, new EquatableArray<int>(weightShape)));
                parameterOffset += layer.WeightLength;
                if (layer.BiasLength > 0)
                {
                    biasOffset = (int)parameterOffset;
                    parameters.Add(new ParameterPlan(layer.Name + ".bias", layer.Name, biasOffset, new EquatableArray<int>(new[] { outputs })));
                    parameterOffset += layer.BiasLength;
                }
            }

            bool backward = firstWithParameters >= 0 && i >= firstWithParameters;
            if (backward) deltaLength = Math.Max(deltaLength, layer.Output.Length);
            if (layer.Kind == LayerKind.Conv2D) columns = Math.Max(columns, (long)layer.Input.Channels * layer.Declaration.Kernel * layer.Declaration.Kernel * layer.Output.Height * layer.Output.Width);

            layers.Add(new LayerPlan(
                layer,
                variables[i],
                inputVariables[i],
                activationOffsets[i],
                argmaxOffsets[i],
                weightOffset,
                biasOffset,
                fanIn,
                fanOut,
                init,
                initReason,
                backward,
                backward && i > firstWithParameters,
                steps[i],
                operands[i],
                notes[i]));
        }

        // The chunk size comes from the declared layers' footprint (every layer its own output), not the smaller one of the
        // run order: a different chunk would regroup the gradient sums, and the run order must not change a single bit.
        long declaredActivations = 0;
        for (int i = 0; i < count; i++)
        {
            if (all[i].Kind != LayerKind.Flatten || i == count - 1) declaredActivations += all[i].Output.Length;
        }
        long perSample = declaredActivations + 2 * deltaLength + argmaxOffset;
        if (2 * deltaLength > int.MaxValue)
            return TooLarge(all[count - 1], "the backward buffers of one sample", 2 * deltaLength);
        int chunk = ChunkSamples(perSample);

        Shape output = count == 0 ? network.Input.Flattened : all[count - 1].Output.Flattened;
        NetworkDeclaration declaration = network.Declaration;
        var plan = new NetworkPlan(
            declaration.Namespace,
            declaration.ClassName,
            declaration.Training,
            loss,
            network.Input,
            output,
            inputVariable,
            (int)parameterOffset,
            new EquatableArray<LayerPlan>(layers.ToArray()),
            new EquatableArray<ParameterPlan>(parameters.ToArray()),
            (int)activationOffset,
            (int)deltaLength,
            (int)argmaxOffset,
            (int)columns,
            chunk,
            SummaryBuilder.Build(network, (int)parameterOffset),
            ArchitectureBuilder.Build(network),
            declaration.NetworkLocation);
        return new StageResult<NetworkPlan>(plan, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>Samples per chunk: as many as fit the workspace budget, at most 256, a multiple of 16 when 16 or more.</summary>
    private static int ChunkSamples(long floatsPerSample)
    {
        long chunk = Math.Max(1, Math.Min(MaxChunkSamples, WorkspaceBudget / Math.Max(1, floatsPerSample)));
        if (chunk >= 16) chunk -= chunk % 16;
        return (int)chunk;
    }

    private static StageResult<NetworkPlan> TooLarge(ShapedLayer layer, string what, long elements)
        => StageResult<NetworkPlan>.Failed(new EquatableArray<DiagnosticInfo>(new[]
        {
            DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Declaration.Location, layer.Name, what, elements.ToString(CultureInfo.InvariantCulture)),
        }));
}
