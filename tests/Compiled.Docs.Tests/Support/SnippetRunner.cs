using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Compiled.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Compiled.Docs.Tests.Support;

/// <summary>What a snippet printed and returned.</summary>
internal sealed record SnippetRun(string Output, int ExitCode);

/// <summary>
/// Compiles a snippet as a new user's console project would (C# latest, nullable on, the SDK's implicit usings, a
/// reference to Compiled.Runtime, the Compiled generator running), then loads and runs it in this process.
/// Any generator diagnostic, compiler warning or error, exception or non-zero exit code is a failure.
/// </summary>
internal static class SnippetRunner
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    // What `dotnet new console` enables with <ImplicitUsings>enable</ImplicitUsings>.
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.Length > 0 && !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)
                && !Path.GetFileName(p).StartsWith("xunit", StringComparison.Ordinal))
            .ToList();
        paths.Add(typeof(NetworkAttribute).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    /// <summary>Compiles <paramref name="snippet"/>; throws with every problem, located in <paramref name="markdownPath"/>.</summary>
    public static byte[] Compile(Snippet snippet, string markdownPath)
    {
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "ImplicitUsings.g.cs") };
        foreach (CodeBlock block in snippet.Blocks)
        {
            // #line maps every diagnostic to the guide's own line numbers.
            string text = $"#line {block.FirstLine} \"{markdownPath}\"\n{block.Code}\n";
            trees.Add(CSharpSyntaxTree.ParseText(text, ParseOptions, path: $"{snippet.Name}-{block.FirstLine}.cs", encoding: Encoding.UTF8));
        }
        var compilation = CSharpCompilation.Create(
            "Snippet_" + snippet.Name.Replace('-', '_'),
            trees,
            References.Value,
            new CSharpCompilationOptions(IsProgram(snippet) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        using var image = new MemoryStream();
        EmitResult emitted = output.Emit(image);
        var problems = generatorDiagnostics.Concat(emitted.Diagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .Distinct()
            .ToList();
        if (problems.Count > 0 || !emitted.Success)
            throw new SnippetException($"Snippet '{snippet.Name}' does not compile cleanly:\n  {string.Join("\n  ", problems)}");
        return image.ToArray();
    }

    /// <summary>Whether a block has top-level statements (a program); declarations alone compile as a library.</summary>
    public static bool IsProgram(Snippet snippet) =>
        snippet.Blocks.Any(b => CSharpSyntaxTree.ParseText(b.Code, ParseOptions).GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any());

    /// <summary>Runs the compiled program's entry point in <paramref name="workingDirectory"/>, capturing the console.</summary>
    public static SnippetRun Run(Snippet snippet, byte[] image, string workingDirectory)
    {
        Assembly assembly = Assembly.Load(image);
        MethodInfo entry = assembly.EntryPoint
            ?? throw new SnippetException($"Snippet '{snippet.Name}' has no top-level statements (no entry point) to run.");
        var output = new StringWriter();
        TextWriter previousOut = Console.Out;
        TextWriter previousError = Console.Error;
        string previousDirectory = Environment.CurrentDirectory;
        Console.SetOut(output);
        Console.SetError(output);
        Environment.CurrentDirectory = workingDirectory;
        try
        {
            object?[]? arguments = entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()];
            object? result = entry.Invoke(null, arguments);
            if (result is System.Threading.Tasks.Task task)
            {
                task.GetAwaiter().GetResult();
                result = task.GetType().GetProperty("Result")?.GetValue(task);
            }
            return new SnippetRun(output.ToString(), result is int code ? code : 0);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new SnippetException($"Snippet '{snippet.Name}' threw {e.InnerException.GetType().Name}: {e.InnerException.Message}\nOutput:\n{output}\n{e.InnerException}");
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            Environment.CurrentDirectory = previousDirectory;
        }
    }
}

/// <summary>A snippet failed to compile or to run.</summary>
internal sealed class SnippetException(string message) : Exception(message);
