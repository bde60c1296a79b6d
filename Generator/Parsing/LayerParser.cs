using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Parsing;

/// <summary>
/// Reads one layer attribute into a <see cref="LayerDeclaration"/>, generically: its optional <c>Name</c>, then every
/// argument its descriptor declares (<see cref="LayerDescriptor.Arguments"/>), defaults as in NetworkAttributes.cs.
/// </summary>
internal static class LayerParser
{
    /// <summary>The declaration, or null when its arguments could not be read (the reader has reported why).</summary>
    public static LayerDeclaration? Parse(LayerDescriptor descriptor, string attributeName, ArgumentReader args, DiagnosticSite site)
    {
        string? name = args.NamedString("Name");
        if (!args.RequireConstructor(descriptor.ConstructorExample(attributeName))) return null;
        var values = new ArgumentValue[descriptor.Arguments.Count];
        for (int i = 0; i < values.Length; i++) values[i] = args.Read(descriptor.Arguments[i]);
        return args.Failed ? null : new LayerDeclaration(descriptor, attributeName, name, new EquatableArray<ArgumentValue>(values), site);
    }
}
