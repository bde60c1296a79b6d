using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Compiled.Generator.Emit;
using Compiled.Generator.Planning;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests.Graph;

/// <summary>Compiles and loads the source the emitter wrote for a plan built by hand (graphs no attribute declares yet).</summary>
internal static class EmittedNetworks
{
    /// <summary>Compiles <paramref name="generated"/> (the class Valid.A) with no warning, checks its members are the reserved ones, and creates it.</summary>
    public static INetwork Create(string generated, NetworkPlan plan, int threads)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation("namespace Valid { public partial class A { } }")
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(generated, GeneratorHarness.ParseOptions, path: "Valid.A.g.cs"));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        Assert.True(result.Success);
        image.Position = 0;
        Type type = new AssemblyLoadContext("emitted-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(image).GetType("Valid.A", throwOnError: true)!;

        // Every member the emitter declared is one GeneratedMembers reserves (explicit implementations: GeneratedMembersTests).
        string[] declared = type.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => m is not System.Reflection.ConstructorInfo && !m.Name.Contains('<') && !m.Name.Contains('.') && !m.Name.StartsWith("get_", StringComparison.Ordinal) && !m.Name.StartsWith("set_", StringComparison.Ordinal))
            .Select(m => m.Name).Distinct().ToArray();
        HashSet<string> reserved = GeneratedMembers.Of(plan).Select(m => m.Name).ToHashSet();
        Assert.All(declared, name => Assert.True(reserved.Contains(name), $"{name} is emitted but not reserved"));
        return (INetwork)Activator.CreateInstance(type, threads)!;
    }
}
