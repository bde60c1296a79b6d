using System;
using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Graph;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Planning;

/// <summary>
/// Plans the code of a checked network graph: the parameter and state layouts (per node in order, its descriptor's
/// tensors: weight then bias, PyTorch order), the run order and in-place activations (<see cref="RunOrder"/>), which
/// workspace buffer holds each node's output, what the backward pass visits and where gradients meet (forks), and the
/// workspace sizes per sample.
/// </summary>
internal static class Planner
{
    /// <summary>
    /// Floats of workspace one thread may use for a chunk (16 MiB); decides how many samples it processes at once. Larger
    /// chunks give the dense layers of deep nets wider GEMMs and check packed filters less often: 2^22 instead of 2^21 took
    /// batch-64 inference on 2 threads from 6.6k to 6.9k images/s (VGG, 9 → 16 samples a chunk) and from 4.4k to 4.5-4.6k
    /// (ResNet, 4 → 9); 2^23 and 2^24 measured the same as 2^22.
    /// </summary>
    private const long WorkspaceBudget = 1L << 22;

    private const int MaxChunkSamples = 256;

    public static StageResult<NetworkPlan> Plan(string key, ShapedNetwork network)
    {
        NetworkGraph graph = network.Graph;
        GraphNode? loss = graph.Loss;
        int count = loss is null ? graph.Count : graph.Count - 1;

        int firstWithParameters = -1;
        for (int i = 0; i < count && firstWithParameters < 0; i++)
        {
            if (graph[i].ParameterCount > 0) firstWithParameters = i;
        }

        // Batch norm + ReLU fused in training (FusionLayout): the batch norm aliases its input (kept for its backward
        // instead of a copy) and the ReLU writes a buffer of its own, which both backward passes read.
        bool training = network.Declaration.Training;
        var fusedRelu = new int[count];
        var fusedRelus = new bool[count];
        for (int i = 0; i < count; i++)
        {
            fusedRelu[i] = FusionLayout.FusedRelu(graph, i, count, training);
            if (fusedRelu[i] >= 0) fusedRelus[fusedRelu[i]] = true;
        }

        // Run order first: which buffer holds each node's output, and what each kernel call works on.
        RunOrder order = RunOrder.Of(graph, count, fusedRelus);
        var variables = new string[count];
        var writesOwn = new bool[count];
        var activationOffsets = new int[count];
        var savedSpecs = new IReadOnlyList<SavedSpec>[count];
        var steps = new int[count];
        var operands = new TensorShape[count];
        var notes = new string[count];
        long activationOffset = 0, argmaxOffset = 0, savedFloats = 0;
        for (int k = 0; k < count; k++)
        {
            int i = order.Steps[k];
            GraphNode node = graph[i];
            steps[i] = k;
            operands[i] = node.Output;
            notes[i] = "";
            int partner = order.SwappedWith[i];
            if (partner >= 0 && node.Descriptor.Role != LayerRole.Activation)
            {
                notes[i] = $"{node.FullName} before {graph[partner].FullName}: max-pool commutes with ReLU, which then works on the pooled tensor";
            }
            else if (partner >= 0)
            {
                operands[i] = graph[partner].Output;
                notes[i] = $"after {graph[partner].FullName} (declared before it): max-pool commutes with ReLU";
            }

            int runInput = order.RunInputs[i];
            GraphNode? producer = runInput == GraphNode.NetworkInput ? null : graph[runInput];
            // The last node writes the network's output (Forward's caller's rows), so it always has a buffer of its
            // own: a Flatten there copies its input (which may be the network's input) instead of aliasing it.
            bool last = k == count - 1;
            // Not over a fork's tensor: its other readers still need it.
            bool inPlace = RunOrder.InPlace(node, producer, last) && !graph.IsFork(runInput) && !fusedRelus[i];
            bool aliases = node.Descriptor.AliasesInput || fusedRelu[i] >= 0;
            bool writes = (!aliases || last) && !inPlace;
            string inputVariable = runInput == GraphNode.NetworkInput ? "input" : variables[runInput];
            variables[i] = writes ? LayerNames.ToCamel(node.Identifier) + "Out" : inputVariable;
            writesOwn[i] = writes;
            savedSpecs[i] = fusedRelu[i] >= 0 ? Array.Empty<SavedSpec>() : node.Descriptor.Saved(node);
            if (writes) activationOffset += operands[i].Length;
            foreach (SavedSpec spec in savedSpecs[i])
            {
                if (spec.Element == ElementType.Int32) argmaxOffset += spec.Length;
                else savedFloats += spec.Length;
            }

            if (activationOffset > int.MaxValue || argmaxOffset > int.MaxValue)
                return TooLarge(key, node, "the activations of one sample", Math.Max(activationOffset, argmaxOffset));
        }

        // What the backward pass visits, then the workspace by liveness: every tensor an offset, dead ones' memory reused.
        var backwards = new bool[count];
        var inputGradients = new bool[count];
        // A node's input gradient is needed when something its input depends on has parameters (in a chain: every node
        // after the first layer with parameters; in a graph a branch reading the network's input needs none).
        var dependsOnParameters = new bool[count];
        for (int k = 0; k < count; k++)
        {
            int i = order.Steps[k];
            bool needed = false;
            foreach (int source in graph[i].Inputs.Count > 1 ? graph[i].Inputs : new EquatableArray<int>(new[] { order.RunInputs[i] }))
                needed |= source != GraphNode.NetworkInput && dependsOnParameters[source];
            dependsOnParameters[i] = needed || graph[i].ParameterCount > 0;
            backwards[i] = dependsOnParameters[i]; // the backward visits what a parameter's gradient flows through
            inputGradients[i] = needed;
        }
        // Weight gradients owned by output features (CostModel): their x and dy stay alive until the end of the backward pass.
        var owned = new bool[count];
        for (int i = 0; i < count; i++) owned[i] = CostModel.OwnsWeightGradient(graph[i], network.Declaration.Training, backwards[i]);
        // Evaluation: a residual block's last convolution adds the shortcut and rectifies (FusionLayout.ResidualRunners).
        int[] residualRunner = FusionLayout.ResidualRunners(graph, order, count, steps, variables);
        Liveness.Result live = Liveness.Of(graph, order, count, writesOwn, variables, operands, backwards, inputGradients, dependsOnParameters, network.Declaration.Training, owned, fusedRelu,
            residualRunner);
        // Branches written straight into their concatenation's channel slices: their tensors become views of its region.
        ConcatPlacement placement = ConcatPlacement.Of(graph, order, count, writesOwn, dependsOnParameters, network.Declaration.Training, fusedRelus);
        List<WorkspaceView> views = placement.Merge(live);
        // Saved tensors: floats live from the node's forward step (or its producer's, which may write them) to its backward
        // (2K − k), ints sit in the integer workspace.
        var saved = new List<SavedPlan>[count];
        var savedFloatTensors = new List<(int Node, SavedSpec Spec, WorkspaceBuffer Tensor)>();
        long intOffset = 0;
        for (int i = 0; i < count; i++)
        {
            saved[i] = new List<SavedPlan>();
            foreach (SavedSpec spec in savedSpecs[i])
            {
                string variable = LayerNames.ToCamel(graph[i].Identifier) + LayerNames.ToPascal(spec.Suffix);
                if (spec.Element == ElementType.Int32)
                {
                    saved[i].Add(new SavedPlan(spec.Suffix, variable, spec.Element, (int)intOffset, spec.Length));
                    intOffset += spec.Length;
                    continue;
                }
                int end = network.Declaration.Training && backwards[i] ? 2 * count - steps[i] : steps[i];
                int producer = order.RunInputs[i];
                int start = spec.FromProducer && producer != GraphNode.NetworkInput ? steps[producer] : steps[i];
                var tensor = new WorkspaceBuffer(variable, spec.Length, start, end, isGradient: false);
                live.Tensors.Add(tensor);
                savedFloatTensors.Add((i, spec, tensor));
            }
        }
        long workspace = WorkspaceAllocator.Assign(live.Tensors);
        if (workspace > int.MaxValue) return TooLarge(key, graph[count - 1], "the workspace of one sample", workspace);
        var buffers = new List<BufferPlan>();
        foreach (WorkspaceBuffer tensor in live.Tensors) buffers.Add(tensor.Freeze());
        if (WorkspaceAllocator.FindOverlap(buffers) is { } overlap)
            throw new InvalidOperationException("the workspace plan is wrong: " + overlap);
        foreach (WorkspaceView view in views)
        {
            if (view.Tensor.IsGradient) buffers.Add(view.Tensor.Freeze() with { Offset = -1, Parent = view.Parent.Variable, ViewOffset = view.Offset, Stride = view.Stride });
        }
        for (int i = 0; i < count; i++) activationOffsets[i] = writesOwn[i] ? (int)live.Outputs[i]!.Offset : -1;
        foreach ((int node, SavedSpec spec, WorkspaceBuffer tensor) in savedFloatTensors)
            saved[node].Add(new SavedPlan(spec.Suffix, tensor.Variable, spec.Element, (int)tensor.Offset, spec.Length));

        var layers = new List<LayerPlan>(count);
        var parameters = new List<ParameterPlan>();
        var state = new List<StatePlan>();
        long parameterOffset = 0, stateOffset = 0, columns = 0;
        long deltaLength = count == 0 ? graph.Input.Length : graph[count - 1].Output.Length;
        for (int i = 0; i < count; i++)
        {
            GraphNode node = graph[i];
            LayerDescriptor descriptor = node.Descriptor;
            int weightOffset = -1, weightLength = 0, biasOffset = -1, biasLength = 0, fanIn = 0, fanOut = 0;
            InitKind init = InitKind.Default;
            string initReason = "";
            IReadOnlyList<ParameterSpec> tensors = descriptor.Parameters(node);
            if (tensors.Count > 0)
            {
                (fanIn, fanOut) = descriptor.Fans(node);
                (init, initReason) = InitResolver.Resolve(graph, i);
            }
            foreach (ParameterSpec tensor in tensors)
            {
                if (tensor.IsBias)
                {
                    biasOffset = (int)parameterOffset;
                    biasLength = tensor.Length;
                }
                else
                {
                    weightOffset = (int)parameterOffset;
                    weightLength = tensor.Length;
                }
                parameters.Add(new ParameterPlan(node.FullName + "." + tensor.Suffix, node.FullName, (int)parameterOffset, tensor.Shape));
                parameterOffset += tensor.Length;
            }
            foreach (StateSpec tensor in descriptor.State(node))
            {
                state.Add(new StatePlan(node.FullName + "." + tensor.Suffix, node.FullName, (int)stateOffset, tensor.Shape, tensor.Initial));
                stateOffset += tensor.Length;
                if (stateOffset > int.MaxValue) return TooLarge(key, node, "the state buffer", stateOffset);
            }

            bool backward = backwards[i];
            if (backward) deltaLength = Math.Max(deltaLength, node.Output.Length);
            columns = Math.Max(columns, descriptor.ColumnLength(node));
            int runInput = order.RunInputs[i];

            layers.Add(new LayerPlan(
                node,
                variables[i],
                runInput == GraphNode.NetworkInput ? "input" : variables[runInput],
                activationOffsets[i],
                new EquatableArray<SavedPlan>(saved[i].ToArray()),
                weightOffset,
                weightLength,
                biasOffset,
                biasLength,
                fanIn,
                fanOut,
                init,
                initReason,
                backward,
                inputGradients[i],
                AccumulateInputGradient: inputGradients[i] && runInput != GraphNode.NetworkInput && graph.IsFork(runInput),
                live.Gradients[i]?.Variable ?? "",
                runInput != GraphNode.NetworkInput && inputGradients[i] ? live.Gradients[runInput]?.Variable ?? "" : "",
                steps[i],
                operands[i],
                notes[i])
            {
                InputVariables = Each(node.Inputs, source => source == GraphNode.NetworkInput ? "input" : variables[source]),
                InputGradientVariables = Each(node.Inputs, source => source != GraphNode.NetworkInput && inputGradients[i] && dependsOnParameters[source] ? live.Gradients[source]?.Variable ?? "" : ""),
                TemporaryGradient = live.Temporaries[i]?.Variable ?? "",
                OutputStride = placement.OutputStrides[i],
                InputStride = runInput == GraphNode.NetworkInput ? 0 : placement.OutputStrides[runInput],
                OutputGradientStride = placement.GradientStrides[i],
                ViewOf = placement.Views[i].Concat < 0 ? "" : variables[placement.Views[i].Concat],
                ViewOffset = placement.Views[i].Offset,
                PlacedInputs = new EquatableArray<bool>(placement.PlacedInputs[i]),
                PlacedInputGradients = new EquatableArray<bool>(placement.PlacedInputGradients[i]),
                FusedRelu = fusedRelu[i],
                ResidualRunner = residualRunner[i],
                OwnedGradients = owned[i],
            });
        }

        // The chunk size of inference (training runs whole slices) comes from the declared nodes' footprint (every node its
        // own output, two gradient buffers), as it always has: a chunk size that followed the planned workspace would move
        // with every planning change.
        long declaredActivations = 0;
        for (int i = 0; i < count; i++)
        {
            if (!graph[i].Descriptor.AliasesInput || i == count - 1) declaredActivations += graph[i].Output.Length;
        }
        long perSample = declaredActivations + 2 * deltaLength + argmaxOffset + savedFloats;
        if (2 * deltaLength > int.MaxValue)
            return TooLarge(key, graph[count - 1], "the backward buffers of one sample", 2 * deltaLength);
        int chunk = ChunkSamples(perSample);

        TensorShape output = count == 0 ? graph.Input.Flattened : graph[count - 1].Output.Flattened;
        string outputVariable = count == 0 ? "input" : variables[order.Steps[count - 1]];
        WorkspaceBuffer? outputGradient = count == 0 ? null : live.Gradients[order.Steps[count - 1]];
        int lossGradient = outputGradient is null ? -1 : (int)outputGradient.Offset;
        NetworkDeclaration declaration = network.Declaration;
        var plan = new NetworkPlan(
            declaration.Namespace,
            declaration.ClassName,
            declaration.Training,
            loss,
            graph.Input,
            output,
            outputVariable,
            (int)parameterOffset,
            new EquatableArray<LayerPlan>(layers.ToArray()),
            new EquatableArray<ParameterPlan>(parameters.ToArray()),
            new EquatableArray<StatePlan>(state.ToArray()),
            (int)stateOffset,
            new EquatableArray<BufferPlan>(buffers.ToArray()),
            (int)workspace,
            lossGradient,
            (int)argmaxOffset,
            (int)columns,
            chunk,
            SummaryBuilder.Build(network, (int)parameterOffset, workspace + argmaxOffset, columns, layers),
            ArchitectureBuilder.Build(network),
            declaration.CopyObstacle);
        return new StageResult<NetworkPlan>(key, plan, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static EquatableArray<string> Each(EquatableArray<int> inputs, Func<int, string> map)
    {
        var names = new string[inputs.Count];
        for (int i = 0; i < names.Length; i++) names[i] = map(inputs[i]);
        return new EquatableArray<string>(names);
    }

    /// <summary>Samples per chunk: as many as fit the workspace budget, at most 256, a multiple of 16 when 16 or more.</summary>
    private static int ChunkSamples(long floatsPerSample)
    {
        long chunk = Math.Max(1, Math.Min(MaxChunkSamples, WorkspaceBudget / Math.Max(1, floatsPerSample)));
        if (chunk >= 16) chunk -= chunk % 16;
        return (int)chunk;
    }

    private static StageResult<NetworkPlan> TooLarge(string key, GraphNode node, string what, long elements)
        => StageResult<NetworkPlan>.Failed(key, new EquatableArray<DiagnosticInfo>(new[]
        {
            DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, node.Site, node.FullName, what, Invariant.Int(elements)),
        }));
}
