using System;
using System.IO;

namespace Compiled.Samples.Tests;

/// <summary>The repository the tests run in (its data/ and scripts/ folders).</summary>
internal static class Repository
{
    /// <summary>The directory holding Compiled.sln, above the test assembly.</summary>
    public static string Root()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Compiled.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("No Compiled.sln above the test assembly.");
    }
}
