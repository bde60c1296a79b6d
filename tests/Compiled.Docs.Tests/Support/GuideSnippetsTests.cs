using System.IO;
using System.Linq;
using Compiled.Docs.Tests.Support;

namespace Compiled.Docs.Tests;

/// <summary>The harness itself: blocks group by marker, a broken snippet fails with the guide's line, a throwing one fails.</summary>
public sealed class GuideSnippetsTests
{
    private static string Write(string markdown)
    {
        string path = Path.Combine(Path.GetTempPath(), $"guide-{System.Guid.NewGuid():N}.md");
        File.WriteAllText(path, markdown);
        return path;
    }

    [Fact]
    public void Marked_blocks_group_and_unmarked_blocks_stand_alone()
    {
        string path = Write("# t\n<!-- snippet: a -->\n```csharp\nclass A {}\n```\ntext\n```csharp\nSystem.Console.WriteLine(1);\n```\n\n<!-- snippet: a -->\n\n```csharp\nSystem.Console.WriteLine(new A());\n```\n```bash\nls\n```\n");
        var snippets = GuideSnippets.Read(path);
        Assert.Equal(2, snippets.Count);
        Assert.Equal("a", snippets[0].Name);
        Assert.Equal(2, snippets[0].Blocks.Count);
        Assert.Equal(4, snippets[0].Blocks[0].FirstLine);
        Assert.Equal("line-7", snippets[1].Name);
    }

    [Fact]
    public void Uses_pulls_in_another_snippets_blocks_first()
    {
        string path = Write("<!-- snippet: decl -->\n```csharp\nclass A {}\n```\n<!-- snippet: prog; uses: decl -->\n```csharp\nSystem.Console.WriteLine(new A());\n```\n");
        var snippets = GuideSnippets.Read(path);
        Assert.Equal(["decl", "prog"], snippets.Select(s => s.Name));
        Assert.Equal(["class A {}", "System.Console.WriteLine(new A());"], snippets[1].Blocks.Select(b => b.Code));
        Assert.Throws<InvalidDataException>(() => GuideSnippets.Read(Write("<!-- snippet: p; uses: nothing -->\n```csharp\nint x = 1;\n```\n")));
    }

    [Fact]
    public void A_compile_error_names_the_guide_line()
    {
        string path = Write("x\n\n```csharp\nint x = \"no\";\n```\n");
        var snippet = Assert.Single(GuideSnippets.Read(path));
        var e = Assert.Throws<SnippetException>(() => SnippetRunner.Compile(snippet, path));
        Assert.Contains($"{path}(4,", e.Message);
        Assert.Contains("CS0029", e.Message);
    }

    [Fact]
    public void A_warning_fails_too()
    {
        string path = Write("```csharp\nstring? s = null;\nSystem.Console.WriteLine(s.Length);\n```\n");
        var e = Assert.Throws<SnippetException>(() => SnippetRunner.Compile(Assert.Single(GuideSnippets.Read(path)), path));
        Assert.Contains("CS8602", e.Message);
    }

    [Fact]
    public void A_generator_error_fails()
    {
        string path = Write("```csharp\nusing Compiled;\n[Network]\n[Dense(10), SoftmaxCrossEntropy]\npublic partial class NoInput;\n```\n");
        var e = Assert.Throws<SnippetException>(() => SnippetRunner.Compile(Assert.Single(GuideSnippets.Read(path)), path));
        Assert.Contains("CMP0003", e.Message);
    }

    [Fact]
    public void An_exception_at_run_time_fails_with_the_output()
    {
        string path = Write("```csharp\nConsole.WriteLine(\"before\");\nthrow new InvalidOperationException(\"boom\");\n```\n");
        var snippet = Assert.Single(GuideSnippets.Read(path));
        byte[] image = SnippetRunner.Compile(snippet, path);
        var e = Assert.Throws<SnippetException>(() => SnippetRunner.Run(snippet, image, Path.GetTempPath()));
        Assert.Contains("boom", e.Message);
        Assert.Contains("before", e.Message);
    }

    [Fact]
    public void A_network_declared_in_one_block_trains_in_another()
    {
        string path = Write("<!-- snippet: n -->\n```csharp\nusing Compiled;\n[Network]\n[Input(4)]\n[Dense(3), SoftmaxCrossEntropy]\npublic partial class Tiny;\n```\n<!-- snippet: n -->\n```csharp\nvar net = new Tiny(threads: 1);\nnet.Initialize(seed: 1);\nfloat loss = net.TrainStep(new float[8], new int[] { 0, 2 }, batch: 2);\nConsole.WriteLine(loss > 0 ? \"ok\" : \"bad\");\n```\n");
        var snippet = Assert.Single(GuideSnippets.Read(path));
        SnippetRun run = SnippetRunner.Run(snippet, SnippetRunner.Compile(snippet, path), Path.GetTempPath());
        Assert.Equal("ok", run.Output.Trim());
    }
}
