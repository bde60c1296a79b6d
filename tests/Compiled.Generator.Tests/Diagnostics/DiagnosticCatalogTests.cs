using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Compiled.Generator.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Diagnostics;

/// <summary>Every diagnostic the generator can report is documented: a row in docs/api.md and in AnalyzerReleases, with a unique ID.</summary>
public sealed class DiagnosticCatalogTests
{
    private static DiagnosticDescriptor[] Descriptors()
        => typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();

    [Fact]
    public void Ids_are_unique_errors_of_one_category()
    {
        DiagnosticDescriptor[] descriptors = Descriptors();
        Assert.True(descriptors.Length >= 25, $"found only {descriptors.Length} descriptors");
        Assert.Equal(descriptors.Length, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(descriptors, d =>
        {
            Assert.Matches("^CMP[0-9]{4}$", d.Id);
            Assert.Equal(DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.Equal(DiagnosticCategories.Network, d.Category);
        });
    }

    [Fact]
    public void Every_id_has_a_row_in_the_api_docs_and_the_release_notes()
    {
        string root = RepositoryRoot();
        string[] api = File.ReadAllLines(Path.Combine(root, "docs", "api.md"));
        string releases = File.ReadAllText(Path.Combine(root, "Generator", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(root, "Generator", "AnalyzerReleases.Shipped.md"));
        foreach (DiagnosticDescriptor descriptor in Descriptors())
        {
            Assert.True(api.Count(line => line.StartsWith($"| {descriptor.Id} |", System.StringComparison.Ordinal)) == 1, $"docs/api.md needs one table row for {descriptor.Id}");
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | Error | ", releases);
        }
        string[] documented = api.Where(line => line.StartsWith("| CMP", System.StringComparison.Ordinal)).Select(line => line.Split('|')[1].Trim()).ToArray();
        Assert.Equal(documented.OrderBy(id => id, System.StringComparer.Ordinal), documented);
        Assert.Equal(Descriptors().Select(d => d.Id).OrderBy(id => id, System.StringComparer.Ordinal), documented);
    }

    private static string RepositoryRoot([CallerFilePath] string path = "")
    {
        for (string? directory = Path.GetDirectoryName(path); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Compiled.sln"))) return directory;
        }
        throw new DirectoryNotFoundException("Cannot find Compiled.sln above " + path);
    }
}
