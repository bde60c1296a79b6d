using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Layers.Joins;
using Compiled.Generator.Model;
using Compiled.Generator.Parsing;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Graph;

/// <summary>
/// Builds a network's graph from its declaration, expanding every <c>[Use]</c> into its block's layers (arguments bound,
/// expressions evaluated, repeated) and lowering <c>[Shortcut]</c> … <c>[Residual]</c> to a fork and an
/// <see cref="AddJoin"/>, <c>[Branch]</c> … <c>[Concat]</c> to a fork and a <see cref="ConcatJoin"/>; every node's shape
/// is inferred as it is added (a <c>ShortcutWhen.ShapeChanges</c> path exists only where the main path changed the shape).
/// Names follow torchvision (docs/api.md): a [Use] is <c>layerN</c> and each repetition <c>layerN.r.</c>; a block's main
/// path counts each kind afresh (<c>conv1</c>, <c>bn2</c>); a path's layers are numbered from 0 (<c>downsample.0</c>).
/// Diagnostics of an expanded block's layers point at the network's outermost [Use] and name the layer in full
/// (<c>layer2.0.conv1</c>): the block is fine on its own, the arguments made it wrong.
/// </summary>
internal sealed class GraphBuilder
{
    /// <summary>Most nodes a network may expand to (a huge Repeat would otherwise make the generator's work unbounded).</summary>
    public const int MaxNodes = 20_000;

    private readonly TensorShape _input;
    private readonly BlockTable _blocks;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly List<GraphNode> _nodes = new();
    private long _parameters;

    private GraphBuilder(TensorShape input, BlockTable blocks, List<DiagnosticInfo> diagnostics)
    {
        _input = input;
        _blocks = blocks;
        _diagnostics = diagnostics;
    }

    /// <summary>The graph, or null after reporting why it cannot be built (the shapes after a failure would be meaningless).</summary>
    public static NetworkGraph? Build(NetworkDeclaration network, (string Name, string Identifier)[] names, TensorShape input, BlockTable blocks, List<DiagnosticInfo> diagnostics)
    {
        var builder = new GraphBuilder(input, blocks, diagnostics);
        int current = GraphNode.NetworkInput;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            LayerDeclaration layer = network.Layers[i];
            bool ok = layer.Structure == StructureKind.Use
                ? builder.Use(layer, names[i].Name + ".", null, ref current, new List<string>())
                : builder.Layer(layer, names[i].Name, "", ref current);
            if (!ok) return null;
        }
        if (!builder.CheckNames()) return null;
        return new NetworkGraph(input, new EquatableArray<GraphNode>(builder._nodes.ToArray()));
    }

    private TensorShape ShapeOf(int index) => index == GraphNode.NetworkInput ? _input : _nodes[index].Output;

    private string SourceOf(int index) => index == GraphNode.NetworkInput ? "the network's input" : "the output of '" + _nodes[index].FullName + "'";

    /// <summary>Adds one node reading <paramref name="inputs"/>; false after reporting why it cannot take them.</summary>
    private bool Add(LayerDeclaration layer, string name, string prefix, int[] inputs, out int index)
    {
        index = -1;
        if (_nodes.Count >= MaxNodes)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Site, prefix + name, "the number of layers after expanding its blocks", ">" + Invariant.Int(MaxNodes)));
            return false;
        }
        var shapes = new TensorShape[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) shapes[i] = ShapeOf(inputs[i]);
        string fullName = prefix + name;
        int before = _diagnostics.Count;
        if (prefix.Length > 0) ArgumentChecks.Check(layer, fullName, _diagnostics); // the network's own layers were checked with the names
        if (_diagnostics.Count > before) return false;
        var context = new ShapeContext(layer, fullName, shapes, SourceOf(inputs[0]), _diagnostics);
        InferredShape? inferred = layer.Descriptor.Infer(context);
        if (inferred is null) return false;
        var node = new GraphNode(
            _nodes.Count, name, IdentifierOf(fullName), prefix, layer.Descriptor, layer.AttributeName, layer.Arguments,
            new EquatableArray<int>(inputs), new EquatableArray<TensorShape>(shapes), inferred.Output, inferred.Window, layer.Site);
        _parameters += node.ParameterCount;
        if (_parameters > int.MaxValue)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Site, fullName, "the parameter buffer", Invariant.Int(_parameters)));
            return false;
        }
        _nodes.Add(node);
        index = node.Index;
        return true;
    }

    private bool Layer(LayerDeclaration layer, string name, string prefix, ref int current)
    {
        if (!Add(layer, name, prefix, new[] { current }, out int index)) return false;
        current = index;
        return true;
    }

    /// <summary>
    /// Expands a [Use] named <paramref name="prefix"/> (<c>layer2.</c>) reading <paramref name="current"/>.
    /// <paramref name="site"/>: the outermost [Use]'s site (null: this one is the outermost); <paramref name="stack"/>:
    /// the blocks being expanded (a cycle is reported at the block, CMP0033; here it only stops).
    /// </summary>
    private bool Use(LayerDeclaration layer, string prefix, DiagnosticSite? site, ref int current, List<string> stack)
    {
        UseDeclaration use = layer.Use!;
        DiagnosticSite at = site ?? layer.Site;
        BlockDeclaration? block = _blocks.Find(use.Block);
        string? problem = block is null ? BlockChecks.NotABlock(use)
            : BlockChecks.UseProblem(use, block)
            ?? (stack.Contains(block.Key) || !BlockChecks.IsValid(block, _blocks) ? "has errors, reported at the block's attributes; fix them first" : null);
        if (problem is not null)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockUse, at, use.BlockName, problem));
            return false;
        }
        int repeat = use.Repeat.Int;
        if (repeat < 1)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveArgument, at, "Repeat", prefix.TrimEnd('.'), Invariant.Int(repeat), "at least 1", "Use"));
            return false;
        }
        stack.Add(block!.Key);
        for (int r = 0; r < repeat; r++)
        {
            string copy = prefix + Invariant.Int(r) + ".";
            Dictionary<string, int>? bindings = Bind(use, block, r == 0, copy, at);
            if (bindings is null || !Body(block, bindings, copy, at, ref current, stack)) return false;
        }
        stack.RemoveAt(stack.Count - 1);
        return true;
    }

    /// <summary>The block's parameters bound for one repetition: positional arguments, then Stride (first repetition), then defaults.</summary>
    private Dictionary<string, int>? Bind(UseDeclaration use, BlockDeclaration block, bool first, string copy, DiagnosticSite at)
    {
        var bindings = new Dictionary<string, int>(System.StringComparer.Ordinal);
        for (int i = 0; i < block.Parameters.Count; i++)
        {
            BlockParameter parameter = block.Parameters[i];
            if (i < use.Arguments.Count) bindings[parameter.Name] = use.Arguments[i].Int;
            else if (first && parameter.Name == "stride" && use.Stride is { } stride) bindings[parameter.Name] = stride.Int;
            else if (parameter.Default is { } fallback) bindings[parameter.Name] = fallback;
            else
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockUse, at, use.BlockName,
                    $"sets Stride for the first repetition only, and the parameter 'stride' has no default for the others ({copy.TrimEnd('.')}); give it one (\"stride = 1\")"));
                return null;
            }
        }
        return bindings;
    }

    /// <summary>One repetition of a block: its layers with the parameters bound, names prefixed with <paramref name="prefix"/>.</summary>
    private bool Body(BlockDeclaration block, Dictionary<string, int> bindings, string prefix, DiagnosticSite at, ref int current, List<string> stack)
    {
        int blockInput = current;
        var counters = new Dictionary<string, int>(System.StringComparer.Ordinal);
        string? path = null;            // the shortcut's or branch's name while in one
        int position = 0;               // the next layer's number in that path
        bool skipping = false;          // a ShortcutWhen.ShapeChanges path where the shape did not change
        int mainOutput = -2;            // the main path's output while in a shortcut (-2: not in one)
        int branchInput = -2;           // the tensor every branch reads (-2: not in branches)
        var branchOutputs = new List<int>();
        int branches = 0;

        foreach (LayerDeclaration declared in block.Layers)
        {
            LayerDeclaration? bound = BindArguments(declared, bindings, prefix, block, at);
            if (bound is null) return false;
            LayerDeclaration layer = bound with { Site = at };
            switch (layer.Structure)
            {
                case StructureKind.Shortcut:
                    mainOutput = current;
                    current = blockInput;
                    path = layer.Name ?? "downsample";
                    position = 0;
                    skipping = layer.OnlyWhenShapeChanges && ShapeOf(mainOutput) == ShapeOf(blockInput);
                    continue;
                case StructureKind.Residual:
                {
                    int[] inputs = mainOutput != -2 ? new[] { mainOutput, current } : new[] { current, blockInput };
                    var join = new LayerDeclaration(AddJoin.Instance, "Residual", null, EquatableArray<ArgumentValue>.Empty, at);
                    if (!Add(join, layer.Name ?? Next(counters, AddJoin.Instance.DefaultNamePrefix), prefix, inputs, out current)) return false;
                    mainOutput = -2;
                    path = null;
                    skipping = false;
                    continue;
                }
                case StructureKind.Branch:
                    if (branchInput == -2) branchInput = current;
                    else branchOutputs.Add(current);
                    current = branchInput;
                    path = layer.Name ?? "branch" + Invariant.Int(++branches);
                    position = 0;
                    continue;
                case StructureKind.Concat:
                {
                    branchOutputs.Add(current);
                    var join = new LayerDeclaration(ConcatJoin.Instance, "Concat", null, EquatableArray<ArgumentValue>.Empty, at);
                    if (!Add(join, layer.Name ?? Next(counters, ConcatJoin.Instance.DefaultNamePrefix), prefix, branchOutputs.ToArray(), out current)) return false;
                    branchOutputs.Clear();
                    branchInput = -2;
                    path = null;
                    continue;
                }
            }

            if (skipping) continue;
            string name = layer.Name ?? (path is not null ? path + "." + Invariant.Int(position) : Next(counters, layer.Descriptor.DefaultNamePrefix));
            if (path is not null) position++;
            bool ok = layer.Structure == StructureKind.Use
                ? Use(layer, prefix + name + ".", at, ref current, stack)
                : Layer(layer, name, prefix, ref current);
            if (!ok) return false;
        }
        return true;
    }

    private static string Next(Dictionary<string, int> counters, string kind)
    {
        counters.TryGetValue(kind, out int count);
        counters[kind] = ++count;
        return kind + Invariant.Int(count);
    }

    /// <summary>The layer with every expression argument (and a [Use]'s arguments) evaluated; null after reporting a value that cannot be computed.</summary>
    private LayerDeclaration? BindArguments(LayerDeclaration layer, Dictionary<string, int> bindings, string prefix, BlockDeclaration block, DiagnosticSite at)
    {
        IReadOnlyList<ArgumentSpec> schema = layer.Descriptor.Arguments;
        ArgumentValue[]? values = null;
        for (int i = 0; i < layer.Arguments.Count; i++)
        {
            if (layer.Arguments[i].Type != ArgumentType.Expression) continue;
            ArgumentSpec spec = schema[i];
            if (Evaluate(layer.Arguments[i], bindings, $"{spec.Display} of [{layer.AttributeName}] in {prefix.TrimEnd('.')}", block, at) is not { } value) return null;
            values ??= ToArray(layer.Arguments);
            values[i] = spec.Type switch
            {
                ArgumentType.Padding => ArgumentValue.OfPadding(Padding.Uniform(value)),
                ArgumentType.Pair => ArgumentValue.OfPair(value),
                _ => ArgumentValue.OfInt(value),
            };
        }
        LayerDeclaration bound = values is null ? layer : layer with { Arguments = new EquatableArray<ArgumentValue>(values) };
        if (layer.Use is { } use)
        {
            var arguments = new ArgumentValue[use.Arguments.Count];
            for (int i = 0; i < arguments.Length; i++)
            {
                if (Evaluate(use.Arguments[i], bindings, $"argument {i + 1} of [Use] in {prefix.TrimEnd('.')}", block, at) is not { } value) return null;
                arguments[i] = ArgumentValue.OfInt(value);
            }
            ArgumentValue? stride = null;
            if (use.Stride is { } s)
            {
                if (Evaluate(s, bindings, $"Stride of [Use] in {prefix.TrimEnd('.')}", block, at) is not { } value) return null;
                stride = ArgumentValue.OfInt(value);
            }
            if (Evaluate(use.Repeat, bindings, $"Repeat of [Use] in {prefix.TrimEnd('.')}", block, at) is not { } repeat) return null;
            bound = bound with { Use = use with { Arguments = new EquatableArray<ArgumentValue>(arguments), Stride = stride, Repeat = ArgumentValue.OfInt(repeat) } };
        }
        return bound;
    }

    private int? Evaluate(ArgumentValue value, Dictionary<string, int> bindings, string what, BlockDeclaration block, DiagnosticSite at)
    {
        if (value.Type != ArgumentType.Expression) return value.Int;
        long? result = BlockExpression.Evaluate(value.Text ?? "", bindings, out string error);
        if (result is { } v) return (int)v;
        var given = new List<string>();
        foreach (KeyValuePair<string, int> binding in bindings) given.Add(binding.Key + " = " + Invariant.Int(binding.Value));
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBlockUse, at, block.ClassName,
            $"makes \"{value.Text}\" ({what}) invalid: {error} with {string.Join(", ", given)}; change the arguments"));
        return null;
    }

    private static ArgumentValue[] ToArray(EquatableArray<ArgumentValue> items)
    {
        var array = new ArgumentValue[items.Count];
        for (int i = 0; i < array.Length; i++) array[i] = items[i];
        return array;
    }

    /// <summary>
    /// Names inside blocks: each full name valid and distinct (as identifiers too, since they name members). The
    /// network's own layers were checked by <see cref="LayerNames.Resolve"/> before.
    /// </summary>
    private bool CheckNames()
    {
        var seen = new Dictionary<string, GraphNode>(System.StringComparer.Ordinal);
        bool ok = true;
        foreach (GraphNode node in _nodes)
        {
            if (node.Prefix.Length == 0) continue;
            string[] parts = node.Name.Split('.');
            foreach (string part in parts)
            {
                if (!LayerNames.IsValidName(part) && !IsNumber(part))
                {
                    _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerName, node.Site, node.FullName,
                        "a name must start with a letter and contain only letters, digits and '_' (it becomes part of parameter names)"));
                    ok = false;
                }
            }
        }
        foreach (GraphNode node in _nodes)
        {
            if (seen.TryGetValue(node.Identifier, out GraphNode? other))
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerName, node.Site, node.FullName,
                    $"it clashes with \"{other.FullName}\" (both give the member names {node.Identifier}...); give the layers distinct names"));
                ok = false;
            }
            else
            {
                seen[node.Identifier] = node;
            }
        }
        return ok;
    }

    private static bool IsNumber(string part)
    {
        if (part.Length == 0) return false;
        foreach (char c in part)
        {
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    /// <summary>The PascalCase identifier of a full name, segments joined by '_': <c>layer2.0.conv1</c> → <c>Layer2_0_Conv1</c>; <c>conv1</c> → <c>Conv1</c>.</summary>
    public static string IdentifierOf(string fullName)
    {
        string[] parts = fullName.Split('.');
        for (int i = 0; i < parts.Length; i++) parts[i] = LayerNames.ToPascal(parts[i]);
        return string.Join("_", parts);
    }
}
