using System;
using System.IO;

namespace Compiled.Networks.Tests.TestSupport;

/// <summary>Paths inside the repository, found by walking up from the test assembly to the folder holding <c>Compiled.sln</c>.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Locate();

    /// <summary><c>tests/fixtures/pytorch</c>: the committed PyTorch reference values (made by <c>tests/fixtures/make_fixtures.py</c>).</summary>
    public static string PyTorchFixtures => Path.Combine(Root, "tests", "fixtures", "pytorch");

    private static string Locate()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Compiled.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No directory holding Compiled.sln above {AppContext.BaseDirectory}.");
    }
}
