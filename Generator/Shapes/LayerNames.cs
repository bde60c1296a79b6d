using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Shapes;

/// <summary>
/// Layer names: explicit ones are checked, the others get the default: the kind's prefix and the layer's position among
/// layers of that prefix (conv1, conv2, fc1, pool1, relu1, leaky_relu1, flatten1; the loss head is "loss").
/// Each name also gives the PascalCase identifier the generated members use (Conv1OutputLength).
/// </summary>
internal static class LayerNames
{
    public static (string Name, string Identifier)[] Resolve(EquatableArray<LayerDeclaration> layers, List<DiagnosticInfo> diagnostics)
    {
        var result = new (string Name, string Identifier)[layers.Count];
        var counters = new Dictionary<string, int>();
        var identifiers = new Dictionary<string, int>(); // identifier → the first layer with it
        for (int i = 0; i < layers.Count; i++)
        {
            LayerDeclaration layer = layers[i];
            string prefix = layer.Descriptor.DefaultNamePrefix;
            counters.TryGetValue(prefix, out int count);
            counters[prefix] = ++count;
            // The first loss head is "loss"; a second one (itself CMP0010) is loss2, so that it is not also a name clash.
            string name = layer.Name ?? (layer.Descriptor.Role == LayerRole.Loss && count == 1 ? prefix : prefix + count.ToString(CultureInfo.InvariantCulture));

            string identifier = ToPascal(name);
            result[i] = (name, identifier);
            if (!IsValidName(name) || identifier.Length == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerName, layer.Site, name,
                    "a name must start with a letter and contain only letters, digits and '_' (it becomes part of parameter names such as \"" + name + ".weight\" and of member names)"));
            }
            else if (identifiers.TryGetValue(identifier, out int first))
            {
                // Point at the name the user wrote: this layer's, or when this one has a default name, the earlier one's.
                bool thisExplicit = layer.Name is not null;
                int at = thisExplicit ? i : first;
                int other = thisExplicit ? first : i;
                string otherName = result[other].Name;
                string clash = layers[other].Name is null
                    ? $"it clashes with \"{otherName}\", the default name of the {layers[other].AttributeName} layer"
                    : $"it clashes with the layer named \"{otherName}\"";
                string fix = layers[other].Name is null ? "choose another name" : "give each layer a distinct name";
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerName, layers[at].Site, result[at].Name,
                    $"{clash} (both give the member names {identifier}...); {fix}"));
            }
            else
            {
                identifiers[identifier] = i;
            }
        }
        return result;
    }

    /// <summary>conv1 → Conv1, leaky_relu1 → LeakyRelu1, myLayer → MyLayer.</summary>
    public static string ToPascal(string name)
    {
        var builder = new StringBuilder(name.Length);
        bool upper = true;
        foreach (char c in name)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }
            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return builder.ToString();
    }

    /// <summary>Conv1 → conv1, LeakyRelu1 → leakyRelu1.</summary>
    public static string ToCamel(string identifier)
        => identifier.Length == 0 ? identifier : char.ToLowerInvariant(identifier[0]) + identifier.Substring(1);

    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || !IsAsciiLetter(name[0])) return false;
        foreach (char c in name)
        {
            if (!IsAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '_') return false;
        }
        return true;
    }

    private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
