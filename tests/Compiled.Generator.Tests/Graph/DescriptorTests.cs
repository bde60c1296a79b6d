using System;
using System.Linq;
using System.Reflection;
using Compiled.Generator.Layers;
using Compiled.Generator.Model;

namespace Compiled.Generator.Tests.Graph;

/// <summary>
/// The layer descriptors cannot drift from the declaration API: every layer attribute of Runtime/Declarations has a
/// descriptor, and each descriptor's argument schema names the attribute's constructor parameters and properties with
/// their types and defaults.
/// </summary>
public sealed class DescriptorTests
{
    private static readonly Type[] LayerAttributes = typeof(LayerAttribute).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(LayerAttribute)) && !t.IsAbstract && t.Namespace == "Compiled")
        .ToArray();

    /// <summary>
    /// Layer attributes the runtime declares without a descriptor in the registry: the layers whose descriptors have not
    /// landed yet (the generator reports them as unknown layers, CMP0013; each leaves this list with its descriptor), and
    /// the block structure attributes, which the parser reads (Parsing/StructureParser) and the graph builder lowers to
    /// joins instead (checked in <see cref="Block_attributes_are_structure_markers"/>).
    /// </summary>
    private static readonly string[] Pending =
    {
        "UseAttribute", "ShortcutAttribute", "ResidualAttribute", "BranchAttribute", "ConcatAttribute",
    };

    [Fact]
    public void Every_layer_attribute_has_exactly_one_descriptor_and_every_descriptor_an_attribute()
    {
        Assert.NotEmpty(LayerAttributes);
        string[] missing = LayerAttributes.Where(a => LayerRegistry.ForAttribute(a.Name) is null).Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(Pending.OrderBy(n => n, StringComparer.Ordinal).ToArray(), missing);
        foreach (Type attribute in LayerAttributes.Where(a => !Pending.Contains(a.Name)))
        {
            Assert.Equal(attribute.Name, LayerRegistry.ForAttribute(attribute.Name)!.AttributeClass);
        }
        foreach (LayerDescriptor descriptor in LayerRegistry.All)
        {
            if (descriptor.AttributeClass is null)
            {
                Assert.Equal(LayerRole.Join, descriptor.Role);
                continue;
            }
            Assert.Contains(LayerAttributes, a => a.Name == descriptor.AttributeClass);
            Assert.Equal(descriptor.Role == LayerRole.Loss, typeof(LossAttribute).IsAssignableFrom(LayerAttributes.Single(a => a.Name == descriptor.AttributeClass)));
        }
        Assert.Equal(LayerRegistry.All.Count, LayerRegistry.All.Select(d => d.Kind).Distinct().Count());
    }

    [Theory]
    [InlineData("UseAttribute")]
    [InlineData("ShortcutAttribute")]
    [InlineData("ResidualAttribute")]
    [InlineData("BranchAttribute")]
    [InlineData("ConcatAttribute")]
    public void Block_attributes_are_structure_markers(string attributeName)
    {
        Assert.Contains(LayerAttributes, a => a.Name == attributeName);
        Assert.Null(LayerRegistry.ForAttribute(attributeName));
        Layers.Blocks.StructureMarker marker = Layers.Blocks.StructureMarker.ForAttribute(attributeName)!;
        Assert.Equal(attributeName, marker.Kind + "Attribute");
    }

    public static TheoryData<string> Attributes()
    {
        var data = new TheoryData<string>();
        foreach (Type attribute in LayerAttributes.Where(a => !Pending.Contains(a.Name))) data.Add(attribute.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Attributes))]
    public void Schema_matches_the_attribute_class(string attributeName)
    {
        Type attribute = LayerAttributes.Single(a => a.Name == attributeName);
        LayerDescriptor descriptor = LayerRegistry.ForAttribute(attributeName)!;
        // The int constructor; a string one (a block expression: Conv2D, Dense) or an int[] one (a pool's pair) is its twin.
        ConstructorInfo constructor = attribute.GetConstructors()
            .Single(c => c.GetParameters().All(p => p.ParameterType != typeof(string) && p.ParameterType != typeof(int[])));
        System.Reflection.ParameterInfo[] parameters = constructor.GetParameters();

        // A default instance: required constructor arguments 1, optional ones their defaults.
        object instance = constructor.Invoke(parameters.Select(p => p.HasDefaultValue ? p.DefaultValue : (object)1).ToArray());

        int constructorArguments = 0;
        foreach (ArgumentSpec spec in descriptor.Arguments)
        {
            if (spec.ConstructorIndex >= 0)
            {
                constructorArguments++;
                System.Reflection.ParameterInfo parameter = parameters[spec.ConstructorIndex];
                Assert.Equal(parameter.Name, spec.Name);
                Assert.Equal(spec.Type == ArgumentType.Pair ? typeof(int) : ClrType(spec.Type), parameter.ParameterType);
                if (spec.Type == ArgumentType.Pair)
                    Assert.Contains(attribute.GetConstructors(), c => c.GetParameters().Length == 1 && c.GetParameters()[0].ParameterType == typeof(int[]));
                Assert.Equal(parameter.HasDefaultValue, spec.Default is not null);
                if (parameter.HasDefaultValue) Assert.Equal(parameter.DefaultValue, Value(spec.Default!.Value));
            }
            else
            {
                PropertyInfo? property = attribute.GetProperty(spec.Name);
                Assert.True(property is not null && property.SetMethod is { IsPublic: true }, $"{attributeName} has no settable property {spec.Name}");
                Assert.Equal(ClrType(spec.Type), property!.PropertyType);
                object? fallback = property.GetValue(instance);
                Assert.Equal(fallback is Init init ? (int)init : fallback, Value(spec.Default!.Value));
            }
        }
        Assert.Equal(parameters.Length, constructorArguments);
    }

    private static Type ClrType(ArgumentType type) => type switch
    {
        ArgumentType.Int => typeof(int),
        ArgumentType.Float => typeof(float),
        ArgumentType.Double => typeof(double),
        ArgumentType.Bool => typeof(bool),
        ArgumentType.String => typeof(string),
        ArgumentType.Padding => typeof(object),
        ArgumentType.Pair => typeof(object),
        _ => typeof(Init),
    };

    private static object? Value(ArgumentValue value) => value.Type switch
    {
        ArgumentType.Float => value.Float,
        ArgumentType.Double => value.Double,
        ArgumentType.Bool => value.Bool,
        ArgumentType.String => value.Text,
        ArgumentType.Padding => value.Padding.Height,
        ArgumentType.Pair => value.Height,
        _ => value.Int,
    };
}
