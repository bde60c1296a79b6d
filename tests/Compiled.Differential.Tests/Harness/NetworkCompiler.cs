using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Compiled.Differential.Tests.Declarations;
using Compiled.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Differential.Tests.Harness;

/// <summary>One declaration in a batch: its spec, the class it becomes, and (after compiling) its type or what went wrong.</summary>
internal sealed class CompiledNetwork
{
    public CompiledNetwork(NetworkSpec spec, string ns, string className)
    {
        Spec = spec;
        Namespace = ns;
        ClassName = className;
    }

    public NetworkSpec Spec { get; }
    public string Namespace { get; }
    public string ClassName { get; }
    public string FullName => Namespace + "." + ClassName;
    public string FileName => ClassName + ".cs";
    public Type? Type { get; set; }
    /// <summary>Generator diagnostics or compiler errors for this declaration (it was valid, so any is a failure).</summary>
    public List<string> Problems { get; } = new();
}

/// <summary>
/// Compiles many declarations in one Roslyn compilation (one syntax tree each) with <see cref="NetworkGenerator"/> run
/// in-process by CSharpGeneratorDriver, emits the assembly (Release) into memory and loads it into a collectible
/// <see cref="AssemblyLoadContext"/>; Compiled.Runtime resolves to the test's own copy, so the networks implement the
/// test's <see cref="INetwork"/>. A declaration whose generator diagnostics or compiler errors point at its files is
/// reported and left out, and the rest compiled again.
/// </summary>
internal static class NetworkCompiler
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Where(p => p.Length > 0).ToList();
        paths.Add(typeof(NetworkAttribute).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    private static int s_assemblies;

    /// <summary>Compiles and loads; fills <see cref="CompiledNetwork.Type"/> or <see cref="CompiledNetwork.Problems"/>. Returns the context to unload.</summary>
    public static AssemblyLoadContext? CompileAndLoad(IReadOnlyList<CompiledNetwork> networks)
    {
        var remaining = networks.ToList();
        for (int round = 0; round < 4 && remaining.Count > 0; round++)
        {
            (byte[]? image, Dictionary<CompiledNetwork, List<string>> problems, List<string> unattributed) = Compile(remaining);
            foreach ((CompiledNetwork network, List<string> list) in problems) network.Problems.AddRange(list);
            if (image is not null)
            {
                var context = new AssemblyLoadContext("differential-" + s_assemblies, isCollectible: true);
                Assembly assembly = context.LoadFromStream(new MemoryStream(image));
                foreach (CompiledNetwork network in remaining)
                    network.Type = assembly.GetType(network.FullName) ?? throw new InvalidOperationException($"{network.FullName} not found in the emitted assembly");
                return context;
            }
            if (problems.Count == 0)
                throw new InvalidOperationException("the batch failed to compile with errors no declaration explains:\n" + string.Join("\n", unattributed.Take(20)));
            remaining.RemoveAll(problems.ContainsKey);
        }
        return null;
    }

    /// <summary>Runs only the generator over the declarations: each network's generated source, by class name (a network it did not emit is absent).</summary>
    public static Dictionary<string, string> GenerateSources(IReadOnlyList<CompiledNetwork> networks)
    {
        var trees = networks.Select(n => CSharpSyntaxTree.ParseText(n.Spec.Render(n.Namespace, n.ClassName), ParseOptions, path: n.FileName)).ToList();
        var compilation = CSharpCompilation.Create("DifferentialSources", trees, References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        GeneratorDriverRunResult result = driver.RunGenerators(compilation).GetRunResult();
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (CompiledNetwork network in networks)
        {
            foreach (GeneratedSourceResult generated in result.Results.SelectMany(r => r.GeneratedSources))
            {
                if (generated.HintName.EndsWith("." + network.ClassName + ".g.cs", StringComparison.Ordinal)) sources[network.ClassName] = generated.SourceText.ToString();
            }
        }
        return sources;
    }

    private static (byte[]? Image, Dictionary<CompiledNetwork, List<string>> Problems, List<string> Unattributed) Compile(List<CompiledNetwork> networks)
    {
        int id = System.Threading.Interlocked.Increment(ref s_assemblies);
        var trees = networks.Select(n => CSharpSyntaxTree.ParseText(n.Spec.Render(n.Namespace, n.ClassName), ParseOptions, path: n.FileName)).ToList();
        var compilation = CSharpCompilation.Create(
            "Differential" + id,
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        var problems = new Dictionary<CompiledNetwork, List<string>>();
        var unattributed = new List<string>();
        var byClass = networks.ToDictionary(n => n.ClassName, StringComparer.Ordinal);
        void Attribute(Diagnostic diagnostic, string origin)
        {
            string path = diagnostic.Location.SourceTree?.FilePath ?? "";
            string file = Path.GetFileName(path);
            // Declarations are "N12.cs"; the generator's files are "Namespace.N12.g.cs".
            string? owner = byClass.Keys.FirstOrDefault(c => file == c + ".cs" || file.EndsWith("." + c + ".g.cs", StringComparison.Ordinal));
            string text = $"{origin} {diagnostic.Id} at {file}{diagnostic.Location.GetLineSpan().StartLinePosition}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            if (owner is null)
            {
                unattributed.Add(text);
                return;
            }
            if (!problems.TryGetValue(byClass[owner], out List<string>? list)) problems[byClass[owner]] = list = new List<string>();
            list.Add(text);
        }

        // Any generator diagnostic is a failure: every declaration is valid. Warnings count too (the repo builds with -warnaserror).
        foreach (Diagnostic d in generatorDiagnostics) Attribute(d, "generator");
        var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emit = output.Emit(stream);
        foreach (Diagnostic d in emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)) Attribute(d, "compiler");
        bool ok = emit.Success && problems.Count == 0 && unattributed.Count == 0;
        return (ok ? stream.ToArray() : null, problems, unattributed);
    }
}
