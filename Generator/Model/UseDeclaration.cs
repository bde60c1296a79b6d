namespace Compiled.Generator.Model;

/// <summary>What kind of entry a <see cref="LayerDeclaration"/> is: a layer, or one of the block structure attributes.</summary>
internal enum StructureKind
{
    /// <summary>An ordinary layer (its descriptor says which).</summary>
    Layer,
    /// <summary><c>[Use(typeof(B), ...)]</c>: a block inserted <see cref="UseDeclaration.Repeat"/> times.</summary>
    Use,
    /// <summary><c>[Shortcut]</c>: the start of a residual block's skip path.</summary>
    Shortcut,
    /// <summary><c>[Residual]</c>: the sum of the main path and the shortcut.</summary>
    Residual,
    /// <summary><c>[Branch]</c>: the start of one of several parallel branches.</summary>
    Branch,
    /// <summary><c>[Concat]</c>: the branches joined on channels.</summary>
    Concat,
}

/// <summary>
/// A <c>[Use]</c>: the block (by key; whether it is one is checked when the network is expanded, so that editing the block
/// re-runs the expansion and not the network's parsing), its positional arguments (ints, or inside a block expressions over
/// its parameters), <c>Repeat</c> and <c>Stride</c>.
/// </summary>
/// <param name="Block">The block class's full name, as <see cref="BlockDeclaration.Key"/>.</param>
/// <param name="BlockName">The class name as written, for messages.</param>
/// <param name="Arguments">The positional arguments.</param>
/// <param name="Repeat">Copies of the block, one after the other.</param>
/// <param name="Stride">The value bound to the parameter "stride" in the first copy, or null.</param>
internal sealed record UseDeclaration(string Block, string BlockName, EquatableArray<ArgumentValue> Arguments, ArgumentValue Repeat, ArgumentValue? Stride);
