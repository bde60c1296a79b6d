using System;
using System.Collections.Generic;
using Compiled.Generator.Emit;
using Compiled.Generator.Graph;
using Compiled.Generator.Model;
using Compiled.Generator.Shapes;

namespace Compiled.Generator.Layers;

/// <summary>What a node is in the network: an ordinary layer, an element-wise activation, the loss head, or a join of several inputs.</summary>
internal enum LayerRole
{
    Layer,
    Activation,
    Loss,
    Join,
}

/// <summary>The tensors a node's backward pass reads again, besides its output gradient (what liveness keeps alive).</summary>
[Flags]
internal enum SavedTensors
{
    None = 0,
    /// <summary>Its input x (Dense and Conv2D for dw, LeakyReLU and ELU for the slope).</summary>
    Input = 1,
    /// <summary>Its output y (ReLU, Sigmoid, Tanh, ELU).</summary>
    Output = 2,
}

/// <summary>A parameter tensor of a layer: its PyTorch name suffix (<c>weight</c>), shape and role (weight or bias for the initialization).</summary>
internal sealed record ParameterSpec(string Suffix, EquatableArray<int> Shape, bool IsBias)
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

/// <summary>A state tensor of a layer (running statistics): PyTorch name suffix (<c>running_var</c>), shape and the value it starts at.</summary>
internal sealed record StateSpec(string Suffix, EquatableArray<int> Shape, float Initial)
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

/// <summary>
/// A tensor a node's forward saves for its backward, per sample: MaxPool's arg-max indices (Int32), a dropout mask or
/// batch norm's input (Float32). Its span in the emitted code is the node's name and the suffix in PascalCase
/// (<c>pool1Argmax</c>); float ones are planned by liveness with the activations (alive from the node's forward to its
/// backward), int ones sit in the integer workspace. <paramref name="FromProducer"/>: the node's producer may write it at its
/// own step (a Conv2D writes the input a training batch norm keeps straight into that copy, Planning/FusionLayout), so it is
/// alive from the producer's step on and lies clear of the producer's input.
/// </summary>
internal sealed record SavedSpec(string Suffix, ElementType Element, int Length, bool FromProducer = false);

/// <summary>The result of a node's shape inference: its output shape and, for windowed layers, the resolved geometry.</summary>
internal sealed record InferredShape(TensorShape Output, Window2D? Window = null);

/// <summary>
/// One layer kind, whole: the attribute it is declared with and its argument schema (read by the generic reader),
/// argument checks and shape inference, parameters and state (PyTorch names, shapes, fans, initialization), its
/// summary and architecture text, default name, and the forward and backward code it emits, with what that code needs
/// (in place or not, the tensors its backward reads again, its workspaces). A new layer is one subclass, one line in
/// <see cref="LayerRegistry"/> and its tests. Descriptors are stateless singletons; the model holds them by reference.
/// </summary>
internal abstract class LayerDescriptor
{
    private static readonly ArgumentSpec[] NoArguments = Array.Empty<ArgumentSpec>();

    /// <summary>The kind's name: the attribute as written (<c>Conv2D</c>), the summary's and the architecture's word for it.</summary>
    public abstract string Kind { get; }

    /// <summary>The attribute class's metadata name in namespace Compiled (<c>Conv2DAttribute</c>), or null for a node no attribute declares (a join).</summary>
    public virtual string? AttributeClass => Kind + "Attribute";

    /// <summary>Prefix of default names: conv → conv1, conv2.</summary>
    public abstract string DefaultNamePrefix { get; }

    public virtual LayerRole Role => LayerRole.Layer;

    /// <summary>The ReLU family, before which the default initialization is He.</summary>
    public virtual bool IsRectifier => false;

    // ---- Parsing ----

    /// <summary>How to write the attribute, for the message when its arguments match no constructor (CMP0023): <c>[Dense(units)], e.g. [Dense(128)]</c>.</summary>
    public virtual string ConstructorExample(string attributeName) => $"[{attributeName}]";

    /// <summary>The attribute's arguments (besides <c>Name</c>), in the order the reader reads them and the model stores them.</summary>
    public virtual IReadOnlyList<ArgumentSpec> Arguments => NoArguments;

    // ---- Checks and shapes ----

    /// <summary>Checks beyond the schema's ranges (run with them, before any shape is known).</summary>
    public virtual void Check(LayerDeclaration layer, string name, List<DiagnosticInfo> diagnostics)
    {
    }

    /// <summary>The output shape of a node with these inputs, or null after reporting why it cannot take them.</summary>
    public abstract InferredShape? Infer(ShapeContext context);

    // ---- Parameters and state ----

    /// <summary>Its parameters in buffer order (PyTorch's: weight, then bias).</summary>
    public virtual IReadOnlyList<ParameterSpec> Parameters(GraphNode node) => Array.Empty<ParameterSpec>();

    /// <summary>Its state tensors (running statistics), in buffer order.</summary>
    public virtual IReadOnlyList<StateSpec> State(GraphNode node) => Array.Empty<StateSpec>();

    /// <summary>Initialization fan-in and fan-out of its weight (Dense: in, out; Conv2D: in·kh·kw, out·kh·kw).</summary>
    public virtual (int FanIn, int FanOut) Fans(GraphNode node) => (0, 0);

    /// <summary>The initialization the declaration asks for (<see cref="InitKind.Default"/>: resolved by the planner).</summary>
    public virtual InitKind DeclaredInit(GraphNode node) => InitKind.Default;

    // ---- Text ----

    /// <summary>Its kind and non-default arguments in a few words, for the summary and comments: <c>Conv2D 5x5, pad 2</c>.</summary>
    public virtual string Describe(GraphNode node) => Kind;

    /// <summary>
    /// The resolved arguments that change parameters or shapes, as the architecture string writes them after the name
    /// (<c> filters=6 kernel=5 stride=1 padding=2 bias=true</c>); empty for none. Stable: checkpoints hash it.
    /// </summary>
    public virtual string ArchitectureArguments(GraphNode node) => "";

    // ---- Planning ----

    /// <summary>The tensors its backward reads again (liveness keeps them until then).</summary>
    public virtual SavedTensors BackwardReads => SavedTensors.None;

    /// <summary>Its output is its input's floats, unchanged (Flatten): it writes nothing unless it is the last node.</summary>
    public virtual bool AliasesInput => false;

    /// <summary>
    /// Whether it may overwrite its input in the forward pass: an element-wise node whose backward reads only its output.
    /// The planner also requires that the input's producer does not read that tensor again (<see cref="MayBeOverwritten"/>).
    /// </summary>
    public virtual bool CanRunInPlace => Role == LayerRole.Activation && BackwardReads == SavedTensors.Output;

    /// <summary>Whether a consumer running in place may overwrite this node's output: it writes a buffer of its own and its backward does not read it.</summary>
    public bool MayBeOverwritten => Role == LayerRole.Layer && !AliasesInput && (BackwardReads & SavedTensors.Output) == 0;

    /// <summary>Its backward computes dx in dy's own buffer (activations, Flatten): the gradient does not move to another buffer.</summary>
    public virtual bool BackwardInPlace => Role == LayerRole.Activation || AliasesInput;

    /// <summary>Whether its backward kernel can add (<c>dx +=</c>) into an input gradient that other consumers also write (a fork); otherwise the plan gives it a temporary and an add.</summary>
    public virtual bool CanAccumulateInputGradient => false;

    /// <summary>
    /// Whether its forward can write its output as rows a sample stride apart (<see cref="Emit.ForwardEmission.OutputStride"/>;
    /// running in place, read its input so too) and its backward read its output so: a branch's last tensor is then placed in
    /// its channel slice of a concatenation (<see cref="Planning.ConcatPlacement"/>) instead of copied there.
    /// </summary>
    public virtual bool WritesStridedOutput => false;

    /// <summary>
    /// Whether its backward can read dy as rows a sample stride apart (<see cref="Emit.BackwardEmission.OutputGradientStride"/>;
    /// working in dy's buffer, write dx so too): a branch's output gradient is then its slice of the concatenation's.
    /// </summary>
    public virtual bool ReadsStridedOutputGradient => false;

    /// <summary>The tensors its forward saves for its backward (<see cref="SavedSpec"/>); none by default.</summary>
    public virtual IReadOnlyList<SavedSpec> Saved(GraphNode node) => Array.Empty<SavedSpec>();

    /// <summary>
    /// Whether its forward differs between training and evaluation (dropout, batch norm: PyTorch's <c>train()</c>/<c>eval()</c>).
    /// A network with such a node emits a second forward pass for TrainStep (<see cref="ForwardEmission.Training"/>).
    /// </summary>
    public virtual bool ForwardDependsOnMode => false;

    /// <summary>
    /// Parameters that start at constants whatever the seed (batch norm: weight 1, bias 0, PyTorch's reset_parameters), or
    /// null for the seeded initialization (<see cref="DeclaredInit"/>).
    /// </summary>
    public virtual (float Weight, float Bias)? FixedInit => null;

    /// <summary>
    /// Whether the default initialization of the layer before it looks past it for the next activation (batch norm: a
    /// Conv2D, BatchNorm, ReLU stack gets He initialization, as with no batch norm between).
    /// </summary>
    public virtual bool PassesInitThrough => false;

    /// <summary>Floats of each thread's partial slot (<c>StepContext.Partials</c>) its training phases use; 0 for none.</summary>
    public virtual int PartialLength(GraphNode node) => 0;

    /// <summary>im2col floats per sample it needs (Conv2D); 0 for none.</summary>
    public virtual int ColumnLength(GraphNode node) => 0;

    // ---- Emission ----

    /// <summary>The runtime geometry record its kernels take (<c>Conv2DGeometry</c>), or null; emitted as a static readonly field.</summary>
    public virtual string? GeometryType => null;

    /// <summary>The geometry's constructor arguments (named, literal), one or more lines.</summary>
    public virtual string[] GeometryArguments(GraphNode node) => Array.Empty<string>();

    /// <summary>The geometry's init properties beyond the constructor (<c>Groups = 32</c>), comma-separated; empty for none.</summary>
    public virtual string GeometryInitializer(GraphNode node) => "";

    /// <summary>Writes the forward kernel call(s), after the header comment <see cref="ForwardEmission.Header"/>.</summary>
    public abstract void EmitForward(ForwardEmission e);

    /// <summary>Adds the backward statements (header comment first) to <paramref name="e"/>.</summary>
    public virtual void EmitBackward(BackwardEmission e)
        => throw new NotSupportedException($"{Kind} has no backward pass");

    public override string ToString() => Kind;
}
