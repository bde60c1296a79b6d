using System;
using System.IO;

namespace Compiled.Docs.Tests.Support;

/// <summary>Paths inside the repository, found by walking up from the test assembly to the folder holding <c>Compiled.sln</c>.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Locate();

    public static string Guide => Path.Combine(Root, "docs", "guide.md");

    public static string Readme => Path.Combine(Root, "README.md");

    public static string Mnist => Path.Combine(Root, "data", "mnist");

    private static string Locate()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Compiled.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No directory holding Compiled.sln above {AppContext.BaseDirectory}.");
    }
}
