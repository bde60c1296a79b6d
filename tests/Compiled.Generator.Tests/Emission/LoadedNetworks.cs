using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Emission;

/// <summary>Compiles a generator run's output (user code and generated code) to an assembly and loads it, to create and inspect its networks.</summary>
internal static class LoadedNetworks
{
    /// <summary>The loaded assembly of <paramref name="outcome"/>; fails the test if it does not compile cleanly.</summary>
    public static Assembly Load(GeneratorOutcome outcome)
    {
        Assert.Empty(outcome.CompilationProblems);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = outcome.Output.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        return new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(image);
    }

    /// <summary>Generates, compiles and creates the network <paramref name="typeName"/> declared in <paramref name="source"/>.</summary>
    public static INetwork Create(string source, string typeName)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run(source);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Type type = Load(outcome).GetType(typeName, throwOnError: true)!;
        return (INetwork)Activator.CreateInstance(type, 1)!;
    }
}
