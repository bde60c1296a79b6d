using System;
using System.Collections.Generic;
using System.IO;
using Compiled.Training;

namespace Compiled.Samples;

/// <summary>A sample's <c>Main</c>: parse the command line of a <see cref="SampleDefinition"/>, run it, turn expected failures into messages.</summary>
public static class SampleProgram
{
    /// <summary>Exit code of a run that stopped with a message (missing data, a bad checkpoint, a diverged loss, a model not available yet).</summary>
    public const int RunError = 1;

    /// <summary>
    /// Parses <paramref name="args"/> and runs <paramref name="sample"/>, printing to the console. Returns 0, <see cref="RunError"/>
    /// with one line on standard error naming the problem (missing data and the script that fetches it, a damaged
    /// file, a non-finite loss, a model not available yet), or <see cref="SampleCommand.UsageError"/> for a bad command line.
    /// </summary>
    public static int Main(SampleDefinition sample, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return new SampleCommand(sample).Invoke(args, options =>
        {
            try
            {
                return SampleRun.Run(sample, options, Console.Out);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or NonFiniteException
                or NotSupportedException)
            {
                Console.Error.WriteLine($"{sample.ProgramName}: {e.Message}");
                return RunError;
            }
        });
    }
}
