using System.Linq;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Generator.Tests.Emission;

/// <summary>The generated XML documentation (the summary table on the class) is well-formed, also next to the user's own doc comment.</summary>
public sealed class DocumentationTests
{
    [Theory]
    [InlineData("")]
    [InlineData("/// <summary>LeNet-5 &amp; friends: [1,28,28] → 10.</summary>")]
    public void Generated_documentation_compiles_without_warnings(string userDoc)
    {
        var parse = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        string source = TestNetworks.LeNet5.Replace("[Network]", userDoc + "\n[Network]");
        Compilation compilation = GeneratorHarness.Compilation(source).RemoveAllSyntaxTrees()
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, parse, path: "Network0.cs"));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: parse);

        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var diagnostics);

        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        INamedTypeSymbol type = output.GetTypeByMetadataName("Samples.LeNet5")!;
        string xml = type.GetDocumentationCommentXml()!;
        Assert.Contains("conv1 (Conv2D 5x5, pad 2)   [6, 28, 28]      156", xml);
        Assert.Contains("Total params: 61,706", xml);
        Assert.Contains("conv2              480,000    960,000       9.4      6.3  grid / patch grid / scatter|im2col", xml);
        Assert.Contains("Total              833,040  1,430,880     241.0     37.8", xml);
    }
}
