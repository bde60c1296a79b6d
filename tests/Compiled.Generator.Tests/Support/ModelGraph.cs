using System;
using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Support;

/// <summary>
/// Walks an object graph by reflection (test-side only) and lists every compiler object in it: symbols, syntax,
/// compilations, semantic models, syntax trees and locations would keep a compilation alive and break caching.
/// </summary>
internal static class ModelGraph
{
    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel), typeof(Location),
        typeof(AttributeData), typeof(SyntaxReference),
    };

    public static List<string> FindCompilerObjects(object? root)
    {
        var found = new List<string>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, "model", found, visited, depth: 0);
        return found;
    }

    private static void Walk(object? value, string path, List<string> found, HashSet<object> visited, int depth)
    {
        if (value is null || depth > 64) return;
        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string || value is decimal) return;
        foreach (Type forbidden in Forbidden)
        {
            if (forbidden.IsInstanceOfType(value))
            {
                found.Add($"{path}: {type.FullName}");
                return;
            }
        }
        if (value is DiagnosticDescriptor) return; // immutable descriptor data, compared by value
        if (!type.IsValueType && !visited.Add(value)) return;

        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence) Walk(item, $"{path}[{i++}]", found, visited, depth + 1);
        }
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike) continue;
                Walk(field.GetValue(value), $"{path}.{field.Name}", found, visited, depth + 1);
            }
        }
    }
}
