using System;
using System.Collections.Generic;
using System.Globalization;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// Plans the code of a checked network: the parameter layout (per layer weight then bias, PyTorch order), which
/// workspace buffer holds each layer's output, what the backward pass visits, and the workspace sizes per sample.
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

        var layers = new List<LayerPlan>(count);
        var parameters = new List<ParameterPlan>();
        long parameterOffset = 0, activationOffset = 0, argmaxOffset = 0, columns = 0;
        long deltaLength = count == 0 ? network.Input.Length : all[count - 1].Output.Length;
        string inputVariable = "input";
        for (int i = 0; i < count; i++)
        {
            ShapedLayer layer = all[i];
            bool writes = layer.Kind != LayerKind.Flatten;
            string variable = writes ? LayerNames.ToCamel(layer.Identifier) + "Out" : inputVariable;

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
                variable,
                inputVariable,
                writes ? (int)Math.Min(activationOffset, int.MaxValue) : -1,
                layer.Kind == LayerKind.MaxPool ? (int)Math.Min(argmaxOffset, int.MaxValue) : -1,
                weightOffset,
                biasOffset,
                fanIn,
                fanOut,
                init,
                initReason,
                backward,
                backward && i > firstWithParameters));

            if (writes) activationOffset += layer.Output.Length;
            if (layer.Kind == LayerKind.MaxPool) argmaxOffset += layer.Output.Length;
            inputVariable = variable;

            if (activationOffset > int.MaxValue || argmaxOffset > int.MaxValue)
                return TooLarge(layer, "the activations of one sample", Math.Max(activationOffset, argmaxOffset));
        }

        long perSample = activationOffset + 2 * deltaLength + argmaxOffset;
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
